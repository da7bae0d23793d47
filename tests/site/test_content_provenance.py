"""Every sentence a patient reads says where it comes from, and every number they follow is their
own dose.

The walker reads every page a patient can reach for every shipped exercise, card and screen, and
finds each sentence either verbatim in its cited document or marked, visibly, as written wording
(the portal's standard instruction, the clinic's own) or as the patient's own record.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client

from exercises.models import EducationCard, Exercise
from exercises.wording import quote_is_in_document, squash
from patients.models import EVERY_DAY, PrescribedExercise, ScreenRequest
from tests.factories import PatientFactory, PrescriptionFactory

PROVENANCES = {"document", "standard", "clinic", "interface"}
LABELS = {
    "standard": "Standard instruction, not from the source documents",
    "clinic": "Your clinic's instructions",
}
# What a patient reads as a sentence: paragraphs, list items, table cells, quotes.
SENTENCE_TAGS = ["p", "li", "td", "dd", "blockquote"]


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def own_text(element: Tag) -> str:
    """The element's text without the provenance labels beside its sentences."""
    copy = BeautifulSoup(str(element), "html.parser")
    for label in copy.select(".provenance"):
        label.decompose()
    return squash(copy.get_text(" "))


def check_sentences(page: BeautifulSoup, where: str) -> int:
    """Every sentence in <main> is inside a marked element; document sentences are verbatim in
    their source, written ones carry their label. Returns how many were checked."""
    main = page.find("main")
    assert main is not None
    checked = 0
    for element in main.find_all(SENTENCE_TAGS):
        if element.find_parent(["nav", "form", "button", "label", "summary"]) or element.find(
            SENTENCE_TAGS
        ):
            continue  # navigation and controls; or a container whose own blocks are checked
        if element.find_parent("blockquote") or element.name == "blockquote":
            # A citation: the documents' words, with the document named under it.
            quote = squash(element.get_text(" ")).strip("“”")
            source = element.find_parent("li")
            assert source is not None and source.find("cite"), f"{where}: quote without source"
            title = source.find("cite").get_text()
            assert any(
                quote_is_in_document(quote, source_id)
                for source_id, source_title in SOURCES.items()
                if source_title == title
            ), f"{where}: quote not found in {title!r}: {quote!r}"
            checked += 1
            continue
        if not squash(element.get_text(" ")):
            continue
        marked = element if element.has_attr("data-provenance") else None
        marked = marked or element.find_parent(attrs={"data-provenance": True})
        assert marked is not None, (
            f"{where}: a sentence says nowhere where it comes from: {element}"
        )
        provenance = marked["data-provenance"]
        assert provenance in PROVENANCES, f"{where}: unknown provenance {provenance!r}"
        if provenance == "document":
            assert quote_is_in_document(own_text(marked), marked["data-source"]), (
                f"{where}: shown as quoted but not in {marked['data-source']}: {own_text(marked)!r}"
            )
            assert marked.select_one(".provenance-document"), f"{where}: no 'From the documents'"
        elif provenance in LABELS:
            label = marked.select_one(f".provenance-{provenance}")
            assert label is not None, f"{where}: written wording without its label: {marked}"
            if provenance == "standard":
                assert LABELS["standard"] in label.get_text(), label
        checked += 1
    return checked


SOURCES: dict[str, str] = {}


@pytest.fixture
def everything_prescribed(library: None, clinic_people: SimpleNamespace) -> SimpleNamespace:
    """A patient with every shipped exercise in one programme, and every screen asked for."""
    from exercises.models import Source

    SOURCES.update({source.id: source.title for source in Source.objects.all()})
    patient = clinic_people.patient_a
    prescription = PrescriptionFactory(patient=patient, days_mask=EVERY_DAY)
    items = []
    for order, exercise in enumerate(Exercise.objects.filter(kind="exercise"), start=1):
        items.append(
            PrescribedExercise.objects.create(
                prescription=prescription,
                exercise=exercise,
                order=order,
                **exercise.dosage(),
                therapist_note="Stop if pain goes down your leg.",
            )
        )
    requests = [
        ScreenRequest.objects.create(patient=patient, screen=screen)
        for screen in Exercise.objects.filter(kind="screen")
    ]
    return SimpleNamespace(patient=patient, items=items, requests=requests)


@pytest.mark.django_db
def test_every_sentence_of_every_page_a_patient_reaches_is_quoted_or_marked_as_written(
    client: Client, everything_prescribed: SimpleNamespace
) -> None:
    patient = everything_prescribed.patient
    patient.safety_check_at = patient.created_at  # the first-login check is answered
    patient.save()
    client.force_login(patient.user)
    pages = ["/today/", "/programme/", "/exercises/", "/history/", "/settings/", "/pain/new/"]
    pages += ["/accounts/two-factor/"]
    pages += [f"/programme/exercises/{item.pk}/" for item in everything_prescribed.items]
    pages += [f"/screens/{request.pk}/" for request in everything_prescribed.requests]
    pages += [f"/exercises/learn/{card.slug}/" for card in EducationCard.objects.all()]
    checked = {url: check_sentences(soup(client.get(url)), url) for url in pages}
    assert all(count > 0 for url, count in checked.items() if "programme/exercises/" in url)
    assert len(pages) >= 9 + 4 + 17


