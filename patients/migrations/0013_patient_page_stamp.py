"""The patient's page stamp (patients/page_stamps.py), 0 to begin with. A default in the database
too, for rows written by SQL of its own (the benchmark's million patients, a restore)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0012_user_name_and_email_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="page_stamp",
            field=models.PositiveBigIntegerField(db_default=0, default=0, editable=False),
        ),
    ]
