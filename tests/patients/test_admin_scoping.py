"""A therapist sees and edits only their own clinic's patients, everywhere in the admin.

Three people throughout: the owner (therapist of clinic A), a colleague in clinic A, an
outsider (therapist of clinic B)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import (
    Alert,
    CheckOff,
    PainReport,
    PrescribedExercise,
    Prescription,
    Reminder,
    Therapist,
)
from tests.factories import (
    PrescribedExerciseFactory,
    PrescriptionFactory,
    TherapistFactory,
    UserFactory,
)
from tests.two_factor import verified_login


@pytest.fixture
def world(clinic_people, library):
    from exercises.models import Exercise

    people = clinic_people
    bridge = Exercise.objects.get(slug="glute-bridge")
    for patient in (people.patient_a, people.patient_b):
        prescription = PrescriptionFactory(patient=patient, title=f"Plan of {patient.user.email}")
        PrescribedExerciseFactory(prescription=prescription, exercise=bridge)
        report = PainReport.objects.create(
            patient=patient, local_date=timezone.localdate(), score=8, moment="morning"
        )
        Alert.objects.create(patient=patient, cause=Alert.Cause.HIGH_PAIN, pain_report=report)
        CheckOff.objects.create(
            patient=patient,
            prescribed_exercise=prescription.exercises.get(),
            local_date=timezone.localdate(),
        )
        Reminder.objects.create(
            prescription=prescription,
            patient=patient,
            local_date=timezone.localdate(),
            due_at=timezone.now(),
            delivery=Reminder.Delivery.FAILED,
        )
    people.prescription_a = people.patient_a.prescriptions.get()
    people.prescription_b = people.patient_b.prescriptions.get()
    _clinic_b_library(people)
    return people


def _clinic_b_library(people) -> None:
    """Clinic B's own exercise, programme template and education card."""
    from exercises.models import EducationCard, Exercise, ProgramItem, ProgramTemplate

    library_b = people.clinic_b.library
    people.exercise_b = Exercise.objects.create(
        slug="clinic-b-step-up", name="Clinic B step-up", category="strength", library=library_b
    )
    people.template_b = ProgramTemplate.objects.create(
        slug="clinic-b-steps", name="Clinic B steps", library=library_b
    )
    ProgramItem.objects.create(program=people.template_b, exercise=people.exercise_b, reps=8)
    people.card_b = EducationCard.objects.create(
        slug="clinic-b-advice", title="Clinic B advice", library=library_b
    )


def logged_in(client: Client, therapist: Therapist) -> Client:
    verified_login(client, therapist.user)
    return client


def other_clinic_urls(world) -> list[str]:
    b, rx = world.patient_b, world.prescription_b
    return [
        reverse("admin:patients_patient_change", args=[b.pk]),
        reverse("admin:patients_patient_history", args=[b.pk]),
        reverse("admin:patients_patient_export", args=[b.pk]),
        reverse("admin:patients_patient_assign") + f"?patients={b.pk}",
        reverse("admin:patients_prescription_change", args=[rx.pk]),
        reverse("admin:patients_prescription_history", args=[rx.pk]),
        reverse("admin:patients_prescription_versions", args=[rx.pk]),
        reverse("admin:patients_alert_change", args=[b.alerts.get().pk]),
        reverse("admin:patients_painreport_change", args=[b.pain_reports.get().pk]),
        reverse("admin:patients_checkoff_change", args=[b.check_offs.get().pk]),
        reverse("admin:patients_reminder_change", args=[b.reminders.get().pk]),
        reverse("admin:patients_therapist_change", args=[world.outsider.pk]),
        reverse("admin:patients_clinic_change", args=[world.clinic_b.pk]),
        *(
            reverse(f"admin:exercises_{model}_{view}", args=[row.pk])
            for model, row in (
                ("exercise", world.exercise_b),
                ("programtemplate", world.template_b),
                ("educationcard", world.card_b),
            )
            for view in ("change", "history", "delete")
        ),
    ]


@pytest.mark.django_db
def test_every_admin_url_of_another_clinics_patient_is_404(client: Client, world) -> None:
    logged_in(client, world.owner)
    for url in other_clinic_urls(world):
        response = client.get(url)
        assert response.status_code in {403, 404}, url
        assert world.patient_b.user.email not in response.content.decode(), url
        assert "Clinic B" not in response.content.decode(), url


