"""Trigram indexes for the admin's search by a person's name or email (PostgreSQL only).

The admin searches with `icontains` on first name, last name and email, which PostgreSQL runs
as `UPPER(column::text) LIKE UPPER('%term%')`: no b-tree helps, so every search read every
user of the installation (the patient list's search at 1,010,000 users: 370 ms for its count
and as much again for its page). A GIN trigram index on each of the three expressions lets the
three conditions be answered by a bitmap of the matching users. On SQLite there is no such
index: its searches scan, as they always did. The indexes are not in the models' state (a GIN
index cannot be declared for SQLite too); tests/portal/test_admin_at_scale.py checks they exist.
"""

from django.db import migrations

SEARCHED = ["first_name", "last_name", "email"]


def index_name(column: str) -> str:
    return f"user_{column}_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted since PostgreSQL 13: the database's owner may create it, no superuser needed.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        # The expression exactly as Django's icontains writes it, or the planner ignores it.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON patients_user "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")
    # The extension stays: something else may have come to use it.


class Migration(migrations.Migration):
    dependencies = [("patients", "0011_fill_next_reminders")]

    operations = [migrations.RunPython(create, drop)]
