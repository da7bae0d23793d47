"""The library gets owners: each clinic's own exercises, programme templates and cards sit in a
library of its own (patients 0006 gives every clinic one, and every existing row its owner);
slugs are unique within a library."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0002_lines_provenance_screens_disagreements"),
    ]

    operations = [
        migrations.CreateModel(
            name="Library",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name_plural": "libraries",
                "ordering": ["name", "id"],
            },
        ),
        migrations.AlterField(
            model_name="educationcard",
            name="slug",
            field=models.SlugField(
                max_length=100,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                        "Use lowercase letters, digits and hyphens only.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="exercise",
            name="slug",
            field=models.SlugField(
                max_length=100,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                        "Use lowercase letters, digits and hyphens only.",
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="programtemplate",
            name="slug",
            field=models.SlugField(
                max_length=100,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9]+(?:-[a-z0-9]+)*$",
                        "Use lowercase letters, digits and hyphens only.",
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="educationcard",
            name="library",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinic whose own it is; empty: the library shipped with the portal.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="exercises.library",
            ),
        ),
        migrations.AddField(
            model_name="exercise",
            name="library",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinic whose own it is; empty: the library shipped with the portal.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="exercises.library",
            ),
        ),
        migrations.AddField(
            model_name="programtemplate",
            name="library",
            field=models.ForeignKey(
                blank=True,
                help_text="The clinic whose own it is; empty: the library shipped with the portal.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="exercises.library",
            ),
        ),
        migrations.AddConstraint(
            model_name="educationcard",
            constraint=models.UniqueConstraint(
                fields=("library", "slug"), name="educationcard_slug_unique_in_library"
            ),
        ),
        migrations.AddConstraint(
            model_name="educationcard",
            constraint=models.UniqueConstraint(
                condition=models.Q(("library__isnull", True)),
                fields=("slug",),
                name="educationcard_slug_unique_in_shipped",
            ),
        ),
        migrations.AddConstraint(
            model_name="exercise",
            constraint=models.UniqueConstraint(
                fields=("library", "slug"), name="exercise_slug_unique_in_library"
            ),
        ),
        migrations.AddConstraint(
            model_name="exercise",
            constraint=models.UniqueConstraint(
                condition=models.Q(("library__isnull", True)),
                fields=("slug",),
                name="exercise_slug_unique_in_shipped",
            ),
        ),
        migrations.AddConstraint(
            model_name="programtemplate",
            constraint=models.UniqueConstraint(
                fields=("library", "slug"), name="programtemplate_slug_unique_in_library"
            ),
        ),
        migrations.AddConstraint(
            model_name="programtemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("library__isnull", True)),
                fields=("slug",),
                name="programtemplate_slug_unique_in_shipped",
            ),
        ),
    ]
