"""Assigning a programme, adjusting it, and its versions."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from exercises.models import Exercise, ProgramItem, ProgramTemplate
from patients.models import EVERY_DAY, Prescription
from patients.services import prescription_version_on
from tests.two_factor import verified_login

ASSIGN = "admin:patients_patient_assign"


def assign_form(programme: ProgramTemplate, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "template": programme.pk,
        "title": "",
        "start_date": "2026-11-23",
        "end_date": "2027-01-04",
        "days": ["0", "2", "4"],
        "sessions_per_day": "1",
        "reminder_time": "07:30",
        "notes": "Before your morning run.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def therapist_client(client: Client, clinic_people: SimpleNamespace, library: None) -> Client:
    verified_login(client, clinic_people.owner.user)
    return client


@pytest.mark.django_db
def test_the_preview_says_when_the_days_chosen_are_not_the_documents_frequency(
    therapist_client: Client, clinic_people: SimpleNamespace
) -> None:
    """Found by clinicians: "2–3 times a week" shown on an exercise prescribed every day."""
    template = ProgramTemplate.objects.get(slug="spinal-health-protocol")
    url = reverse(ASSIGN) + f"?patients={clinic_people.patient_a.pk}"
    every_day = [str(day) for day in range(7)]
    html = therapist_client.post(
        url, assign_form(template, days=every_day, preview="Preview")
    ).content.decode()
    assert "The days chosen differ from how often these exercises are to be done" in html
    assert (
        "Single-leg box squat: its dose is 2–3 days a week, and the days you chose make "
        "every day." in html
    )
    assert "Front plank:" not in html.split("differ from how often")[1].split("</ul>")[0]
    bridge = ProgramTemplate.objects.get(slug="glute-bridge-program")
    html = therapist_client.post(
        url, assign_form(bridge, days=every_day, preview="Preview")
    ).content.decode()
    assert "differ from how often" not in html  # its document: every day


@pytest.mark.django_db
def test_assigning_previews_then_creates_a_copy_of_the_template(
    therapist_client: Client, clinic_people: SimpleNamespace
) -> None:
    patient = clinic_people.patient_a
    template = ProgramTemplate.objects.get(slug="spinal-health-protocol")
    url = reverse(ASSIGN) + f"?patients={patient.pk}"

    preview = therapist_client.post(url, assign_form(template, preview="Preview"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Front plank" in html and "Hold 30 s" in html
    assert "Single-leg box squat" in html and "10 times, each side" in html
    assert "Adherence drops" not in html  # four exercises: no warning
    assert "differ from how often" not in html  # three days: the protocol's own 2–3 a week
    assert not Prescription.objects.exists()

    created = therapist_client.post(url, assign_form(template, confirm="Create"))
    prescription = Prescription.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse(
        "admin:patients_prescription_change", args=[prescription.pk]
    )
    assert prescription.patient == patient
    assert prescription.therapist == clinic_people.owner
    assert prescription.title == "Spinal health protocol for runners"
    assert prescription.days() == [0, 2, 4]
    assert prescription.reminder_time.strftime("%H:%M") == "07:30"
    doses = {item.exercise.slug: item.dosage_in_words() for item in prescription.exercises.all()}
    # In full words: what the document leaves open is named; how often comes from the
    # programme (Monday, Wednesday and Friday, once a day) where the dose does not say.
    open_count = "how many times: as your therapist shows you"
    on_days = "once a day, on Monday, Wednesday and Friday"
    assert doses == {
        "front-plank": f"Hold 30 s, {on_days}, {open_count}",
        "side-plank": f"Hold 15 s, each side, {on_days}, {open_count}",
        "single-leg-box-squat": "10 times, each side, once a day, 2–3 days a week",
        # The protocol's own document gives the bridge no hold and no count: nothing borrowed.
        "glute-bridge": f"Once a day, 2–3 days a week, {open_count}",
    }
    version = prescription.versions.get()
    assert version.number == 1
    assert version.created_by == clinic_people.owner.user

    # Editing the template later never changes the patient's plan.
    ProgramItem.objects.filter(program=template).update(hold_seconds=99)
    assert prescription.exercises.get(exercise__slug="front-plank").hold_seconds == 30


@pytest.mark.django_db
def test_a_programme_of_more_than_four_exercises_warns(
    therapist_client: Client, clinic_people: SimpleNamespace
) -> None:
    big = ProgramTemplate.objects.create(slug="everything", name="Everything")
    for order, exercise in enumerate(Exercise.objects.all()[:6], start=1):
        ProgramItem.objects.create(program=big, exercise=exercise, order=order)
    url = reverse(ASSIGN) + f"?patients={clinic_people.patient_a.pk}"
    html = therapist_client.post(url, assign_form(big, preview="Preview")).content.decode()
    assert "This programme has 6 exercises. Adherence drops" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2026-11-01"}, "The end date must be on or after the start date."),
        ({"days": []}, "Choose at least one day."),
        ({"sessions_per_day": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"sessions_per_day": "9"}, "Ensure this value is less than or equal to 6."),
        ({"start_date": "someday"}, "Enter a valid date."),
        ({"reminder_time": "25:00"}, "Enter a valid time."),
        ({"template": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_assignments_say_why_and_save_nothing(
    therapist_client: Client,
    clinic_people: SimpleNamespace,
    overrides: dict[str, object],
    message: str,
) -> None:
    template = ProgramTemplate.objects.get(slug="glute-bridge-program")
    url = reverse(ASSIGN) + f"?patients={clinic_people.patient_a.pk}"
    response = therapist_client.post(url, assign_form(template, confirm="Create", **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prescription.objects.exists()


@pytest.mark.django_db
def test_the_assign_action_assigns_to_several_patients(
    therapist_client: Client, clinic_people: SimpleNamespace
) -> None:
    from tests.factories import PatientFactory

    second = PatientFactory(primary_therapist=clinic_people.colleague)
    response = therapist_client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "assign_programme", "_selected_action": [clinic_people.patient_a.pk, second.pk]},
    )
    assert response.status_code == 302
    template = ProgramTemplate.objects.get(slug="plank-core-program")
    therapist_client.post(response["Location"], assign_form(template, confirm="Create"))
    assert set(Prescription.objects.values_list("patient_id", flat=True)) == {
        clinic_people.patient_a.pk,
        second.pk,
    }


def change_form(prescription: Prescription, **overrides: object) -> dict[str, object]:
    items = list(prescription.exercises.order_by("order"))
    data: dict[str, object] = {
        "patient": prescription.patient_id,
        "therapist": prescription.therapist_id,
        "title": prescription.title,
        "template": prescription.template_id or "",
        "status": prescription.status,
        "start_date": prescription.start_date.isoformat(),
        "end_date": prescription.end_date.isoformat() if prescription.end_date else "",
        "days": [str(d) for d in prescription.days()],
        "sessions_per_day": str(prescription.sessions_per_day),
        "reminder_time": prescription.reminder_time.strftime("%H:%M"),
        "notes": prescription.notes,
        "exercises-TOTAL_FORMS": str(len(items)),
        "exercises-INITIAL_FORMS": str(len(items)),
        "exercises-MIN_NUM_FORMS": "1",
        "exercises-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        prefix = f"exercises-{index}-"
        data.update(
            {
                f"{prefix}id": item.pk,
                f"{prefix}prescription": prescription.pk,
                f"{prefix}order": item.order,
                f"{prefix}exercise": item.exercise_id,
                f"{prefix}therapist_note": item.therapist_note,
            }
        )
        for field in ("sets", "reps", "hold_seconds", "times_per_day", "days_per_week"):
            value = getattr(item, field)
            data[f"{prefix}{field}"] = "" if value is None else str(value)
        data[f"{prefix}per_side"] = {None: "unknown", True: "true", False: "false"}[item.per_side]
    data.update(overrides)
    return data


@pytest.fixture
def bridge_prescription(therapist_client: Client, clinic_people: SimpleNamespace) -> Prescription:
    from patients.services import prescription_create_from_template

    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))):
        return prescription_create_from_template(
            patient=clinic_people.patient_a,
            therapist=clinic_people.owner,
            template=ProgramTemplate.objects.get(slug="glute-bridge-program"),
            start_date=date(2026, 11, 2),
            days_mask=EVERY_DAY,
            created_by=clinic_people.owner.user,
        )


@pytest.mark.django_db
def test_changing_a_dose_keeps_the_old_version(
    therapist_client: Client, bridge_prescription: Prescription
) -> None:
    url = reverse("admin:patients_prescription_change", args=[bridge_prescription.pk])
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("Europe/London"))):
        response = therapist_client.post(
            url, change_form(bridge_prescription, **{"exercises-0-reps": "12"})
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert bridge_prescription.exercises.get().reps == 12
    assert list(bridge_prescription.versions.values_list("number", flat=True)) == [2, 1]

    before = prescription_version_on(prescription=bridge_prescription, day=date(2026, 11, 5))
    after = prescription_version_on(prescription=bridge_prescription, day=date(2026, 11, 10))
    assert before.snapshot["exercises"][0]["dosage"]["reps"] == 15
    assert after.snapshot["exercises"][0]["dosage"]["reps"] == 12
    assert prescription_version_on(prescription=bridge_prescription, day=date(2026, 11, 1)) is None

    page = therapist_client.get(
        reverse("admin:patients_prescription_versions", args=[bridge_prescription.pk]),
        {"on": "2026-11-05"},
    ).content.decode()
    assert "version 1" in page and "Hold 10 s, 15 times, once a day, every day" in page

    # Saving without a change records no new version.
    therapist_client.post(url, change_form(bridge_prescription))
    assert bridge_prescription.versions.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": "2026-10-01"}, "The end date must be on or after the start date."),
        ({"days": []}, "Choose at least one day."),
        ({"exercises-0-reps": "-3"}, "Ensure this value is greater than or equal to 0."),
        ({"exercises-0-hold_seconds": "900"}, "Must be a whole number of seconds from 1 to 600."),
        ({"sessions_per_day": "7"}, "At most 6 sessions a day."),
        ({"exercises-0-DELETE": "on"}, "Please submit at least 1 form"),
    ],
)
def test_bad_changes_to_a_prescription_say_why_and_save_nothing(
    therapist_client: Client,
    bridge_prescription: Prescription,
    overrides: dict[str, object],
    message: str,
) -> None:
    url = reverse("admin:patients_prescription_change", args=[bridge_prescription.pk])
    response = therapist_client.post(url, change_form(bridge_prescription, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    bridge_prescription.refresh_from_db()
    assert bridge_prescription.end_date is None
    assert bridge_prescription.exercises.get().reps == 15
    assert bridge_prescription.versions.count() == 1


@pytest.mark.django_db
def test_a_prescription_needs_therapist_and_patient_of_one_clinic(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    from tests.factories import UserFactory

    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:patients_prescription_add"),
        {
            "patient": clinic_people.patient_a.pk,
            "therapist": clinic_people.outsider.pk,
            "title": "Mixed up",
            "status": "active",
            "start_date": "2026-11-23",
            "days": ["0"],
            "sessions_per_day": "1",
            "reminder_time": "18:00",
            "exercises-TOTAL_FORMS": "1",
            "exercises-INITIAL_FORMS": "0",
            "exercises-0-order": "1",
            "exercises-0-exercise": Exercise.objects.get(slug="glute-bridge").pk,
            "exercises-0-per_side": "unknown",
        },
    )
    assert response.status_code == 200
    assert "The therapist must work at the patient&#x27;s clinic." in response.content.decode()
    assert not Prescription.objects.exists()


@pytest.mark.django_db
def test_pausing_and_finishing_are_kept_as_versions(
    therapist_client: Client, bridge_prescription: Prescription
) -> None:
    changelist = reverse("admin:patients_prescription_changelist")
    therapist_client.post(
        changelist, {"action": "pause", "_selected_action": [bridge_prescription.pk]}
    )
    therapist_client.post(
        changelist, {"action": "finish", "_selected_action": [bridge_prescription.pk]}
    )
    statuses = [v.snapshot["status"] for v in bridge_prescription.versions.order_by("number")]
    assert statuses == ["active", "paused", "finished"]
