"""The library's version token (exercises.fragments), one row, made here."""

import uuid

from django.db import migrations, models


def first_token(apps, schema_editor):
    apps.get_model("exercises", "LibraryVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0004_shipped_rows_have_no_library"),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
    ]
