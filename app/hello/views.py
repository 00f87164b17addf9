from html import escape

from django.conf import settings
from django.db import connection
from django.http import HttpResponse

from .models import Visit


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
        return HttpResponse("database unavailable: %s\n" % type(error).__name__, status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def healthz(request):
    """Normally answered by HealthCheckMiddleware first; same answer when routed here."""
    return database_health()
