from django.db import models


class Visit(models.Model):
    """One row per page view of /: proves the app writes to its database."""

    created_at = models.DateTimeField(auto_now_add=True)


class JobDone(models.Model):
    """One row per background job the worker finished (hello/jobs.py): proves no job was lost."""

    token = models.CharField(max_length=64, unique=True)
    seconds = models.FloatField()
    release = models.CharField(max_length=64)
    finished_at = models.DateTimeField(auto_now_add=True)
