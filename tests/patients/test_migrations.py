"""An installation upgraded from before addresses were folded keeps every account, each in its one
spelling, and refuses (with a message naming both) two accounts that differ only in spelling."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("patients", "0004_safety_guidance_and_programme_hold")]
AFTER = [("patients", "0005_user_email_folded")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_stored_addresses_are_folded_by_the_upgrade() -> None:
    old = _migrate(BEFORE)
    old.get_model("patients", "User").objects.create(email="Alex.Moreno@Example.COM ")
    try:
        new = _migrate(AFTER)
        emails = list(new.get_model("patients", "User").objects.values_list("email", flat=True))
        assert emails == ["alex.moreno@example.com"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_two_spellings_of_one_address_stop_the_upgrade_with_their_names() -> None:
    old = _migrate(BEFORE)
    User = old.get_model("patients", "User")
    User.objects.create(email="robin@x.test")
    User.objects.create(email="Robin@X.Test")
    try:
        with pytest.raises(RuntimeError, match=re.escape("'robin@x.test' and 'Robin@X.Test'")):
            _migrate(AFTER)
    finally:
        User.objects.filter(email="Robin@X.Test").delete()
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_works_out_each_active_prescriptions_next_reminder() -> None:
    from datetime import date, time, timedelta

    from django.utils import timezone

    old = _migrate([("patients", "0008_time_zone_choices_follow_installed_zones")])
    Library = old.get_model("exercises", "Library")
    clinic = old.get_model("patients", "Clinic").objects.create(
        name="Upgraded clinic", library=Library.objects.create(name="Upgraded clinic")
    )
    User = old.get_model("patients", "User")
    therapist = old.get_model("patients", "Therapist").objects.create(
        user=User.objects.create(email="robin@upgrade.test"), clinic=clinic
    )
    patient = old.get_model("patients", "Patient").objects.create(
        user=User.objects.create(email="alex@upgrade.test"),
        clinic=clinic,
        primary_therapist=therapist,
        time_zone="Asia/Kolkata",
        reminder_token="upgrade-token",
    )
    Prescription = old.get_model("patients", "Prescription")
    common = {"patient": patient, "therapist": therapist, "start_date": date(2026, 1, 1)}
    active = Prescription.objects.create(title="Active", reminder_time=time(7, 0), **common)
    Prescription.objects.create(title="Paused", status="paused", **common)
    try:
        new = _migrate([("patients", "0011_fill_next_reminders")])
        rows = {
            row.prescription_id: row
            for row in new.get_model("patients", "NextReminder").objects.all()
        }
        assert set(rows) == {active.pk}  # nothing to come for a paused one
        due_at = rows[active.pk].due_at
        now = timezone.now()
        assert now - timedelta(hours=2) < due_at <= now + timedelta(days=1)
        from zoneinfo import ZoneInfo

        assert due_at.astimezone(ZoneInfo("Asia/Kolkata")).time() == time(7, 0)
        assert rows[active.pk].session == 1
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
