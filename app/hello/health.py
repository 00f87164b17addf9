from django.conf import settings
from django.http import HttpResponse

from .views import database_health

HEALTH_PATH = "/healthz"


def health_response():
    """(status, headers, body) of the health check, for the worker's health listener (bin/gunicorn_hooks.py).

    The database connection this thread opened is closed again: the listener's threads come and go.
    """
    from django.db import connection

    try:
        response = database_health()
    finally:
        connection.close()
    headers = {name: value for name, value in response.items()}
    return response.status_code, headers, response.content


class HealthCheckMiddleware:
    """Answers /healthz before any other middleware.

    Health checks come from the container itself and from the deploy script through nginx on
    127.0.0.1, with Host headers that ALLOWED_HOSTS (the public names) need not list; answering
    here, ahead of CommonMiddleware's host validation, keeps them working without widening it.
    The answer names the release (X-Release-Id): the deploy checks that the proxy reaches the new one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH:
            return database_health()
        return self.get_response(request)
