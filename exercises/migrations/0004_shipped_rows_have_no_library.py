"""A row is shipped exactly when it belongs to no clinic's library. Added once patients 0006 has
given every existing clinic-added row its owner (it runs before this one)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0003_library_tenancy"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="educationcard",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("is_shipped", True), ("library__isnull", True)),
                    models.Q(("is_shipped", False), ("library__isnull", False)),
                    _connector="OR",
                ),
                name="educationcard_shipped_has_no_library",
            ),
        ),
        migrations.AddConstraint(
            model_name="exercise",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("is_shipped", True), ("library__isnull", True)),
                    models.Q(("is_shipped", False), ("library__isnull", False)),
                    _connector="OR",
                ),
                name="exercise_shipped_has_no_library",
            ),
        ),
        migrations.AddConstraint(
            model_name="programtemplate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("is_shipped", True), ("library__isnull", True)),
                    models.Q(("is_shipped", False), ("library__isnull", False)),
                    _connector="OR",
                ),
                name="programtemplate_shipped_has_no_library",
            ),
        ),
    ]
