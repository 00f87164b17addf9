"""Settings for the example app. Everything deployment-specific comes from the environment (.env)."""
import hashlib
import os
from pathlib import Path

import django

from .database_url import parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASE_URL = os.environ.get("DATABASE_URL", "")
RELEASE_ID = os.environ.get("RELEASE_ID", "dev")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
# The names the site is served at over HTTPS (set by the deployment when the stack has a domain).
SITE_DOMAINS = [d.strip() for d in os.environ.get("SITE_DOMAINS", "").split(",") if d.strip()]
HTTPS = os.environ.get("HTTPS", "") == "on"
ALLOWED_HOSTS += [d for d in SITE_DOMAINS if d not in ALLOWED_HOSTS]

# The deployment need not manage one more secret: without DJANGO_SECRET_KEY the key is derived
# from DATABASE_URL, which holds the database password and is equally secret and stable.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or hashlib.sha256(
    ("django-secret-key:" + (DATABASE_URL or "insecure-dev-only")).encode()
).hexdigest()

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "hello",
]
MIDDLEWARE = [
    "hello.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"
TEMPLATES = []

DATABASES = {"default": parse_database_url(DATABASE_URL)} if DATABASE_URL else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"

# On ec2, nginx serves these two from named volumes shared with the web container. On ecs there is
# no nginx: the app serves its static files itself through whitenoise (when installed; nginx answers
# /static/ first on ec2, so it is harmless there) and media live in S3 (below).
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", "/app/staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/app/media")
try:
    import whitenoise  # noqa: F401

    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware")
except ImportError:
    pass

# Media in S3 when the deployment names a bucket (MEDIA_BUCKET): django-storages signs with the
# credentials of the role the app runs under (ECS task role, EC2 instance role); no keys here.
# Objects stay private: their URLs are short-lived presigned links. MEDIA_S3_ENDPOINT points at an
# S3-compatible server (the integration test's local one); unset on AWS.
MEDIA_BUCKET = os.environ.get("MEDIA_BUCKET", "")
if MEDIA_BUCKET:
    AWS_STORAGE_BUCKET_NAME = MEDIA_BUCKET
    AWS_S3_REGION_NAME = os.environ.get("MEDIA_BUCKET_REGION") or None
    AWS_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT") or None
    if AWS_S3_ENDPOINT_URL:
        AWS_S3_ADDRESSING_STYLE = "path"
    AWS_LOCATION = "media"
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    AWS_QUERYSTRING_AUTH = True
    _MEDIA_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
    if django.VERSION >= (4, 2):
        STORAGES = {
            "default": {"BACKEND": _MEDIA_STORAGE},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    else:
        DEFAULT_FILE_STORAGE = _MEDIA_STORAGE

# A demo upload endpoint (POST /uploads, GET /uploads/<name>): off unless DEMO_UPLOADS=1, as it lets
# anyone store files. The media integration test turns it on.
DEMO_UPLOADS = os.environ.get("DEMO_UPLOADS", "") == "1"

# Cache and sessions in redis when the deployment names one (REDIS_URL: the stack's managed cache,
# rediss://… over TLS, or a redis service of the compose file): every web container and every task
# shares them, so a deploy or a scale-out logs nobody out. django-redis (Debian: python3-django-redis,
# with python3-redis) is the client; without REDIS_URL the app keeps Django's per-process defaults.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    try:
        import django_redis  # noqa: F401
    except ImportError as missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("REDIS_URL is set but django-redis is not installed: add it to the image (pip: django-redis; Debian: python3-django-redis)") from missing
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "django.contrib.sessions.middleware.SessionMiddleware")

# Behind nginx: trust its X-Forwarded-Proto for request.is_secure() (nginx passes on the edge's
# value when the host terminates TLS in front of it).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Over HTTPS: cookies only over https, and POSTs from the site's own https origins pass CSRF.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_TRUSTED_ORIGINS = [f"https://{d}" for d in SITE_DOMAINS] if HTTPS else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
