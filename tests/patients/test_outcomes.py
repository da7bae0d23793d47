"""The functional scale (PSFS): the patient's form and its refusals, when it is due, the reminder
on Today, the therapist's panel and the CSV export, and who may see a patient's answers."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from patients import outcomes
from patients.models import Prescription, PsfsRating, PsfsResponse
from patients.outcomes import outcomes_panel, psfs_is_due, psfs_record
from tests.factories import PrescriptionFactory
from tests.two_factor import verified_login

UTC = ZoneInfo("UTC")


def page(response) -> str:
    return html.unescape(response.content.decode())


def words(response) -> str:
    """What the reader reads: the page's text, spaces squashed."""
    return " ".join(BeautifulSoup(response.content.decode(), "html.parser").get_text(" ").split())


@pytest.fixture
def patient(clinic_people: SimpleNamespace):
    PrescriptionFactory(patient=clinic_people.patient_a)
    return clinic_people.patient_a


@pytest.fixture
def patient_client(client: Client, patient) -> Client:
    client.force_login(patient.user)
    return client


def rows(*pairs: tuple[str, str]) -> dict[str, str]:
    data = {}
    for number, (activity, score) in enumerate(pairs, start=1):
        data[f"activity_{number}"] = activity
        data[f"score_{number}"] = score
    return data


