"""A clinic's own exercises, programme templates and education cards are its own: seen and used
only inside it, in the admin and on the site. The shipped library is shared and read-only.

Three people throughout (tests/conftest.py `clinic_people`): the owner (therapist of clinic A,
who adds the rows through the admin as a therapist does), a colleague in clinic A, an outsider
(therapist of clinic B); and a patient of each clinic."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exercises.models import EducationCard, Exercise, ProgramTemplate
from patients.models import Prescription
from tests.factories import UserFactory
from tests.two_factor import verified_login

SOURCE = "003_487f5233d54e28e4"


def _lines(prefix: str, part: str, text: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-position": "1",
        f"{prefix}-0-part": part,
        f"{prefix}-0-text": text,
        f"{prefix}-0-provenance": "clinic",
    }


def _citations() -> dict[str, str]:
    return {
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "1",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-source": SOURCE,
        "citations-0-quote": "Load to explode.",
        "citations-0-position": "1",
    }


def exercise_form(**overrides: object) -> dict[str, object]:
    return {
        "name": "Clinic A wall sit",
        "slug": "wall-sit",
        "category": "strength",
        "kind": "exercise",
        "trials": "[]",
        "hold_seconds": "20",
        "per_side": "unknown",
        **_lines("lines", "step", "Slide down a wall and hold for {hold}."),
        **_citations(),
        # No picture or video (tests/exercises/test_media.py posts them).
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
        **overrides,
    }


def template_form(exercise_id: int, **overrides: object) -> dict[str, object]:
    return {
        "name": "Clinic A wall programme",
        "slug": "wall-programme",
        "goal": "Strong legs.",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-order": "1",
        "items-0-exercise": str(exercise_id),
        "items-0-hold_seconds": "20",
        "items-0-per_side": "unknown",
        **_citations(),
        **overrides,
    }


def card_form(**overrides: object) -> dict[str, object]:
    return {
        "title": "Clinic A warm-up advice",
        "slug": "warm-up",
        **_lines("lines", "body", "Walk before you run."),
        **_citations(),
        **overrides,
    }


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:exercises_{model._meta.model_name}_{view}", args=args)


def as_user(user) -> Client:
    client = Client()
    if user.is_staff:
        return verified_login(client, user)  # staff pass the code step, as they must
    client.force_login(user)
    return client


def added(response, model: type, slug: str):
    assert response.status_code == 302, response.content.decode()[:3000]
    return model.objects.get(slug=slug, is_shipped=False)


@pytest.fixture
def own(clinic_people, library):
    """Clinic A's own exercise, programme template and education card, each added by the owner
    in the admin."""
    people = clinic_people
    owner = as_user(people.owner.user)
    people.exercise = added(
        owner.post(admin_url(Exercise, "add"), exercise_form()), Exercise, "wall-sit"
    )
    people.template = added(
        owner.post(admin_url(ProgramTemplate, "add"), template_form(people.exercise.pk)),
        ProgramTemplate,
        "wall-programme",
    )
    people.card = added(
        owner.post(admin_url(EducationCard, "add"), card_form()), EducationCard, "warm-up"
    )
    people.rows = [
        (Exercise, people.exercise, "Clinic A wall sit"),
        (ProgramTemplate, people.template, "Clinic A wall programme"),
        (EducationCard, people.card, "Clinic A warm-up advice"),
    ]
    return people


# The admin ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_what_a_therapist_adds_belongs_to_their_clinics_library(own) -> None:
    for _model, row, _name in own.rows:
        assert row.library_id == own.clinic_a.library_id
        assert row.is_shipped is False


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Exercise, ProgramTemplate, EducationCard])
def test_lists_show_the_shipped_library_and_the_own_clinics_rows_only(own, model) -> None:
    name = {m: n for m, _row, n in own.rows}[model]
    shipped = model.objects.filter(is_shipped=True).first()
    for person, sees in ((own.owner, True), (own.colleague, True), (own.outsider, False)):
        html = as_user(person.user).get(admin_url(model, "changelist")).content.decode()
        assert (name in html) is sees, person
        assert str(shipped) in html


@pytest.mark.django_db
def test_another_clinics_rows_are_404_on_change_history_and_delete(own) -> None:
    outsider, colleague = as_user(own.outsider.user), as_user(own.colleague.user)
    for model, row, name in own.rows:
        for view in ("change", "history", "delete"):
            url = admin_url(model, view, row.pk)
            response = outsider.get(url)
            assert response.status_code == 404, url
            assert name not in response.content.decode()
            assert "owner@a.example" not in response.content.decode()
        for view in ("change", "history"):
            assert colleague.get(admin_url(model, view, row.pk)).status_code == 200


@pytest.mark.django_db
def test_the_history_of_a_clinics_row_is_its_own(own) -> None:
    page = as_user(own.colleague.user).get(admin_url(Exercise, "history", own.exercise.pk))
    assert str(own.owner.user) in page.content.decode()


@pytest.mark.django_db
def test_an_outsider_cannot_save_or_delete_another_clinics_row(own) -> None:
    outsider = as_user(own.outsider.user)
    response = outsider.post(
        admin_url(Exercise, "change", own.exercise.pk), exercise_form(name="Taken over")
    )
    assert response.status_code == 404
    own.exercise.refresh_from_db()
    assert own.exercise.name == "Clinic A wall sit"
    assert outsider.post(admin_url(EducationCard, "delete", own.card.pk)).status_code == 404
    assert EducationCard.objects.filter(pk=own.card.pk).exists()
    # Staff without a clinic see no clinic's rows either.
    from django.contrib.auth.models import Group

    stray = UserFactory(is_staff=True)
    stray.groups.add(Group.objects.get(name="Therapists"))
    assert as_user(stray).get(admin_url(Exercise, "change", own.exercise.pk)).status_code == 404


@pytest.mark.django_db
def test_the_colleague_edits_the_clinics_exercise(own) -> None:
    colleague = as_user(own.colleague.user)
    response = colleague.post(
        admin_url(Exercise, "change", own.exercise.pk),
        exercise_form(
            name="Wall sit, longer",
            **{
                "lines-INITIAL_FORMS": "1",
                "lines-0-id": own.exercise.lines.get().pk,
                "lines-0-exercise": own.exercise.pk,
                "citations-INITIAL_FORMS": "1",
                "citations-0-id": own.exercise.citations.get().pk,
                "citations-0-exercise": own.exercise.pk,
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    own.exercise.refresh_from_db()
    assert own.exercise.name == "Wall sit, longer"
    assert own.exercise.library_id == own.clinic_a.library_id


@pytest.mark.django_db
def test_shipped_rows_stay_read_only_for_every_clinic(own) -> None:
    bridge = Exercise.objects.get(slug="glute-bridge")
    owner = as_user(own.owner.user)
    assert owner.get(admin_url(Exercise, "change", bridge.pk)).status_code == 200  # to view
    response = owner.post(admin_url(Exercise, "change", bridge.pk), exercise_form(name="Mine"))
    assert response.status_code == 403
    bridge.refresh_from_db()
    assert bridge.name == "Glute bridge (hip bridge)"


@pytest.mark.django_db
def test_a_clinic_may_not_reuse_a_shipped_slug(own) -> None:
    owner = as_user(own.owner.user)
    response = owner.post(admin_url(Exercise, "add"), exercise_form(slug="glute-bridge"))
    assert response.status_code == 200
    assert "is the slug of an exercise shipped with the portal" in response.content.decode()
    assert Exercise.objects.filter(slug="glute-bridge").count() == 1


@pytest.mark.django_db
def test_slugs_are_unique_within_a_library_not_across_clinics(own) -> None:
    colleague = as_user(own.colleague.user)
    response = colleague.post(admin_url(EducationCard, "add"), card_form())
    assert response.status_code == 200
    assert "Your clinic already has an education card with this slug" in response.content.decode()
    outsider = as_user(own.outsider.user)
    response = outsider.post(admin_url(EducationCard, "add"), card_form(title="Clinic B warm-up"))
    assert response.status_code == 302, response.content.decode()[:3000]
    card_b = EducationCard.objects.get(slug="warm-up", library=own.clinic_b.library)
    assert card_b.title == "Clinic B warm-up"


AUTOCOMPLETES = [
    ("exercises", "programitem", "exercise", "exercise"),
    ("patients", "prescribedexercise", "exercise", "exercise"),
    ("patients", "prescription", "template", "template"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name", "field_name", "row"), AUTOCOMPLETES)
def test_autocompletes_offer_the_own_clinics_rows_only(
    own, app_label: str, model_name: str, field_name: str, row: str
) -> None:
    wanted = getattr(own, row).pk
    query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
    for person, sees in ((own.owner, True), (own.colleague, True), (own.outsider, False)):
        response = as_user(person.user).get(reverse("admin:autocomplete"), {**query, "term": ""})
        assert response.status_code == 200
        ids = {int(result["id"]) for result in response.json()["results"]}
        assert (wanted in ids) is sees, person
        assert ids  # the shipped library is offered to everyone


@pytest.mark.django_db
def test_dropdowns_offer_the_own_clinics_rows_only(own) -> None:
    screen = Exercise.objects.create(
        slug="clinic-a-hop-test",
        name="Clinic A hop test",
        category="balance",
        kind=Exercise.Kind.SCREEN,
        trials=[{"label": "Hop", "measure": "yes_no", "question": "Did you land softly?"}],
        library=own.clinic_a.library,
    )
    for person, sees in ((own.colleague, True), (own.outsider, False)):
        client = as_user(person.user)
        screens = (
            client.get(reverse("admin:patients_screenrequest_add"))
            .context["adminform"]
            .form.fields["screen"]
            .queryset
        )
        assert (screen in screens) is sees
        patient = own.patient_a if sees else own.patient_b
        assign = client.get(reverse("admin:patients_patient_assign"), {"patients": patient.pk})
        templates = assign.context["form"].fields["template"].queryset
        assert (own.template in templates) is sees
        assert templates.filter(is_shipped=True).exists()


# Prescriptions and screens may only use what the patient's clinic may see -----------------


def prescription_post(patient, therapist, exercise_id: int, **overrides: object) -> dict:
    return {
        "patient": patient.pk,
        "therapist": therapist.pk,
        "title": "Plan",
        "status": "active",
        "start_date": timezone.localdate().isoformat(),
        "days": [str(d) for d in range(7)],
        "sessions_per_day": "1",
        "reminder_time": "18:00",
        "exercises-TOTAL_FORMS": "1",
        "exercises-INITIAL_FORMS": "0",
        "exercises-MIN_NUM_FORMS": "1",
        "exercises-MAX_NUM_FORMS": "1000",
        "exercises-0-order": "1",
        "exercises-0-exercise": str(exercise_id),
        "exercises-0-reps": "10",
        "exercises-0-per_side": "unknown",
        **overrides,
    }


@pytest.mark.django_db
def test_a_crafted_prescription_cannot_use_another_clinics_exercise_or_template(own) -> None:
    outsider = as_user(own.outsider.user)
    before = Prescription.objects.count()
    response = outsider.post(
        reverse("admin:patients_prescription_add"),
        prescription_post(own.patient_b, own.outsider, own.exercise.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    bridge = Exercise.objects.get(slug="glute-bridge")
    response = outsider.post(
        reverse("admin:patients_prescription_add"),
        prescription_post(own.patient_b, own.outsider, bridge.pk, template=own.template.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Prescription.objects.count() == before


@pytest.mark.django_db
def test_even_a_superuser_cannot_prescribe_another_clinics_exercise(own) -> None:
    superuser = as_user(UserFactory(is_staff=True, is_superuser=True))
    before = Prescription.objects.count()
    response = superuser.post(
        reverse("admin:patients_prescription_add"),
        prescription_post(own.patient_b, own.outsider, own.exercise.pk),
    )
    assert response.status_code == 200
    assert "in another clinic&#x27;s own library" in response.content.decode()
    response = superuser.post(
        reverse("admin:patients_prescription_add"),
        prescription_post(
            own.patient_b,
            own.outsider,
            Exercise.objects.get(slug="glute-bridge").pk,
            template=own.template.pk,
        ),
    )
    assert "in another clinic&#x27;s own library" in response.content.decode()
    assert Prescription.objects.count() == before


@pytest.mark.django_db
def test_assigning_another_clinics_template_is_refused(own) -> None:
    from patients.services import prescription_create_from_template

    with pytest.raises(ValidationError, match="another clinic's own library"):
        prescription_create_from_template(
            patient=own.patient_b,
            therapist=own.outsider,
            template=own.template,
            start_date=timezone.localdate(),
            days_mask=0b1111111,
        )
    assert not Prescription.objects.filter(patient=own.patient_b).exists()
    outsider = as_user(own.outsider.user)
    response = outsider.post(
        reverse("admin:patients_patient_assign"),
        {
            "patients": str(own.patient_b.pk),
            "template": own.template.pk,
            "start_date": timezone.localdate().isoformat(),
            "days": [str(d) for d in range(7)],
            "sessions_per_day": "1",
            "reminder_time": "18:00",
            "confirm": "Create the prescription",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Prescription.objects.filter(patient=own.patient_b).exists()
    # Clinic A assigns its own template.
    prescription = prescription_create_from_template(
        patient=own.patient_a,
        therapist=own.owner,
        template=own.template,
        start_date=timezone.localdate(),
        days_mask=0b1111111,
    )
    assert prescription.exercises.get().exercise == own.exercise


@pytest.mark.django_db
def test_a_programme_may_not_hold_another_clinics_exercise(own) -> None:
    outsider = as_user(own.outsider.user)
    response = outsider.post(
        admin_url(ProgramTemplate, "add"),
        template_form(own.exercise.pk, slug="borrowed", name="Borrowed"),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ProgramTemplate.objects.filter(slug="borrowed").exists()
    superuser = as_user(UserFactory(is_staff=True, is_superuser=True))
    response = superuser.post(
        admin_url(ProgramTemplate, "add"),
        template_form(
            own.exercise.pk, slug="borrowed", name="Borrowed", library=own.clinic_b.library_id
        ),
    )
    assert response.status_code == 200
    assert "in another clinic&#x27;s own library" in response.content.decode()
    assert not ProgramTemplate.objects.filter(slug="borrowed").exists()


@pytest.mark.django_db
def test_a_screen_request_cannot_use_another_clinics_screen(own) -> None:
    from patients.screens import screen_request_create

    screen = Exercise.objects.create(
        slug="clinic-a-hop-test",
        name="Clinic A hop test",
        category="balance",
        kind=Exercise.Kind.SCREEN,
        trials=[{"label": "Hop", "measure": "yes_no", "question": "Did you land softly?"}],
        library=own.clinic_a.library,
    )
    with pytest.raises(ValidationError, match="another clinic's own library"):
        screen_request_create(patient=own.patient_b, screen=screen, requested_by=own.outsider)
    response = as_user(own.outsider.user).post(
        reverse("admin:patients_screenrequest_add"),
        {"patient": own.patient_b.pk, "screen": screen.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# The site -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_site_pages_show_the_own_clinics_library_only(own) -> None:
    from tests.factories import PatientFactory

    exercise_page = reverse("exercises:detail", args=["wall-sit"])
    card_page = reverse("exercises:education", args=["warm-up"])
    index = reverse("exercises:index")
    for person, sees in ((own.owner, True), (own.colleague, True), (own.outsider, False)):
        client = as_user(person.user)
        assert client.get(exercise_page).status_code == (200 if sees else 404), person
        assert client.get(card_page).status_code == (200 if sees else 404), person
        html = client.get(index).content.decode()
        assert ("Clinic A wall sit" in html) is sees
        assert ("Clinic A warm-up advice" in html) is sees
        assert "Glute bridge" in html
    patient_a2 = PatientFactory(primary_therapist=own.colleague)
    for patient, sees in ((own.patient_a, True), (patient_a2, True), (own.patient_b, False)):
        client = as_user(patient.user)
        assert client.get(card_page).status_code == (200 if sees else 404)
        html = client.get(index).content.decode()
        assert ("Clinic A warm-up advice" in html) is sees
        assert client.get(exercise_page).status_code == 404  # the library is the therapist's
        assert client.get(reverse("exercises:education", args=["hydration"])).status_code == 200


@pytest.mark.django_db
def test_the_same_slug_in_two_clinics_opens_each_clinics_own(own) -> None:
    outsider = as_user(own.outsider.user)
    response = outsider.post(admin_url(EducationCard, "add"), card_form(title="Clinic B warm-up"))
    assert response.status_code == 302
    page = reverse("exercises:education", args=["warm-up"])
    assert "Clinic B warm-up" in as_user(own.patient_b.user).get(page).content.decode()
    assert "Clinic A warm-up advice" in as_user(own.patient_a.user).get(page).content.decode()
    assert "Clinic B warm-up" in outsider.get(reverse("exercises:index")).content.decode()
    superuser = as_user(UserFactory(is_staff=True, is_superuser=True))
    assert superuser.get(page).status_code == 200  # sees every clinic's, the shipped first


# Query counts ---------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_admin_lists_and_site_pages_take_a_fixed_number_of_queries(own) -> None:
    from tests.factories import PatientFactory

    therapist = as_user(own.colleague.user)
    patient = as_user(PatientFactory(primary_therapist=own.colleague).user)
    pages = [
        (therapist, admin_url(Exercise, "changelist")),
        (therapist, admin_url(ProgramTemplate, "changelist")),
        (therapist, admin_url(EducationCard, "changelist")),
        (therapist, reverse("exercises:index")),
        (patient, reverse("exercises:index")),
    ]
    before = [_queries(client, url) for client, url in pages]
    owner = as_user(own.owner.user)
    for n in range(5):
        owner.post(admin_url(Exercise, "add"), exercise_form(slug=f"wall-sit-{n}"))
        owner.post(admin_url(EducationCard, "add"), card_form(slug=f"warm-up-{n}"))
        owner.post(
            admin_url(ProgramTemplate, "add"),
            template_form(own.exercise.pk, slug=f"wall-programme-{n}"),
        )
    assert Exercise.objects.filter(library=own.clinic_a.library).count() == 6
    after = [_queries(client, url) for client, url in pages]
    assert after == before, (before, after)


# Import and export per clinic -----------------------------------------------------------


def clinic_document() -> dict:
    return {
        "format": "exercise-library",
        "version": 2,
        "sources": [],
        "exercises": [
            {
                "slug": "step-up",
                "name": "Step-up",
                "category": "strength",
                "kind": "exercise",
                "lines": [
                    {
                        "part": "step",
                        "provenance": "clinic",
                        "text": "Step up onto a box, {reps}.",
                        "author": "Robin Hale",
                        "written_on": "2026-11-23",
                    }
                ],
                "dosage": {"reps": 10},
                "citations": [{"source": SOURCE, "quote": "Load to explode."}],
            }
        ],
        "programs": [
            {
                "slug": "step-days",
                "name": "Step days",
                "items": [
                    {"exercise": "step-up", "order": 1, "dosage": {"reps": 10}},
                    {"exercise": "glute-bridge", "order": 2, "dosage": {"reps": 15}},
                ],
                "citations": [{"source": SOURCE, "quote": "Load to explode."}],
            }
        ],
        "education": [
            {
                "slug": "step-advice",
                "title": "About steps",
                "lines": [
                    {
                        "part": "body",
                        "provenance": "clinic",
                        "text": "Use a stable box.",
                        "author": "Robin Hale",
                        "written_on": "2026-11-23",
                    }
                ],
                "citations": [{"source": SOURCE, "quote": "Load to explode."}],
            }
        ],
    }


def import_into(tmp_path: Path, document: dict, *args: str) -> str:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    call_command("import_library", str(path), *args, stdout=out)
    return out.getvalue()


def export_of(*args: str) -> dict:
    out = io.StringIO()
    call_command("export_library", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_import_and_export_a_clinics_own_library(own, tmp_path: Path) -> None:
    report = import_into(tmp_path, clinic_document(), "--clinic", "Clinic B")
    assert report.startswith("Library imported")
    step_up = Exercise.objects.get(slug="step-up")
    assert step_up.library_id == own.clinic_b.library_id and not step_up.is_shipped
    programme = ProgramTemplate.objects.get(slug="step-days")
    assert programme.library_id == own.clinic_b.library_id
    assert EducationCard.objects.get(slug="step-advice").library_id == own.clinic_b.library_id
    # By id as well as by name; the second import changes nothing.
    again = import_into(tmp_path, clinic_document(), "--clinic", str(own.clinic_b.pk))
    assert again.startswith("Library already up to date")

    clinic_b = export_of("--clinic", "Clinic B")
    assert [e["slug"] for e in clinic_b["exercises"]] == ["step-up"]
    assert [p["slug"] for p in clinic_b["programs"]] == ["step-days"]
    assert [c["slug"] for c in clinic_b["education"]] == ["step-advice"]
    assert clinic_b["disagreements"] == []
    clinic_a = export_of("--clinic", str(own.clinic_a.pk))
    assert [e["slug"] for e in clinic_a["exercises"]] == ["wall-sit"]
    assert [p["slug"] for p in clinic_a["programs"]] == ["wall-programme"]
    assert [c["slug"] for c in clinic_a["education"]] == ["warm-up"]
    shipped = export_of()
    slugs = {e["slug"] for e in shipped["exercises"]}
    assert "glute-bridge" in slugs and not slugs & {"wall-sit", "step-up"}

    # Clinic B's export goes into clinic A's library as clinic A's own.
    import_into(tmp_path, clinic_b, "--clinic", "Clinic A")
    assert Exercise.objects.get(slug="step-up", library=own.clinic_a.library)
    assert Exercise.objects.filter(slug="step-up").count() == 2
    assert (
        as_user(own.outsider.user).get(reverse("exercises:detail", args=["step-up"])).status_code
        == 200
    )


@pytest.mark.django_db
def test_a_clinic_import_cannot_reach_another_clinics_rows(own, tmp_path: Path) -> None:
    document = clinic_document()
    document["programs"][0]["items"][0]["exercise"] = "wall-sit"  # clinic A's
    with pytest.raises(CommandError, match="no exercise 'wall-sit'"):
        import_into(tmp_path, document, "--clinic", "Clinic B")
    assert not ProgramTemplate.objects.filter(slug="step-days").exists()
    document = clinic_document()
    document["exercises"][0]["slug"] = "glute-bridge"
    with pytest.raises(CommandError, match="'glute-bridge' is shipped with the portal"):
        import_into(tmp_path, document, "--clinic", "Clinic B")


@pytest.mark.django_db
def test_the_library_commands_name_an_unknown_clinic_and_never_mix(own, tmp_path: Path) -> None:
    for args in (("--clinic", "Clinic Z"), ("--clinic", "999999")):
        with pytest.raises(CommandError, match="No clinic"):
            import_into(tmp_path, clinic_document(), *args)
        with pytest.raises(CommandError, match="No clinic"):
            export_of(*args)
    with pytest.raises(CommandError, match="--clinic"):
        import_into(tmp_path, clinic_document())
    with pytest.raises(CommandError, match="not both"):
        import_into(tmp_path, clinic_document(), "--clinic", "Clinic A", "--shipped")
    assert not Exercise.objects.filter(slug="step-up").exists()


@pytest.mark.django_db
def test_every_clinic_gets_a_library_of_its_own(db) -> None:
    from tests.factories import ClinicFactory

    one, two = ClinicFactory(), ClinicFactory()
    assert one.library_id and two.library_id and one.library_id != two.library_id
    one.name = "Renamed"
    one.save()
    one.refresh_from_db()
    assert one.library_id != two.library_id
