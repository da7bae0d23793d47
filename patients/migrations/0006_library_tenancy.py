"""Every clinic gets a library of its own, and every exercise, programme template and card a clinic
added before clinic libraries existed gets its owner:

1. who added it, from the admin's history (the first "added" entry, else the first change by a
   therapist): their clinic;
2. a programme template with no such entry: the one clinic whose own exercises it holds;
3. an installation with a single clinic: that clinic (it was the only one to see them);
4. otherwise a library that no clinic holds, "Not yet assigned to a clinic": a superuser sees
   those rows and gives each its clinic in the admin. Nothing becomes visible to every clinic.
"""

import django.db.models.deletion
from django.db import migrations, models

UNASSIGNED = "Not yet assigned to a clinic (added before clinic libraries)"
ADDITION = 1


def _first_editors(apps, model_name: str) -> dict[str, int]:
    """object id → the user who added it (or, failing that, first changed it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    content_type = ContentType.objects.filter(app_label="exercises", model=model_name).first()
    if content_type is None:
        return {}
    added: dict[str, int] = {}
    changed: dict[str, int] = {}
    entries = LogEntry.objects.filter(content_type=content_type).order_by("action_time", "pk")
    for object_id, user_id, flag in entries.values_list("object_id", "user_id", "action_flag"):
        (added if flag == ADDITION else changed).setdefault(object_id, user_id)
    return {**changed, **added}


def give_clinics_their_libraries(apps, schema_editor):
    Clinic = apps.get_model("patients", "Clinic")
    Therapist = apps.get_model("patients", "Therapist")
    Library = apps.get_model("exercises", "Library")
    ProgramItem = apps.get_model("exercises", "ProgramItem")

    for clinic in Clinic.objects.filter(library__isnull=True):
        clinic.library = Library.objects.create(name=clinic.name)
        clinic.save(update_fields=["library"])
    library_of_user = dict(Therapist.objects.values_list("user_id", "clinic__library_id"))
    clinic_libraries = list(Clinic.objects.values_list("library_id", flat=True))
    only_library = clinic_libraries[0] if len(clinic_libraries) == 1 else None
    unassigned = None

    for model_name in ("exercise", "educationcard", "programtemplate"):
        Model = apps.get_model("exercises", model_name)
        editors = _first_editors(apps, model_name)
        for row in Model.objects.filter(is_shipped=False, library__isnull=True):
            library_id = library_of_user.get(editors.get(str(row.pk)))
            if library_id is None and model_name == "programtemplate":
                owners = set(
                    ProgramItem.objects.filter(program=row, exercise__library__isnull=False)
                    .values_list("exercise__library_id", flat=True)
                    .distinct()
                )
                if len(owners) == 1 and owners <= set(clinic_libraries):
                    library_id = owners.pop()
            library_id = library_id or only_library
            if library_id is None:
                if unassigned is None:
                    unassigned = Library.objects.create(name=UNASSIGNED)
                library_id = unassigned.pk
            row.library_id = library_id
            row.save(update_fields=["library"])

    if schema_editor.connection.vendor == "postgresql":
        # The foreign keys just written are checked now, so that the clinic table can be
        # altered below in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("exercises", "0003_library_tenancy"),
        ("patients", "0005_user_email_folded"),
    ]
    # The library's check that a row is shipped exactly when it has no library comes once the
    # rows have their owners; exercises does not depend on patients, so it is said from here.
    run_before = [("exercises", "0004_shipped_rows_have_no_library")]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="library",
            field=models.OneToOneField(
                editable=False,
                help_text="The clinic's own exercises, programme templates and cards: seen only "
                "inside it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="exercises.library",
            ),
        ),
        migrations.RunPython(give_clinics_their_libraries, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="clinic",
            name="library",
            field=models.OneToOneField(
                editable=False,
                help_text="The clinic's own exercises, programme templates and cards: seen only "
                "inside it.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="exercises.library",
            ),
        ),
    ]
