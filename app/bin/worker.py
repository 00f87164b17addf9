"""The worker: takes the jobs web enqueues (hello/jobs.py) from redis and runs them, with Django
set up. On SIGTERM rq stops taking jobs and exits once the job in hand is done (a warm shutdown:
rq/worker.py, Worker.request_stop); a second SIGTERM, or SIGKILL at the end of the service's
stop_grace_period, cuts it short."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")

import django  # noqa: E402

django.setup()

from rq import Worker  # noqa: E402

from hello.jobs import queue  # noqa: E402

if __name__ == "__main__":
    jobs = queue()
    Worker([jobs], connection=jobs.connection).work()
