"""The two staff groups, with the permissions each role needs in the admin (patients/roles.py)."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from patients.roles import clinic_groups_sync

    # Permissions are normally made after all migrations ran; make them now to use them here.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    clinic_groups_sync(apps)


def remove_groups(apps, schema_editor):
    from patients.roles import GROUPS

    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("exercises", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
