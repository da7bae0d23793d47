import sqlite3
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_real_variable_limit(sender: Any, connection: Any, **kwargs: Any) -> None:
    # Django 5.2 assumes SQLite's old limit of 999 parameters a statement and splits a bulk
    # insert of more into several; the SQLite Python ships (3.32+) allows 32,766. Django 6.0
    # asks the connection (django ticket #36143); until then, so do we. A page of 100 patients
    # then costs the audit trail one INSERT on SQLite, as on PostgreSQL.
    if connection.vendor == "sqlite":
        connection.features.max_query_params = connection.connection.getlimit(
            sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER
        )


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # Importing the Celery app here makes every @shared_task of the apps publish through
        # the portal's Redis, in the web process as in the worker; importing the startup
        # checks registers them.
        from portal import celery, checks  # noqa: F401

        connection_created.connect(_sqlite_real_variable_limit, dispatch_uid="sqlite-limit")