def test_the_walker_catches_an_unmarked_sentence_and_an_invented_quote() -> None:
    SOURCES["004_66a13a9510dc2bf2"] = "Lower back pain after running"
    unmarked = BeautifulSoup("<main><ol><li>Hold for 10 seconds.</li></ol></main>", "html.parser")
    with pytest.raises(AssertionError, match="says nowhere where it comes from"):
        check_sentences(unmarked, "control")
    invented = BeautifulSoup(
        '<main><ol><li data-provenance="document" data-source="004_66a13a9510dc2bf2">'
        "Keep running slowly on soft ground."
        '<small class="provenance provenance-document">From the documents</small></li></ol></main>',
        "html.parser",
    )
    with pytest.raises(AssertionError, match="shown as quoted but not in"):
        check_sentences(invented, "control")
    unlabelled = BeautifulSoup(
        '<main><p data-provenance="standard">Lie on your back.</p></main>', "html.parser"
    )
    with pytest.raises(AssertionError, match="without its label"):
        check_sentences(unlabelled, "control")


# Numbers come from the dose ------------------------------------------------------------------

UNUSUAL_DOSE = {
    "sets": 3,
    "reps": 37,
    "hold_seconds": 47,
    "per_side": True,
    "times_per_day": 2,
    "days_per_week": 4,
    "days_per_week_max": 5,
}
DOSE_NUMBERS = {"3", "37", "47", "2", "4", "5"}


def numbers_outside_quotes(element: Tag) -> set[str]:
    copy = BeautifulSoup(str(element), "html.parser")
    # Quotes are the documents' own words; an ordinal numbers the list, it doses nothing.
    for ignored in copy.select("blockquote, .citation-source, .rating-form, .provenance, .ordinal"):
        ignored.decompose()
    return set(re.findall(r"\d+", copy.get_text(" ")))


@pytest.mark.django_db
def test_a_changed_dose_leaves_no_stale_number_anywhere_the_patient_looks(
    client: Client, library: None
) -> None:
    patient = PatientFactory(safety_check_at="2026-01-01T00:00:00Z")
    prescription = PrescriptionFactory(patient=patient, days_mask=EVERY_DAY, sessions_per_day=1)
    items = [
        PrescribedExercise.objects.create(
            prescription=prescription, exercise=exercise, order=order, **UNUSUAL_DOSE
        )
        for order, exercise in enumerate(Exercise.objects.filter(kind="exercise"), start=1)
    ]
    assert len(items) >= 9
    client.force_login(patient.user)
    today = soup(client.get("/today/"))
    handout = soup(client.get("/programme/"))
    for item in items:
        name = item.exercise.name
        card = today.find(id=f"card-{item.pk}")
        assert numbers_outside_quotes(card) <= DOSE_NUMBERS, (name, numbers_outside_quotes(card))
        # The session player is offered; it reads the dose from the server, not the card.
        player = card.select_one("[data-player-link]")
        assert player is not None and player["href"] == f"/today/exercises/{item.pk}/play/", name
        page = soup(client.get(f"/programme/exercises/{item.pk}/")).find("main")
        assert numbers_outside_quotes(page) <= DOSE_NUMBERS, (name, numbers_outside_quotes(page))
        assert "Hold 47 s, 37 times, each side, 3 sets, twice a day, 4–5 days a week" in (
            page.get_text()
        )
        printed = next(
            article
            for article in handout.select("article.handout-exercise")
            if name in article.get_text()
        )
        assert numbers_outside_quotes(printed) <= DOSE_NUMBERS, name
        # Every written line that names the dose now says the prescribed one.
        for line in item.exercise.lines.all():
            if "{hold}" in line.text:
                assert "47 seconds" in card.get_text(" ") and "47 seconds" in page.get_text(" ")
            if "{reps}" in line.text:
                assert "37 times" in card.get_text(" ") and "37 times" in page.get_text(" ")


@pytest.mark.django_db
def test_the_bridge_set_to_twelve_says_twelve_in_every_step(client: Client, library: None) -> None:
    """Found by clinicians: the bridge set to 12 repetitions still said "Repeat 15 times"."""
    patient = PatientFactory(safety_check_at="2026-01-01T00:00:00Z")
    bridge = Exercise.objects.get(slug="glute-bridge")
    item = PrescribedExercise.objects.create(
        prescription=PrescriptionFactory(patient=patient, days_mask=EVERY_DAY),
        exercise=bridge,
        order=1,
        **{**bridge.dosage(), "reps": 12},
    )
    client.force_login(patient.user)
    for url in ("/today/", "/programme/", f"/programme/exercises/{item.pk}/"):
        page = soup(client.get(url)).find("main")
        text = BeautifulSoup(str(page), "html.parser")
        for quote in text.select("blockquote"):
            quote.decompose()
        assert "15" not in text.get_text(), url
        assert "12 times" in text.get_text(" "), url


@pytest.mark.django_db
def test_no_shipped_line_states_a_frequency_of_its_own(library: None) -> None:
    """Found by clinicians: a cue said "2–3 times a week" on an exercise prescribed every day."""
    from exercises.models import Line
    from exercises.wording import stated_number

    for line in Line.objects.exclude(part="body"):
        assert stated_number(line.text) is None, (line.exercise, line.text)
        assert "a week" not in line.text, (line.exercise, line.text)
