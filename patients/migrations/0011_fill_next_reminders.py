from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    # The live scheduler's own function: the rows must follow exactly the rules the tick
    # applies, and the pure schedule functions it uses read no model but the rows given.
    from patients.next_reminders import CATCH_UP, reminders_reschedule

    Prescription = apps.get_model("patients", "Prescription")
    NextReminder = apps.get_model("patients", "NextReminder")
    now = timezone.now()
    # As if a tick had just looked: sessions of the last two hours count (the old tick's
    # window; the reminders' unique constraint keeps out those it recorded already).
    active = Prescription.objects.filter(status="active")
    NextReminder.objects.bulk_create(
        NextReminder(prescription_id=pk, ticked_at=now - CATCH_UP)
        for pk in active.values_list("pk", flat=True).iterator(chunk_size=5000)
    )
    reminders_reschedule(active, now)


class Migration(migrations.Migration):
    dependencies = [("patients", "0010_next_reminder")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