@pytest.mark.django_db
def test_another_clinics_library_rows_are_404_and_their_own_clinic_opens_them(
    client: Client, world
) -> None:
    rows = [
        ("exercise", world.exercise_b),
        ("programtemplate", world.template_b),
        ("educationcard", world.card_b),
    ]
    for person, status in ((world.owner, 404), (world.colleague, 404)):
        logged_in(client, person)
        for model, row in rows:
            for view in ("change", "history", "delete"):
                url = reverse(f"admin:exercises_{model}_{view}", args=[row.pk])
                assert client.get(url).status_code == status, url
    logged_in(client, world.outsider)  # clinic B's own therapist
    for model, row in rows:
        for view in ("change", "history"):
            url = reverse(f"admin:exercises_{model}_{view}", args=[row.pk])
            assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", ["exercise", "programtemplate", "educationcard"])
def test_library_lists_show_only_the_shipped_and_the_own_clinics(
    client: Client, world, changelist: str
) -> None:
    url = reverse(f"admin:exercises_{changelist}_changelist")
    logged_in(client, world.owner)
    html = client.get(url).content.decode()
    assert "Clinic B" not in html
    logged_in(client, world.outsider)
    assert "Clinic B" in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_colleague_sees_the_clinics_patients_and_an_outsider_does_not(
    client: Client, world
) -> None:
    a = world.patient_a
    urls = [
        reverse("admin:patients_patient_change", args=[a.pk]),
        reverse("admin:patients_patient_export", args=[a.pk]),
        reverse("admin:patients_prescription_change", args=[world.prescription_a.pk]),
        reverse("admin:patients_prescription_versions", args=[world.prescription_a.pk]),
    ]
    logged_in(client, world.colleague)
    for url in urls:
        assert client.get(url).status_code == 200, url
    logged_in(client, world.outsider)
    for url in urls:
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changelist",
    [
        "patient",
        "prescription",
        "alert",
        "painreport",
        "checkoff",
        "reminder",
        "therapist",
        "clinic",
    ],
)
def test_lists_show_only_the_own_clinic(client: Client, world, changelist: str) -> None:
    logged_in(client, world.owner)
    html = client.get(reverse(f"admin:patients_{changelist}_changelist")).content.decode()
    assert "Clinic B" not in html
    assert "patient@b.example" not in html and "outsider@b.example" not in html
    assert "Plan of patient@b.example" not in html


@pytest.mark.django_db
def test_dropdowns_offer_only_the_own_clinic(client: Client, world) -> None:
    logged_in(client, world.owner)
    form = client.get(reverse("admin:patients_prescription_add")).context["adminform"].form
    assert set(form.fields["patient"].queryset) == {world.patient_a}
    assert set(form.fields["therapist"].queryset) == {world.owner, world.colleague}
    patient_form = client.get(reverse("admin:patients_patient_add")).context["adminform"].form
    assert set(patient_form.fields["clinic"].queryset) == {world.clinic_a}
    assert set(patient_form.fields["primary_therapist"].queryset) == {world.owner, world.colleague}
    assert world.template_b not in form.fields["template"].queryset
    assert form.fields["template"].queryset.filter(is_shipped=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model_name", "field_name", "expected"),
    [
        ("prescription", "patient", "patient_a"),
        ("prescription", "therapist", "owner"),
        ("patient", "primary_therapist", "owner"),
        ("prescription", "template", None),
        ("prescribedexercise", "exercise", None),
    ],
)
def test_autocomplete_offers_only_the_own_clinic(
    client: Client,
    world,
    model_name: str,
    field_name: str,
    expected: str | None,
) -> None:
    logged_in(client, world.owner)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "patients", "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    if expected is None:  # the library: the shipped rows, never clinic B's own
        assert ids
        outside = {"template": world.template_b.pk, "exercise": world.exercise_b.pk}[field_name]
        assert outside not in ids
        return
    assert getattr(world, expected).pk in ids
    outside = {world.patient_b.pk} if field_name == "patient" else {world.outsider.pk}
    assert not ids & outside


@pytest.mark.django_db
def test_a_crafted_post_cannot_assign_to_another_clinics_patient(client: Client, world) -> None:
    from exercises.models import ProgramTemplate

    logged_in(client, world.owner)
    before = Prescription.objects.count()
    response = client.post(
        reverse("admin:patients_patient_assign"),
        {
            "patients": f"{world.patient_a.pk},{world.patient_b.pk}",
            "template": ProgramTemplate.objects.get(slug="glute-bridge-program").pk,
            "start_date": timezone.localdate().isoformat(),
            "days": [str(d) for d in range(7)],
            "sessions_per_day": "1",
            "reminder_time": "18:00",
            "confirm": "Create the prescription",
        },
    )
    assert response.status_code == 404
    assert Prescription.objects.count() == before


