"""Pages keep what they write from the library between requests (exercises.fragments, patients/
cards.py), and what they keep never outlives what it shows: an edited sentence, a provenance,
a quote, a dose, a check-off or an import is on the page at the next request; a change rolled
back leaves nothing; without the cache the pages are written as before."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.test import Client, override_settings

from exercises.models import Citation, Line

STEP = "These are performed by lying flat on the ground with your knees folded."
# The step as a sentence of "how to do it" (the exercise page also quotes it among its sources).
STEP_LINE = f'<span class="line-text">{STEP}</span>'
PAGES = ("/today/", "/programme/", "/programme/exercises/{bridge}/")
SHIPPED = Path(__file__).resolve().parents[2] / "exercises" / "library" / "shipped.json"


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


def pages_of(client: Client, runner: SimpleNamespace) -> list[str]:
    html = []
    for page in PAGES:
        response = client.get(page.format(bridge=runner.bridge_a.pk))
        assert response.status_code == 200, page
        html.append(response.content.decode())
    return html


def kept(client: Client, runner: SimpleNamespace) -> list[str]:
    """The pages, read twice: the second time from what the first kept."""
    first = pages_of(client, runner)
    second = pages_of(client, runner)
    assert [_without_tokens(page) for page in first] == [_without_tokens(p) for p in second]
    return second


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


@pytest.mark.django_db
def test_an_edited_sentence_is_on_every_page_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    assert all(STEP_LINE in page for page in kept(alex, runner))
    line = Line.objects.get(exercise__slug="glute-bridge", text=STEP)
    line.text = "Lie on your back with your knees bent."
    line.save()  # as the admin saves it
    for page in pages_of(alex, runner):
        assert STEP_LINE not in page
        assert "Lie on your back with your knees bent." in page


@pytest.mark.django_db
def test_a_changed_provenance_is_on_every_page_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    line = Line.objects.get(exercise__slug="glute-bridge", text=STEP)
    source = line.source
    assert all(f"<cite>{source.title}</cite>" in page for page in kept(alex, runner))
    source.title = "Low back pain in runners (revised)"
    source.save()
    for page in pages_of(alex, runner):
        assert "<cite>Low back pain in runners (revised)</cite>" in page


@pytest.mark.django_db
def test_a_changed_quote_of_a_disagreement_is_on_every_page_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    citation = Citation.objects.filter(
        disagreement_position__disagreement__slug="strengthening-frequency"
    ).first()
    assert all(citation.quote in page for page in kept(alex, runner))
    citation.quote = "Twice a week is plenty."
    citation.save()
    for page in pages_of(alex, runner):
        assert "Twice a week is plenty." in page


@pytest.mark.django_db
def test_a_sentence_changed_by_import_library_is_on_every_page_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    """The importer replaces lines in bulk, which sends no signal of its own."""
    from exercises.services import library_import

    assert all(STEP_LINE in page for page in kept(alex, runner))
    document = copy.deepcopy(json.loads(SHIPPED.read_text()))
    bridge = next(entry for entry in document["exercises"] if entry["slug"] == "glute-bridge")
    step = next(line for line in bridge["lines"] if line["text"] == STEP)
    step.update(provenance="standard", text="Lie on your back, knees bent.")
    del step["source"]
    library_import(document=document, shipped=True)
    for page in pages_of(alex, runner):
        assert STEP_LINE not in page
        assert "Lie on your back, knees bent." in page
        assert "Standard instruction, not from the source documents" in page


@pytest.mark.django_db
def test_a_change_rolled_back_leaves_nothing_kept(alex: Client, runner: SimpleNamespace) -> None:
    """Pages read during the change kept its text; once rolled back, no page shows it."""
    kept(alex, runner)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        line = Line.objects.get(exercise__slug="glute-bridge", text=STEP)
        line.text = "A sentence that was never committed."
        line.save()
        assert all("never committed" in page for page in pages_of(alex, runner))
        raise RolledBack
    for page in pages_of(alex, runner):
        assert "never committed" not in page and STEP_LINE in page


@pytest.mark.django_db
def test_a_card_follows_its_dose_note_and_check_offs(alex: Client, runner: SimpleNamespace) -> None:
    from patients.models import CheckOff

    bridge = runner.bridge_a
    card = f'id="card-{bridge.pk}"'
    assert "Hold 10 s · 15 times" in kept(alex, runner)[0]

    bridge.hold_seconds, bridge.therapist_note = 20, "Squeeze your glutes at the top."
    bridge.save()
    today = alex.get("/today/").content.decode()
    assert "Hold 20 s · 15 times" in today and "Squeeze your glutes at the top." in today
    assert "Hold for 20 s" in today  # the step's sentence follows the dose too

    answer = alex.post(f"/today/exercises/{bridge.pk}/check-off/", HTTP_HX_REQUEST="true")
    assert card in answer.content.decode() and "Done</span>" in answer.content.decode()
    today = alex.get("/today/").content.decode()
    assert "1 of 2 exercises done" in today
    check_off = CheckOff.objects.get(prescribed_exercise=bridge)
    alex.post(
        f"/today/check-offs/{check_off.pk}/rate/",
        {"difficulty": "too_hard", "pain_during": "4"},
        HTTP_HX_REQUEST="true",
    )
    assert "pain 4/10" in alex.get("/today/").content.decode()
    alex.post(f"/today/check-offs/{check_off.pk}/undo/", HTTP_HX_REQUEST="true")
    today = alex.get("/today/").content.decode()
    assert "0 of 2 exercises done" in today and "pain 4/10" not in today


@pytest.mark.django_db
def test_each_response_carries_its_own_patients_csrf_token(runner: SimpleNamespace) -> None:
    """Cards are kept with a placeholder for the token: the form a patient posts without
    JavaScript carries the token of their own session, and the placeholder is never shown."""
    from patients.kept import csrf_placeholder

    for patient, bridge in (
        (runner.patient_a, runner.bridge_a),
        (runner.patient_b, runner.bridge_b),
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(patient.user)
        for _ in range(2):  # written, then read from the cache
            html = client.get("/today/").content.decode()
            assert csrf_placeholder() not in html
        form = re.search(
            rf'action="/today/exercises/{bridge.pk}/check-off/".*?name="csrfmiddlewaretoken" '
            r'value="([^"]+)"',
            html,
            re.S,
        )
        answer = client.post(
            f"/today/exercises/{bridge.pk}/check-off/",
            {"csrfmiddlewaretoken": form.group(1), "session": "1"},
        )
        assert answer.status_code == 302, answer.status_code  # accepted, back to Today
        assert patient.check_offs.filter(prescribed_exercise=bridge).exists()


@pytest.mark.django_db
def test_pages_are_written_from_the_database_when_the_cache_does_not_answer(
    alex: Client, runner: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exercises import fragments

    monkeypatch.setattr(fragments, "_cache_down_until", 0.0)
    caches["fragments"].clear()  # nothing this process kept of them either
    nowhere = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    with override_settings(CACHES=nowhere):
        for page in pages_of(alex, runner):
            assert STEP_LINE in page
        # Once it has failed, the next pages do not wait for it again.
        assert fragments._cache_down_until > 0
        line = Line.objects.get(exercise__slug="glute-bridge", text=STEP)
        line.text = "Written without the cache."
        line.save()
        assert all("Written without the cache." in page for page in pages_of(alex, runner))


def test_a_release_that_changes_a_template_writes_its_fragments_anew(
    tmp_path: Path, settings
) -> None:
    from exercises.fragments import rendering_version

    (tmp_path / "templates").mkdir()
    card = tmp_path / "templates" / "card.html"
    card.write_text("<p>{{ text }}</p>")
    settings.BASE_DIR = tmp_path
    rendering_version.cache_clear()
    try:
        before = rendering_version()
        card.write_text('<p class="lead">{{ text }}</p>')
        rendering_version.cache_clear()
        assert rendering_version() != before
    finally:
        rendering_version.cache_clear()
