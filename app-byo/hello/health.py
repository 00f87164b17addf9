from .views import database_health

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answers /healthz before any other middleware.

    Health checks come from the container itself and from the deploy script through nginx on
    127.0.0.1, with Host headers that ALLOWED_HOSTS (the public names) need not list; answering
    here, ahead of CommonMiddleware's host validation, keeps them working without widening it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH:
            return database_health()
        return self.get_response(request)
