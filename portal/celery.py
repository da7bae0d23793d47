"""The portal's Celery app. Workers and beat start with `celery -A portal.celery …`."""

import os

from celery import Celery

from portal.config import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

with exit_on_bad_configuration():
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018  (a bad variable stops the worker here, in one line)

app = Celery("portal")
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
