from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Importing the Celery app here makes every @shared_task of the apps publish through
        # the portal's Redis, in the web process as in the worker.
        from portal import celery  # noqa: F401
