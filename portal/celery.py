"""The portal's Celery app. Workers and beat start with `celery -A portal.celery …`."""

import os

from celery import Celery, Task, signals

from portal.config import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

with exit_on_bad_configuration():
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018  (a bad variable stops the worker here, in one line)

app = Celery("portal")


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(task: Task | None = None, **kwargs: object) -> None:
    """What Django does around every request, around every task: a connection that failed or
    outlived CONN_MAX_AGE is closed, and the next query checks the connection first
    (CONN_HEALTH_CHECKS). So a worker whose database connection the server ended (a restart,
    a failover) reconnects on its next task instead of failing every task until restarted.
    Celery's own clean-up is off (CELERY_DB_REUSE_MAX), as it would reconnect for every task."""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # run in the caller's process (tests, `send_due_reminders`): its connection
    from django.db import close_old_connections

    close_old_connections()


app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules live in the apps (exercises/tasks.py, patients/tasks.py).
app.autodiscover_tasks()


@app.task(name="portal.ping", ignore_result=False)
def ping() -> str:
    """Answered by any worker: the health check's proof that a worker takes work from Redis."""
    return "pong"


@app.task(name="portal.noop")
def noop() -> None:
    """Does nothing: `make bench` measures Celery's own cost per task with it."""
