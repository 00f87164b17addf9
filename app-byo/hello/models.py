from django.db import models


class Visit(models.Model):
    """One row per page view of /: proves the app writes to its database."""

    created_at = models.DateTimeField(auto_now_add=True)