@pytest.mark.django_db
def test_a_crafted_prescription_for_another_clinics_patient_is_refused(
    client: Client, world
) -> None:
    logged_in(client, world.owner)
    before = Prescription.objects.count()
    response = client.post(
        reverse("admin:patients_prescription_add"),
        {
            "patient": world.patient_b.pk,
            "therapist": world.owner.pk,
            "title": "Sneaky",
            "status": "active",
            "start_date": timezone.localdate().isoformat(),
            "days": [str(d) for d in range(7)],
            "sessions_per_day": "1",
            "reminder_time": "18:00",
            "exercises-TOTAL_FORMS": "0",
            "exercises-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Prescription.objects.count() == before


@pytest.mark.django_db
def test_actions_cannot_reach_another_clinics_rows(client: Client, world) -> None:
    logged_in(client, world.owner)
    client.post(
        reverse("admin:patients_prescription_changelist"),
        {"action": "pause", "_selected_action": [world.prescription_b.pk]},
    )
    world.prescription_b.refresh_from_db()
    assert world.prescription_b.status == Prescription.Status.ACTIVE
    client.post(
        reverse("admin:patients_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [world.patient_b.alerts.get().pk]},
    )
    assert world.patient_b.alerts.get().status == Alert.Status.OPEN
    client.post(
        reverse("admin:patients_reminder_changelist"),
        {"action": "retry_now", "_selected_action": [world.patient_b.reminders.get().pk]},
    )
    assert world.patient_b.reminders.get().delivery == Reminder.Delivery.FAILED
    response = client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "assign_programme", "_selected_action": [world.patient_b.pk]},
    )
    assert response.status_code == 302
    assert f"patients={world.patient_b.pk}" not in response["Location"]


@pytest.mark.django_db
def test_a_crafted_inline_cannot_move_an_exercise_between_clinics(client: Client, world) -> None:
    """Editing one's own prescription with the id of another clinic's prescribed exercise."""
    logged_in(client, world.owner)
    rx_a, rx_b = world.prescription_a, world.prescription_b
    item_b = rx_b.exercises.get()
    client.post(
        reverse("admin:patients_prescription_change", args=[rx_a.pk]),
        {
            "patient": world.patient_a.pk,
            "therapist": world.owner.pk,
            "title": rx_a.title,
            "status": "active",
            "start_date": rx_a.start_date.isoformat(),
            "days": [str(d) for d in range(7)],
            "sessions_per_day": "1",
            "reminder_time": "18:00",
            "exercises-TOTAL_FORMS": "1",
            "exercises-INITIAL_FORMS": "1",
            "exercises-0-id": item_b.pk,
            "exercises-0-prescription": rx_a.pk,
            "exercises-0-order": "1",
            "exercises-0-exercise": item_b.exercise_id,
            "exercises-0-reps": "99",
        },
    )
    item_b.refresh_from_db()
    assert item_b.prescription_id == rx_b.pk and item_b.reps != 99
    assert PrescribedExercise.objects.filter(prescription=rx_b).count() == 1


@pytest.mark.django_db
def test_a_superuser_sees_every_clinic(client: Client, world) -> None:
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert "patient@a.example" in html and "patient@b.example" in html


@pytest.mark.django_db
def test_staff_without_a_clinic_see_no_patient(client: Client, world) -> None:
    from django.contrib.auth.models import Group

    stray = UserFactory(is_staff=True)
    stray.groups.add(Group.objects.get(name="Therapists"))
    verified_login(client, stray)
    html = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert "patient@a.example" not in html and "patient@b.example" not in html
    assert (
        client.get(reverse("admin:patients_patient_change", args=[world.patient_a.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_clinic_admins_invite_therapists_to_their_clinic_only(client: Client, world) -> None:
    admin_a = TherapistFactory(clinic=world.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    logged_in(client, admin_a)
    response = client.post(
        reverse("admin:patients_therapist_add"),
        {
            "email": "new.therapist@a.example",
            "first_name": "Nia",
            "last_name": "Park",
            "clinic": world.clinic_b.pk,
            "role": "therapist",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        reverse("admin:patients_therapist_add"),
        {
            "email": "new.therapist@a.example",
            "first_name": "Nia",
            "last_name": "Park",
            "clinic": world.clinic_a.pk,
            "role": "therapist",
        },
    )
    assert response.status_code == 302
    nia = Therapist.objects.get(user__email="new.therapist@a.example")
    assert nia.clinic == world.clinic_a
    assert nia.user.groups.get().name == "Therapists"
    assert not nia.user.has_usable_password()
    # A plain therapist may not invite colleagues.
    logged_in(client, world.owner)
    assert client.get(reverse("admin:patients_therapist_add")).status_code == 403


@pytest.mark.django_db
def test_the_owner_sees_their_patient_in_the_list(client: Client, world) -> None:
    logged_in(client, world.owner)
    listing = client.get(reverse("admin:patients_patient_changelist"))
    assert listing.status_code == 200
    assert "patient@a.example" in listing.content.decode()
