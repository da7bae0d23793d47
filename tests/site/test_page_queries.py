"""Each patient page, and the admin's patient page, runs the same number of queries for a
programme of 1 exercise as for one of 20 (no query per card, per line or per check-off), and
no more than the number stated here."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from patients.models import CheckOff
from tests.two_factor import verified_login

# The most queries each page may run, whatever the programme's size.
MOST_QUERIES = {
    "today": 5,  # was 12 before it was kept (patients/kept.py): the patient's row, no more
    # The card it answers with was 56 (queries per sentence and quote); 1 more counts the day's
    # exercises done, sent out of band to Today's progress line.
    "check-off": 13,
    "programme": 6,
    "exercise page": 6,
    "pain report form": 5,
    "pain report": 7,  # the report carries the patient the page read (was 9: read twice more)
    "safety check": 5,
    "history": 8,
    "settings": 6,
    # Kept for its reader (PatientAdmin.change_view): the session, the reader and their
    # permissions, the patient within the clinic and the audit trail's entry.
    "admin patient page": 10,
}

# Pages that show how to do each exercise read the library's lines, sources and disagreements
# only when they write what they had not kept (a fixed number of queries more).
MOST_QUERIES_WRITING = {
    # 2 more than before the functional scale: whether a response is due (the patient's last
    # response and whether a programme is running).
    "today": 13,
    "check-off": 17,
    "programme": 10,
    "exercise page": 10,
    # 3 more for the patient's story: the check-offs of partial sessions, screen results, versions;
    # 2 more for the functional scale's panel (its responses, and their ratings).
    "admin patient page": 24,
}


def programme_of(size: int, therapist) -> SimpleNamespace:
    """A patient with `size` exercises due every day, a week of check-offs and a pain report."""
    from patients.triage import pain_report_create
    from tests.factories import PatientFactory, programme_with_history

    patient = PatientFactory(primary_therapist=therapist)
    items = programme_with_history(
        patient,
        size=size,
        started_days_ago=30,
        checked_off_days_ago=range(0, 7),
        reps=12,
        note="Slowly.",
        leave_first_undone=True,  # the first is still to do today
    )
    report = pain_report_create(patient=patient, score=3, moment="morning", qualities=["dull"])
    return SimpleNamespace(patient=patient, first=items[0], report=report)


def queries_of(client: Client, method: str, path: str, *, kept: bool = True, **extra: str) -> int:
    """The queries of one request; `kept`: with the fragments earlier pages kept, else with a
    library just changed (every fragment written anew)."""
    if not kept:
        from exercises.fragments import library_changed

        library_changed()
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def page_queries(page: str, programme: SimpleNamespace, therapist, *, kept: bool = True) -> int:
    client = Client()
    if page == "admin patient page":
        verified_login(client, therapist.user)
        path = f"/admin/patients/patient/{programme.patient.pk}/change/"
        client.get(path)  # the first read writes it
        return queries_of(client, "get", path, kept=kept)
    client.force_login(programme.patient.user)
    client.get("/today/")  # the session's first request writes it; count a usual one
    if page == "check-off":
        # As in a running server, the audit trail knows the check-off's content type already.
        ContentType.objects.get_for_model(CheckOff)
        path = f"/today/exercises/{programme.first.pk}/check-off/"
        return queries_of(client, "post", path, kept=kept, HTTP_HX_REQUEST="true")
    path = {
        "today": "/today/",
        "programme": "/programme/",
        "exercise page": f"/programme/exercises/{programme.first.pk}/",
        "pain report form": "/pain/new/",
        "pain report": f"/pain/{programme.report.pk}/",
        "safety check": "/safety-check/",
        "history": "/history/",
        "settings": "/settings/",
    }[page]
    return queries_of(client, "get", path, kept=kept)


@pytest.mark.django_db
@pytest.mark.parametrize("kept", [True, False], ids=["fragments kept", "library just changed"])
@pytest.mark.parametrize("page", list(MOST_QUERIES))
def test_a_page_runs_as_many_queries_for_20_exercises_as_for_1(
    library: None, clinic_people: SimpleNamespace, page: str, kept: bool
) -> None:
    therapist = clinic_people.owner
    one, twenty = programme_of(1, therapist), programme_of(20, therapist)
    counts = {size: page_queries(page, programme, therapist, kept=kept) for size, programme in
              ((1, one), (20, twenty))}  # fmt: skip
    assert counts[1] == counts[20], counts
    most = MOST_QUERIES[page] if kept else MOST_QUERIES_WRITING.get(page, MOST_QUERIES[page])
    assert counts[20] <= most, counts
