"""The admin's pages in an installation far bigger than the clinic looking at it: what each query
reads must follow the clinic's size, not the installation's. Each test here stands for a query
that once read the whole installation (the bench's admin and pages sections beside the
scheduler's 1,000,000 patients); each checks the plan's shape, not a time.

The plans are PostgreSQL's (EXPLAIN): on SQLite these tests are skipped, but for the ones about
which tables a query names, which hold on any database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import CheckOff, Patient, Therapist, User
from patients.tenancy import ClinicLibraries
from tests.audit.helpers import reads_not_recorded
from tests.bulk import clinic_patients_create
from tests.factories import TherapistFactory
from tests.two_factor import verified_login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OTHERS = 2_000  # patients of another clinic, each with a prescription (the scheduler's rows)

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL's plans (EXPLAIN)"
)


def plan_of(sql: str, params: Any = (), *, analyze: bool = True, off: str = "") -> dict[str, Any]:
    """The plan of `sql`: as PostgreSQL ran it (EXPLAIN ANALYZE: actual rows, not estimates),
    or, `off` naming a kind of plan node ("seqscan", "sort"), the plan it would choose if that
    cost it dearly: what it can do otherwise, whatever the size of the tables."""
    with transaction.atomic(), connection.cursor() as cursor:
        if off:
            cursor.execute(f"SET LOCAL enable_{off} = off")
        cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyze else ''}FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def rows_examined(plan: dict[str, Any], table: str) -> int:
    """Rows of `table` the plan's scans looked at, whether kept or filtered out."""
    return sum(
        (
            node.get("Actual Rows", 0)
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        )
        * node.get("Actual Loops", 1)
        for node in nodes(plan)
        if node.get("Relation Name") == table
    )


