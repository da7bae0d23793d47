"""The admin screens and the site's exercise pages, walked for the whole shipped library."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from exercises.models import Disagreement, EducationCard, Exercise, ProgramTemplate, Source
from patients.models import User
from tests.two_factor import verified_login

ADMIN_MODELS = [Source, Exercise, ProgramTemplate, EducationCard, Disagreement]


@pytest.fixture
def superuser_client(client: Client, db: None) -> Client:
    user = User.objects.create_superuser("owner@clinic.example", "a-strong-passphrase")
    verified_login(client, user)
    return client


@pytest.fixture
def staff_client(db: None) -> Client:
    from tests.factories import TherapistFactory

    staff = Client()
    verified_login(staff, TherapistFactory().user)
    return staff


@pytest.fixture
def patient_client(client: Client, db: None) -> Client:
    user = User.objects.create_user("alex@example.com", "a-strong-passphrase", first_name="Alex")
    client.force_login(user)
    return client


def admin_url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:exercises_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
def test_admin_lists_and_pages_render_for_the_whole_library(
    library: None, superuser_client: Client
) -> None:
    for model in ADMIN_MODELS:
        listing = superuser_client.get(admin_url(model, "changelist"))
        assert listing.status_code == 200, model
        assert superuser_client.get(admin_url(model, "add")).status_code == 200, model
        for obj in model.objects.all():
            page = superuser_client.get(admin_url(model, "change", obj.pk))
            assert page.status_code == 200, obj
            assert escape(str(obj)) in page.content.decode()


@pytest.mark.django_db
def test_exercise_admin_search_and_filters(library: None, superuser_client: Client) -> None:
    url = admin_url(Exercise, "changelist")
    found = superuser_client.get(url, {"q": "plank"}).content.decode()
    assert "Front plank" in found and "Side plank" in found and "Glute bridge" not in found
    balance = superuser_client.get(url, {"category__exact": "balance"}).content.decode()
    assert "Single-leg balance, eyes open" in balance and "Front plank" not in balance
    by_source = superuser_client.get(
        url, {"citations__source__id__exact": "004_66a13a9510dc2bf2"}
    ).content.decode()
    assert "Glute bridge" in by_source and "Skipping coordination check" not in by_source
    assert by_source.count(">Glute bridge (hip bridge)<") == 1  # no duplicate rows per citation


@pytest.mark.django_db
def test_shipped_items_are_read_only_in_the_admin(library: None, superuser_client: Client) -> None:
    bridge = Exercise.objects.get(slug="glute-bridge")
    response = superuser_client.post(
        admin_url(Exercise, "change", bridge.pk), {"name": "Changed", "reps": 99}
    )
    assert response.status_code == 403
    bridge.refresh_from_db()
    assert (bridge.name, bridge.reps) == ("Glute bridge (hip bridge)", 15)
    assert superuser_client.post(admin_url(Exercise, "delete", bridge.pk)).status_code == 403
    assert Exercise.objects.filter(pk=bridge.pk).exists()


def exercise_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Wall sit",
        "slug": "wall-sit",
        "category": "strength",
        "kind": "exercise",
        "trials": "[]",
        "hold_seconds": "20",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-position": "1",
        "lines-0-part": "step",
        "lines-0-text": "Slide down a wall until your knees are bent.",
        "lines-0-provenance": "clinic",
        "lines-1-position": "2",
        "lines-1-part": "step",
        "lines-1-text": "Hold for {hold}.",
        "lines-1-provenance": "clinic",
        "per_side": "unknown",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "1",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-source": "003_487f5233d54e28e4",
        "citations-0-quote": "Load to explode.",
        "citations-0-position": "1",
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_clinic_adds_its_own_exercise_beside_the_shipped_ones(
    library: None, superuser_client: Client
) -> None:
    from tests.factories import ClinicFactory

    clinic = ClinicFactory()
    # A superuser, who belongs to no clinic, says whose library it goes into.
    refused = superuser_client.post(admin_url(Exercise, "add"), exercise_form())
    assert refused.status_code == 200 and not Exercise.objects.filter(slug="wall-sit").exists()
    response = superuser_client.post(
        admin_url(Exercise, "add"), exercise_form(library=clinic.library_id)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wall_sit = Exercise.objects.get(slug="wall-sit")
    assert wall_sit.is_shipped is False and wall_sit.library_id == clinic.library_id
    assert wall_sit.citations.get().quote == "Load to explode."
    # The clinic's own wording, with who wrote it and when.
    steps = wall_sit.steps()
    assert [(line.provenance, line.author) for line in steps] == [
        ("clinic", "owner@clinic.example"),
        ("clinic", "owner@clinic.example"),
    ]
    assert all(line.written_on for line in steps)
    listing = superuser_client.get(admin_url(Exercise, "changelist"), {"is_shipped__exact": "0"})
    assert "Wall sit" in listing.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"hold_seconds": "-5"}, "greater than or equal to 0"),
        ({"hold_seconds": "0"}, "Must be a whole number of seconds from 1 to 600."),
        ({"hold_seconds": "601"}, "Must be a whole number of seconds from 1 to 600."),
        ({"reps": "101"}, "Must be a whole number of repetitions from 1 to 100."),
        ({"sets": "11"}, "Must be a whole number of sets from 1 to 10."),
        ({"times_per_day": "7"}, "Must be a whole number of sessions a day from 1 to 6."),
        ({"days_per_week": "8"}, "Must be a whole number of days a week from 1 to 7."),
        ({"reps": "ten"}, "Enter a whole number."),
        ({"slug": "Wall Sit"}, "Enter a valid"),
        ({"citations-0-quote": "", "citations-0-source": ""}, "Please submit at least 1 form"),
        ({"lines-1-text": "Hold for 20 seconds."}, "A written line may not state a number"),
        (
            {"lines-0-provenance": "document", "lines-0-source": "004_66a13a9510dc2bf2"},
            "Not found word for word in 004_66a13a9510dc2bf2",
        ),
        ({"days_per_week_max": "3"}, "Give the fewest days a week too"),
    ],
)
def test_bad_doses_and_missing_citations_are_refused_in_the_admin(
    library: None, superuser_client: Client, overrides: dict[str, str], error: str
) -> None:
    before = Exercise.objects.count()
    response = superuser_client.post(admin_url(Exercise, "add"), exercise_form(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Exercise.objects.count() == before


@pytest.mark.django_db
def test_every_exercise_page_shows_dose_steps_and_the_documents_quotes(
    library: None, staff_client: Client
) -> None:
    for exercise in Exercise.objects.prefetch_related("citations__source", "lines"):
        page = staff_client.get(reverse("exercises:detail", args=[exercise.slug]))
        assert page.status_code == 200
        html = page.content.decode()
        if not exercise.is_screen:
            assert exercise.dosage_in_words() in html
        for line in exercise.lines.all():
            if "{" not in line.text:
                assert escape(line.text) in html
        for citation in exercise.citations.all():
            assert escape(citation.source.title) in html
            assert escape(citation.quote) in html


@pytest.mark.django_db
def test_the_glute_bridge_page_reads_as_a_therapist_needs_it(
    library: None, staff_client: Client
) -> None:
    html = staff_client.get("/exercises/glute-bridge/").content.decode()
    assert "Hold 10 s, 15 times, every day" in html
    assert "Hold for 10 seconds, then relax and lower down." in html
    assert "Repeat this exercise 15 times daily to strengthen the glute muscles." in html
    side_plank = staff_client.get("/exercises/side-plank/").content.decode()
    assert "Hold 15 s, each side" in side_plank


@pytest.mark.django_db
def test_the_library_is_the_therapists_and_a_patient_sees_the_cards(
    library: None, patient_client: Client, staff_client: Client
) -> None:
    """Found by clinicians: a patient could browse every exercise of the library."""
    index = patient_client.get("/exercises/").content.decode()
    for exercise in Exercise.objects.all():
        assert escape(exercise.name) not in index
        assert patient_client.get(f"/exercises/{exercise.slug}/").status_code == 404
    for card in EducationCard.objects.all():
        assert escape(card.title) in index
        page = patient_client.get(reverse("exercises:education", args=[card.slug]))
        assert page.status_code == 200
        assert escape(card.citations.first().source.title) in page.content.decode()
    staff_index = staff_client.get("/exercises/").content.decode()
    for exercise in Exercise.objects.all():
        assert escape(exercise.name) in staff_index


@pytest.mark.django_db
def test_library_pages_need_a_login_and_unknown_slugs_are_404(
    library: None, client: Client
) -> None:
    for url in ("/exercises/", "/exercises/glute-bridge/", "/exercises/learn/hydration/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    client.force_login(User.objects.create_user("sam@example.com", "a-strong-passphrase"))
    assert client.get("/exercises/no-such-exercise/").status_code == 404
    assert client.get("/exercises/learn/no-such-card/").status_code == 404
