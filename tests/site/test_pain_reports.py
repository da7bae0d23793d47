"""Pain reports: NPRS 0–10, and the documents' guidance at once for a red flag."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from patients.models import Alert, PainReport


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


def report(client: Client, **fields: object):
    data: dict[str, object] = {"score": "3", "moment": "morning", "note": ""}
    data.update(fields)
    return client.post("/pain/new/", data, follow=True)


@pytest.mark.django_db
def test_an_ordinary_report_is_saved_without_alarm(alex: Client, runner: SimpleNamespace) -> None:
    response = report(alex, qualities=["dull"])
    html = response.content.decode()
    assert "You reported pain <strong>3/10</strong> (when: in the morning)" in html
    assert "Please read this now" not in html
    saved = PainReport.objects.get()
    assert (saved.score, saved.qualities, saved.red_flag) == (3, ["dull"], False)
    assert saved.local_date == runner.patient_a.local_today()
    assert not Alert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "card_title", "quote"),
    [
        (
            {"qualities": ["radiating"]},
            "Pain that radiates or tingles into your thigh or knee",
            "it is advised to go to a physical therapist to get yourself assessed properly.",
        ),
        (
            {"qualities": ["tingling"]},
            "Pain that radiates or tingles into your thigh or knee",
            "This is a type of radiating, tingling pain",
        ),
        (
            {"qualities": ["spasm"], "severe_spasm": "on"},
            "A severe spasm that stops your trunk moving",
            "One should seek proper medical advice in case of a severe spasm.",
        ),
        (
            {"moment": "running"},
            "Pain while you run",
            "Stop running and give your body some time to heal.",
        ),
    ],
)
def test_a_red_flag_shows_the_documents_guidance_at_once_and_marks_the_report(
    alex: Client, fields: dict[str, object], card_title: str, quote: str
) -> None:
    html = report(alex, **fields).content.decode()
    assert "Please read this now" in html
    assert card_title in html
    assert quote in html
    assert "Lower back pain after running" in html  # the source document's title
    saved = PainReport.objects.get()
    assert saved.red_flag is True
    assert Alert.objects.get(cause=Alert.Cause.RED_FLAG).pain_report == saved


@pytest.mark.django_db
def test_a_mild_spasm_is_not_a_red_flag(alex: Client) -> None:
    html = report(alex, qualities=["spasm"]).content.decode()
    assert "Please read this now" not in html
    assert PainReport.objects.get().red_flag is False


@pytest.mark.django_db
def test_high_and_rising_pain_raise_one_alert_each_until_acknowledged(
    alex: Client, runner: SimpleNamespace
) -> None:
    report(alex, score="7")  # baseline 4: high, and up 3
    report(alex, score="8")
    causes = sorted(Alert.objects.values_list("cause", flat=True))
    assert causes == [Alert.Cause.HIGH_PAIN, Alert.Cause.PAIN_RISING]
    assert PainReport.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["11", "-1", "3.5", "abc", ""])
def test_a_bad_pain_score_changes_nothing_and_says_why(alex: Client, score: str) -> None:
    response = alex.post("/pain/new/", {"score": score, "moment": "morning"})
    assert response.status_code == 400
    assert "Choose a whole number from 0 (no pain) to 10 (worst pain imaginable)." in (
        response.content.decode()
    )
    assert not PainReport.objects.exists()


@pytest.mark.django_db
def test_an_empty_form_changes_nothing_and_says_why(alex: Client) -> None:
    response = alex.post("/pain/new/", {})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a whole number from 0" in html and "Tell us when you feel it." in html
    assert not PainReport.objects.exists()


@pytest.mark.django_db
def test_an_unknown_feeling_or_a_long_note_is_refused(alex: Client) -> None:
    assert (
        alex.post(
            "/pain/new/", {"score": "2", "moment": "morning", "qualities": ["burning"]}
        ).status_code
        == 400
    )
    assert (
        alex.post("/pain/new/", {"score": "2", "moment": "morning", "note": "x" * 1001}).status_code
        == 400
    )
    assert not PainReport.objects.exists()


@pytest.mark.django_db
def test_a_pain_report_without_a_csrf_token_is_refused(runner: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(runner.patient_a.user)
    assert client.post("/pain/new/", {"score": "3", "moment": "morning"}).status_code == 403
    assert not PainReport.objects.exists()
