import time
import uuid
from html import escape

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse

from .models import JobDone, Visit


def index(request):
    Visit.objects.create()
    visits = Visit.objects.count()
    release = escape(settings.RELEASE_ID)
    body = (
        "<!doctype html><html><head><title>compose-on-ec2</title>"
        '<link rel="stylesheet" href="%shello/style.css"></head>'
        "<body><h1>It works</h1><p>release <code id=\"release\">%s</code></p>"
        "<p>%d visits</p></body></html>" % (settings.STATIC_URL, release, visits)
    )
    response = HttpResponse(body)
    response["X-Release-Id"] = settings.RELEASE_ID
    return response


def database_health():
    """200 only when the database answers SELECT 1; 503 otherwise (the deploy and compose gate on this)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "not ready"
        connection.close()
        response = HttpResponse("database unavailable: %s\n" % type(error).__name__, status=503, content_type="text/plain")
    else:
        response = HttpResponse("ok\n", content_type="text/plain")
    # Which release answered: the deploy's checks through the proxy compare it with the one deployed.
    response["X-Release-Id"] = settings.RELEASE_ID
    return response


def healthz(request):
    """Normally answered by HealthCheckMiddleware first; same answer when routed here."""
    return database_health()


SLOW_MAX_SECONDS = 25


def slow(request):
    """GET /slow?seconds=N: answers after N seconds (default 8, at most 25, below gunicorn's 30 s
    --timeout), like an export or a report does. It holds one worker meanwhile."""
    try:
        seconds = min(max(float(request.GET.get("seconds", "8")), 0.0), SLOW_MAX_SECONDS)
    except ValueError:
        seconds = 8.0
    time.sleep(seconds)
    response = HttpResponse("slow answer after %.1f s\n" % seconds, content_type="text/plain")
    response["X-Release-Id"] = settings.RELEASE_ID
    return response


def upload(request):
    """POST /uploads (demo, DEMO_UPLOADS=1): stores the `file` field in the media storage (S3 when MEDIA_BUCKET is set)."""
    if not settings.DEMO_UPLOADS or request.method != "POST" or "file" not in request.FILES:
        raise Http404()
    uploaded_file = request.FILES["file"]
    name = default_storage.save("uploads/" + uploaded_file.name, uploaded_file)
    return JsonResponse({"name": name, "url": default_storage.url(name), "release": settings.RELEASE_ID})


def uploaded(request, name):
    """GET /uploads/<name> (demo): the stored file, read back through the media storage."""
    if not settings.DEMO_UPLOADS or not default_storage.exists(name):
        raise Http404()
    with default_storage.open(name) as stored:
        body = stored.read()
    response = HttpResponse(body, content_type="application/octet-stream")
    response["X-Release-Id"] = settings.RELEASE_ID
    return response


def jobs(request):
    """POST /jobs?seconds=N[&token=T]: enqueues a background job that works N seconds (default 1, at
    most 50) and then records T (default: a random token); 202 with the token. GET /jobs: the
    finished jobs (token → the release whose worker ran it) and their count."""
    from . import jobs as background

    if request.method == "POST":
        try:
            seconds = min(max(float(request.GET.get("seconds", "1")), 0.0), background.JOB_MAX_SECONDS)
        except ValueError:
            seconds = 1.0
        token = request.GET.get("token") or uuid.uuid4().hex
        if len(token) > 64:
            return JsonResponse({"error": "token longer than 64 characters"}, status=400)
        background.queue().enqueue(background.sleep_then_record, token, seconds, job_timeout=int(background.JOB_MAX_SECONDS * 2))
        response = JsonResponse({"token": token, "seconds": seconds}, status=202)
    else:
        finished = dict(JobDone.objects.order_by("id").values_list("token", "release"))
        response = JsonResponse({"done": len(finished), "jobs": finished})
    response["X-Release-Id"] = settings.RELEASE_ID
    return response