BAD_INPUT = {
    "more than five": (
        rows(*[(f"Activity {n}", "5") for n in "ABCDEF"]),
        "Name at most 5 activities.",
        "Activity F",
    ),
    "score above 10": (rows(("Tying shoelaces", "11")), outcomes.SCORE_INVALID, "Tying shoelaces"),
    "score below 0": (rows(("Tying shoelaces", "-1")), outcomes.SCORE_INVALID, "-1"),
    "score not whole": (rows(("Lifting a child", "4.5")), outcomes.SCORE_INVALID, "4.5"),
    "score not a number": (rows(("Lifting a child", "four")), outcomes.SCORE_INVALID, "four"),
    "activity without score": (
        rows(("Gardening", ""), ("Driving", "6")),
        outcomes.SCORE_MISSING,
        "Gardening",
    ),
    "score without activity": (
        rows(("", "7"), ("Driving", "6")),
        outcomes.ACTIVITY_MISSING,
        "Driving",
    ),
    "empty": (rows(("", ""), ("  ", "")), outcomes.EMPTY, ""),
    "activity too long": (
        rows(("Carrying " + "shopping " * 14, "3")),
        "Keep the activity to 120 characters or fewer.",
        "Carrying shopping shopping",
    ),
    "duplicate": (
        rows(("Walking the dog", "4"), ("walking  the DOG", "5")),
        outcomes.DUPLICATE,
        "walking  the DOG",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_refused_with_its_message_and_the_typed_entries_shown_again(
    patient_client: Client, case: str
) -> None:
    data, message, typed = BAD_INPUT[case]
    response = patient_client.post(reverse("psfs_new"), data)
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert f'value="{typed}' in text
    assert not PsfsResponse.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_what_the_form_refuses(patient) -> None:
    with pytest.raises(ValidationError) as refused:
        psfs_record(patient=patient, entries=[(f"Task {n}", 5) for n in range(6)])
    assert "Name at most 5 activities." in str(refused.value)
    with pytest.raises(ValidationError):
        psfs_record(patient=patient, entries=[("Task", 11)])
    assert not PsfsResponse.objects.exists()


@pytest.mark.django_db
def test_a_valid_response_is_saved_with_the_patients_own_date(
    patient_client: Client, patient
) -> None:
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    # 20 Nov, 12:00 in London is already 21 Nov in Auckland.
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False):
        response = patient_client.post(
            reverse("psfs_new"),
            rows(("Putting on socks", "3"), ("", ""), (" Walking 30 minutes ", "10")),
        )
    assert response.status_code == 302 and response["Location"] == reverse("today")
    saved = PsfsResponse.objects.get(patient=patient)
    assert saved.local_date == date(2026, 11, 21)
    assert [(r.position, r.activity, r.score) for r in saved.ratings.all()] == [
        (1, "Putting on socks", 3),
        (2, "Walking 30 minutes", 10),
    ]


@pytest.mark.django_db
def test_the_form_offers_the_last_activities_again_and_cites_its_source(
    patient_client: Client, patient
) -> None:
    psfs_record(patient=patient, entries=[("Putting on socks", 3), ("Gardening", 2)])
    response = patient_client.get(reverse("psfs_new"))
    text = page(response)
    assert 'value="Putting on socks"' in text and 'value="Gardening"' in text
    text = words(response)
    assert "0 = unable to perform" in text
    assert "same level as before the problem" in text
    assert "Physiotherapy Canada. 1995;47(4):258–263." in text
    assert "needs a connection" in text


@pytest.mark.django_db
def test_due_at_the_edges_of_the_interval_in_the_patients_own_days(patient) -> None:
    patient.time_zone = "Pacific/Kiritimati"  # UTC+14
    patient.outcome_interval_days = 7
    patient.save()
    zone = ZoneInfo("Pacific/Kiritimati")
    assert psfs_is_due(patient)  # the first at once
    psfs_record(
        patient=patient,
        entries=[("Sitting an hour", 4)],
        now=datetime(2026, 11, 2, 0, 30, tzinfo=zone),  # 1 Nov 10:30 UTC
    )
    last_minute = datetime(2026, 11, 8, 23, 59, tzinfo=zone)
    first_minute = datetime(2026, 11, 9, 0, 0, tzinfo=zone)
    with time_machine.travel(last_minute, tick=False):
        assert not psfs_is_due(patient)
    with time_machine.travel(first_minute, tick=False):
        assert psfs_is_due(patient)  # 8 Nov 10:00 UTC: still 8 Nov in London
    patient.outcome_interval_days = 14
    with time_machine.travel(first_minute, tick=False):
        assert not psfs_is_due(patient)


@pytest.mark.django_db
def test_nothing_is_due_before_a_programme_or_after_it_finished(
    clinic_people: SimpleNamespace,
) -> None:
    patient = clinic_people.patient_b
    assert not psfs_is_due(patient)
    programme = PrescriptionFactory(patient=patient)
    assert psfs_is_due(patient)
    programme.status = Prescription.Status.FINISHED
    programme.save()
    assert not psfs_is_due(patient)


@pytest.mark.django_db
def test_today_reminds_when_due_and_not_after_answering(patient_client: Client, patient) -> None:
    today = page(patient_client.get(reverse("today")))
    assert "Score your activities" in today and reverse("psfs_new") in today
    patient_client.post(reverse("psfs_new"), rows(("Putting on socks", "3")))
    today = page(patient_client.get(reverse("today")))
    assert "Your functional scale is saved" in today
    assert "Score your activities" not in today


@pytest.mark.django_db
def test_today_reminds_again_once_the_interval_has_passed(patient_client: Client, patient) -> None:
    with time_machine.travel(datetime(2026, 11, 1, 9, 0, tzinfo=UTC), tick=False):
        psfs_record(patient=patient, entries=[("Putting on socks", 3)])
    with time_machine.travel(datetime(2026, 11, 14, 9, 0, tzinfo=UTC), tick=False):
        assert "Score your activities" not in page(patient_client.get(reverse("today")))
    with time_machine.travel(datetime(2026, 11, 15, 9, 0, tzinfo=UTC), tick=False):
        assert "Score your activities" in page(patient_client.get(reverse("today")))


def answer(patient, day: date, entries: list[tuple[str, int]]) -> None:
    psfs_record(
        patient=patient, entries=entries, now=datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    )


@pytest.mark.django_db
def test_the_panel_marks_the_change_beyond_the_minimal_detectable_change(
    patient, django_assert_num_queries
) -> None:
    answer(patient, date(2026, 10, 1), [("Socks", 2), ("Stairs", 4), ("Driving", 6)])
    answer(patient, date(2026, 10, 15), [("Socks", 3), ("Stairs", 5), ("Driving", 7)])
    # Means 4.0 then 6.0: up 2, the threshold itself. Socks up 3 (meaningful), stairs up 2 (not),
    # driving up 1 (not).
    answer(patient, date(2026, 10, 29), [("Socks", 5), ("Stairs", 6), ("Driving", 7)])
    with django_assert_num_queries(2):
        panel = outcomes_panel(patient)
    assert [row.mean for row in panel["psfs_rows"]] == [4.0, 5.0, 6.0]
    assert panel["psfs_mean_change"] == 2.0 and panel["psfs_mean_meaningful"]
    assert panel["psfs_mean_words"] == "Mean up 2 since first (meaningful: ≥ 2)"
    changes = {s.activity: (s.change, s.meaningful) for s in panel["psfs_activities"]}
    assert changes == {"Socks": (3, True), "Stairs": (2, False), "Driving": (1, False)}
    chart = str(panel["psfs_chart"])
    assert chart.count('class="psfs-mean-point"') == 3
    assert 'font-size="12"' in chart and 'font-size="1' in chart


@pytest.mark.django_db
def test_a_mean_change_below_two_is_not_marked(patient) -> None:
    answer(patient, date(2026, 10, 1), [("Socks", 2), ("Stairs", 4)])
    answer(patient, date(2026, 10, 15), [("Socks", 4), ("Stairs", 5)])  # mean 3.0 → 4.5
    panel = outcomes_panel(patient)
    assert panel["psfs_mean_words"] == "Mean up 1.5 since first (not meaningful: < 2)"
    assert not panel["psfs_mean_meaningful"]


@pytest.mark.django_db
def test_the_patient_page_shows_the_panel_and_the_interval_to_change(
    client: Client, clinic_people: SimpleNamespace, patient
) -> None:
    answer(patient, date(2026, 10, 1), [("Putting on socks", 2)])
    answer(patient, date(2026, 10, 15), [("Putting on socks", 6)])
    verified_login(client, clinic_people.colleague.user)
    response = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    assert 'name="outcome_interval_days"' in page(response) and 'value="14"' in page(response)
    text = words(response)
    assert "Functional scale (PSFS)" in text
    assert "Mean up 4 since first (meaningful: ≥ 2)" in text
    assert "Putting on socks: up 4 since first (meaningful: ≥ 3)" in text


@pytest.mark.django_db
def test_the_csv_export_has_each_score_and_the_mean(
    client: Client, clinic_people: SimpleNamespace, patient
) -> None:
    answer(patient, date(2026, 10, 1), [("=cmd|' /C calc'!A0", 2), ("Stairs", 5)])
    verified_login(client, clinic_people.owner.user)
    response = client.get(reverse("admin:patients_patient_export", args=[patient.pk]))
    found = [
        row
        for row in csv.DictReader(io.StringIO(response.content.decode()))
        if row["kind"] == "functional scale (PSFS)"
    ]
    assert [(r["activity (PSFS)"], r["ability (PSFS 0-10)"]) for r in found] == [
        ("'=cmd|' /C calc'!A0", "2"),  # shown as text, never run as a formula
        ("Stairs", "5"),
    ]
    assert {r["PSFS mean (0-10)"] for r in found} == {"3.5"}
    assert {r["local date"] for r in found} == {"2026-10-01"}


@pytest.mark.django_db
def test_a_patient_sees_only_their_own_activities(
    client: Client, clinic_people: SimpleNamespace, patient
) -> None:
    other = clinic_people.patient_b
    PrescriptionFactory(patient=other)
    psfs_record(patient=other, entries=[("Riding a horse", 1)])
    client.force_login(patient.user)
    assert "Riding a horse" not in page(client.get(reverse("psfs_new")))
    client.post(reverse("psfs_new"), {**rows(("Socks", "4")), "patient": str(other.pk)})
    assert PsfsRating.objects.filter(response__patient=other).count() == 1
    assert PsfsResponse.objects.get(patient=patient).ratings.get().activity == "Socks"


@pytest.mark.django_db
def test_a_therapist_of_another_clinic_cannot_see_the_answers(
    client: Client, clinic_people: SimpleNamespace, patient
) -> None:
    psfs_record(patient=patient, entries=[("Putting on socks", 2)])
    verified_login(client, clinic_people.outsider.user)
    change = client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    export = client.get(reverse("admin:patients_patient_export", args=[patient.pk]))
    assert "Putting on socks" not in page(change) and "Putting on socks" not in page(export)
    assert export.status_code in {302, 403, 404}


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "kept"), [("28", 28), ("6", 14), ("92", 14)])
def test_the_therapist_changes_the_interval_on_the_patient_page(
    client: Client, clinic_people: SimpleNamespace, patient, typed: str, kept: int
) -> None:
    verified_login(client, clinic_people.owner.user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(primary_therapist=clinic_people.owner.pk, outcome_interval_days=typed)
    response = client.post(url, data)
    patient.refresh_from_db()
    assert patient.outcome_interval_days == kept
    if kept == 14:
        assert response.status_code == 200
        assert "outcome_interval_days" in response.context["adminform"].form.errors
