"""Every stored address in its one spelling (trimmed, case-folded), then unique whatever the
case, so that no spelling is a second account or a second lockout."""

import unicodedata

import django.db.models.functions.text
from django.db import migrations, models


def fold(value: str) -> str:
    # A copy of patients.models.normalise_email as it stands at this migration.
    return unicodedata.normalize("NFKC", value).strip().casefold()


def fold_addresses(apps, schema_editor):
    User = apps.get_model("patients", "User")
    seen: dict[str, str] = {}
    for user in User.objects.only("pk", "email").order_by("pk"):
        folded = fold(user.email)
        if folded in seen:
            raise RuntimeError(
                f"Two accounts share the address {folded!r} in different spellings "
                f"({seen[folded]!r} and {user.email!r}): merge or rename one, then migrate again."
            )
        seen[folded] = user.email
        if folded != user.email:
            User.objects.filter(pk=user.pk).update(email=folded)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("patients", "0004_safety_guidance_and_programme_hold"),
    ]

    operations = [
        migrations.RunPython(fold_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                name="user_email_unique_whatever_the_case",
            ),
        ),
    ]
