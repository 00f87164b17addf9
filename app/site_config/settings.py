"""Settings for the example app. Everything deployment-specific comes from the environment (.env)."""
import hashlib
import os
from pathlib import Path

from .database_url import parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASE_URL = os.environ.get("DATABASE_URL", "")
RELEASE_ID = os.environ.get("RELEASE_ID", "dev")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]

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

# nginx serves these two from named volumes shared with the web container.
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", "/app/staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/app/media")

# Behind nginx: trust its X-Forwarded-Proto for request.is_secure().
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