@pytest.fixture
def installation(clinic_people: SimpleNamespace, library: None) -> SimpleNamespace:
    """Clinic A's admin among OTHERS patients of another clinic, built as the scheduler's bench
    builds its million (SQL), with fresh statistics as autovacuum would leave them."""
    from tests.benchmarks.scheduler import build

    if connection.vendor == "postgresql":
        build(OTHERS, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    return SimpleNamespace(people=clinic_people, clinic_admin=clinic_admin)


def page_queries(client: Client, url: str) -> list[str]:
    with reads_not_recorded(), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


# The admin's patient page: the clinic whose library a therapist uses ------------------------


@postgresql_only
def test_finding_a_persons_library_reads_their_own_rows_not_every_patient(
    installation: SimpleNamespace,
) -> None:
    """It was one OR over outer joins of each clinic's therapists and patients, which no index
    answers: every patient of the installation was read on every admin page (536 ms at
    1,010,000 patients)."""
    people = installation.people
    for user in (people.owner.user, people.patient_a.user):
        with CaptureQueriesContext(connection) as captured:
            library_id = ClinicLibraries().library_id_for_user(user)
        assert library_id == people.clinic_a.library_id
        (query,) = captured.captured_queries
        plan = plan_of(query["sql"])
        assert rows_examined(plan, "patients_patient") <= 2, query["sql"]
        assert rows_examined(plan, "patients_therapist") <= 2 + 4, query["sql"]


@pytest.mark.django_db
def test_the_admin_patient_page_looks_its_patient_up_without_the_lists_figures(
    clinic_people: SimpleNamespace, library: None
) -> None:
    """The list's adherence, pain and alert figures write a CASE over every zone into the SQL
    (some 100 kB): the page, which shows none of them, compiled and sent it twice (178 -> 47
    ms a page in process, beside 1,010,000 patients)."""
    client = verified_login(Client(), clinic_people.owner.user)
    url = reverse("admin:patients_patient_change", args=[clinic_people.patient_a.pk])
    queries = page_queries(client, url)
    lookups = [sql for sql in queries if sql.startswith('SELECT "patients_patient"."id"')]
    assert lookups
    for sql in queries:
        assert "adherence_" not in sql and "open_alert_count" not in sql, sql[:300]


# Searching by name or email ----------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db
def test_each_field_the_clinic_searches_people_by_has_an_index_the_search_uses() -> None:
    """The admin's icontains is UPPER(column::text) LIKE UPPER('%term%'): only a trigram index
    on that very expression answers it (patients/migrations/0012_…). Seq scans are turned off
    so that the planner shows an index it can use even in a small table."""
    for field in admin.site._registry[Patient].search_fields:
        column = field.removeprefix("user__")
        query = User.objects.filter(**{f"{column}__icontains": "Bulk"}).values("pk")
        plan = plan_of(*query.query.sql_with_params(), analyze=False, off="seqscan")
        used = {node.get("Index Name") for node in nodes(plan)}
        assert f"user_{column}_search" in used, (column, used)


def record_lists() -> list[str]:
    """Every list of a patient's records searched by the patient's name or email."""
    from patients.admin.scoping import PatientSearch

    return [
        f"{model._meta.app_label}_{model._meta.model_name}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, PatientSearch)
    ]


def test_the_lists_of_patients_records_are_searched_by_patient() -> None:
    assert set(record_lists()) >= {
        "patients_checkoff",
        "patients_painreport",
        "patients_reminder",
        "patients_alert",
        "patients_screenrequest",
        "patients_screenresult",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", record_lists())
def test_a_record_lists_search_matches_patients_once_not_each_record(
    clinic_people: SimpleNamespace, library: None, changelist: str
) -> None:
    """The patients who match first, then their records by id: in one query PostgreSQL tried
    the name on every record (210,000 check-offs: 440 ms a query, twice a page), having taken
    the clinic's check-offs for its share of the whole installation's."""
    clinic_patients_create(clinic_people.owner, 3, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    model = admin.site._registry
    table = next(
        m._meta.db_table for m in model if f"{m._meta.app_label}_{m._meta.model_name}" == changelist
    )
    queries = page_queries(client, f"{reverse(f'admin:{changelist}_changelist')}?q=Bulk")
    of_records = [sql for sql in queries if re.search(rf'FROM "{table}"', sql)]
    assert of_records
    for sql in of_records:
        # The page may show the patient's name (a join); it does not filter on it.
        conditions = sql.split(" WHERE ", 1)[1].split(" ORDER BY ")[0]
        assert '"patients_user"' not in conditions, sql


@pytest.mark.django_db
def test_a_record_lists_search_finds_the_patients_records_and_only_the_clinics(
    clinic_people: SimpleNamespace, library: None
) -> None:

    mine = clinic_patients_create(clinic_people.owner, 2, NOW)
    theirs = clinic_patients_create(clinic_people.outsider, 2, NOW)  # "Bulk 0000x" too
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    url = reverse("admin:patients_checkoff_changelist")
    with reads_not_recorded():
        response = client.get(url, {"q": f'"{mine[0].user.last_name}"'})
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == set(CheckOff.objects.filter(patient=mine[0]).values_list("pk", flat=True))
    with reads_not_recorded():
        response = client.get(url, {"q": "Bulk"})
    patients = {row.patient_id for row in response.context["cl"].result_list}
    assert patients <= {patient.pk for patient in mine}
    assert not patients & {patient.pk for patient in theirs}


@pytest.mark.django_db
def test_a_search_matching_more_patients_than_a_clinic_has_finds_the_same_records(
    clinic_people: SimpleNamespace, library: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past RECORDS_BY_ID_AT_MOST patients (a superuser's search over every clinic) the match
    goes into the records' query instead of a list of ids: the same rows either way."""
    import patients.selectors

    clinic_patients_create(clinic_people.owner, 3, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    url = reverse("admin:patients_checkoff_changelist")
    usual = patients.selectors.RECORDS_BY_ID_AT_MOST
    shown: dict[object, Any] = {}
    for at_most in (usual, 1):
        monkeypatch.setattr(patients.selectors, "RECORDS_BY_ID_AT_MOST", at_most)
        with reads_not_recorded(), CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"q": "Bulk"})
        shown[at_most] = [row.pk for row in response.context["cl"].result_list]
        shown[at_most, "queries"] = len(captured)
    assert shown[1] == shown[usual]
    assert shown[1]
    assert shown[1, "queries"] == shown[usual, "queries"]


@postgresql_only
@pytest.mark.django_db
def test_a_list_of_ids_is_one_array_compared_with_any_not_a_set_of_unknown_size() -> None:
    """A searched record list and the adherence filter pass their ids as one array. As
    `IN (SELECT unnest(…))` PostgreSQL took the set for 200 values whatever its size, and
    beside 1,010,000 patients planned a clinic's 210,000 check-offs as 1,048: a sort of them
    all (120 ms) where reading the newest first and stopping at a page takes a few. Compared
    with `= ANY(…)` it expects as many as there are (EXPLAIN there: 209,960 expected 176,216)."""
    from patients.selectors import with_ids

    sql, params = with_ids(CheckOff.objects.all(), [1, 2, 3], "patient").query.sql_with_params()
    assert '"patients_checkoff"."patient_id" = ANY(%s::bigint[])' in sql, sql
    assert "unnest" not in sql.lower(), sql
    assert [1, 2, 3] in params


# Sorting the patient list by email ---------------------------------------------------------


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("order", ["o=2", "o=-2"])
def test_the_patient_list_sorted_by_email_sorts_the_clinics_patients(
    clinic_people: SimpleNamespace, library: None, order: str
) -> None:
    """Sorted by the joined column, PostgreSQL walked the index of every user's address hoping
    to meet the clinic's first 100 on the way: 990 ms at 1,010,000 users. Sorts are turned off
    so that the planner takes an index that gives the order, if there is one."""
    clinic_patients_create(clinic_people.owner, 3, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    url = f"{reverse('admin:patients_patient_changelist')}?{order}"
    page = [
        sql
        for sql in page_queries(client, url)
        if sql.startswith('SELECT "patients_patient"."id"') and " ORDER BY " in sql
    ]
    assert page
    for sql in page:
        plan = plan_of(sql, analyze=False, off="sort")
        walked = {
            node.get("Index Name")
            for node in nodes(plan)
            if node.get("Relation Name") == "patients_user"
            and node.get("Node Type") in {"Index Scan", "Index Only Scan"}
            and "Index Cond" not in node  # in the index's order, not looked up by key
        }
        assert not walked, (walked, sql)


@pytest.mark.django_db
def test_the_patient_list_sorts_by_email_as_it_shows_it(
    clinic_people: SimpleNamespace, library: None
) -> None:
    clinic_patients_create(clinic_people.owner, 5, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    url = reverse("admin:patients_patient_changelist")
    for order, backwards in (("2", False), ("-2", True)):
        with reads_not_recorded():
            response = client.get(url, {"o": order})
        emails = [patient.user.email for patient in response.context["cl"].result_list]
        assert emails == sorted(emails, reverse=backwards)
        assert len(emails) == Patient.objects.filter(clinic=clinic_people.clinic_a).count()


# The full count of a filtered list ---------------------------------------------------------

# Lists of what piles up every day (a check-off per exercise and session, a reminder per
# session, an audit entry per page): their "N total" beside a filtered list is a second count
# over all of it (32 ms a page at 210,000 check-offs, and growing). The prescriptions' too:
# PostgreSQL counts the clinic's by reading every prescription of the installation (100 ms
# beside 1,000,000). The clinic's patients, alerts and screens keep it: the clinic index
# answers the patients' (2 ms at 10,000), the others are few.
WITHOUT_FULL_COUNT = {
    "patients_checkoff",
    "patients_reminder",
    "patients_painreport",
    "patients_prescription",
    "audit_auditentry",
}


def test_lists_that_pile_up_skip_the_second_count_and_the_others_keep_it() -> None:
    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        if name in WITHOUT_FULL_COUNT:
            assert model_admin.show_full_result_count is False, name
        elif name in {"patients_patient", "patients_alert", "patients_screenrequest"}:
            assert model_admin.show_full_result_count is True, name


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", sorted(WITHOUT_FULL_COUNT))
def test_a_filtered_list_that_piles_up_counts_once_and_says_so(
    clinic_people: SimpleNamespace, library: None, changelist: str
) -> None:
    clinic_patients_create(clinic_people.owner, 3, NOW)
    clinic_admin = TherapistFactory(clinic=clinic_people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    client = verified_login(Client(), clinic_admin.user)
    url = f"{reverse(f'admin:{changelist}_changelist')}?q=Bulk"
    with reads_not_recorded(), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    counts = [q["sql"] for q in captured.captured_queries if 'COUNT(*) AS "__count"' in q["sql"]]
    assert len(counts) == 1, counts
    assert response.context["cl"].full_result_count is None
    assert "Show all" in response.content.decode() or "show all" in response.content.decode()
