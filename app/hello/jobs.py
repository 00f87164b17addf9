"""Background jobs (the example's worker, bin/worker.py): web enqueues them on redis with rq, the
worker runs them. The queue is REDIS_URL when the environment sets it (a managed cache), else the
compose file's redis service."""
import os
import time

from django.conf import settings

JOB_MAX_SECONDS = 50
QUEUE = "default"


def redis_url():
    return os.environ.get("REDIS_URL") or "redis://redis:6379/0"


def queue():
    """The queue web enqueues on and the worker takes from."""
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url()))


def sleep_then_record(token, seconds):
    """A job: works for `seconds` (as a report or an export would), then records that it finished.
    A job cut short (the worker killed mid-way) records nothing: lost, and countable."""
    from .models import JobDone

    time.sleep(seconds)
    JobDone.objects.get_or_create(token=token, defaults={"seconds": seconds, "release": settings.RELEASE_ID})
