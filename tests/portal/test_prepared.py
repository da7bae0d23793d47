"""Queries written to SQL once per process (portal/prepared.py) give the rows their querysets
give, on the database the run uses, and Django writes their SQL once."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from exercises.fragments import library_version
from patients.kept import row_values
from patients.models import CheckOff, Patient
from patients.selectors import patient_for_user
from patients.services import _check_offs_of_day
from portal.prepared import Prepared


@pytest.mark.django_db
def test_the_patient_is_read_as_the_queryset_reads_them(
    clinic_people: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alex = clinic_people.patient_a
    written = []
    as_sql = SQLCompiler.as_sql

    def counted(compiler: SQLCompiler, *args: object, **kwargs: object) -> object:
        written.append(compiler.query.model)
        return as_sql(compiler, *args, **kwargs)

    patient_for_user(alex.user, clinic=False)  # written once in this process, perhaps earlier
    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    with CaptureQueriesContext(connection) as queries:
        found = [patient_for_user(person.user, clinic=False) for person in (alex, alex)]
    assert len(queries) == 2 and written == []  # sent twice, written by Django no more
    expected = Patient.objects.get(pk=alex.pk)
    for patient in found:
        assert row_values(patient) == row_values(expected)
        assert patient.library_version == library_version()
        assert patient.user is alex.user
    # A therapist has no patient record.
    assert patient_for_user(clinic_people.owner.user, clinic=False) is None


@pytest.mark.django_db
def test_a_day_and_an_id_are_passed_as_the_database_takes_them(
    library: None, clinic_people: SimpleNamespace
) -> None:
    from tests.factories import programme_with_history

    alex = clinic_people.patient_a
    item = programme_with_history(
        alex, size=1, started_days_ago=10, checked_off_days_ago=range(0, 3), reps=10, note=""
    )[0]
    of_day = _check_offs_of_day  # what every check-off reads first
    for back in range(5):
        day = alex.local_today() - timedelta(days=back)
        expected = CheckOff.objects.filter(prescribed_exercise=item, local_date=day).order_by("pk")
        assert [row_values(c) for c in of_day(item.pk, day)] == [row_values(c) for c in expected]
    assert list(of_day(item.pk + 1000, alex.local_today())) == []


@pytest.mark.django_db
def test_a_query_it_cannot_prepare_is_refused() -> None:
    twice = Prepared(lambda pk: Patient.objects.filter(pk=pk, user_id=pk), int)
    with pytest.raises(ValueError, match="not one parameter"):
        twice(1)
    with pytest.raises(TypeError, match="ids or dates"):
        Prepared(lambda name: Patient.objects.filter(time_zone=name), str)
    one = Prepared(lambda pk: Patient.objects.filter(pk=pk), int)
    for wrong in [("1",), (1, 2), (True,), (date(2026, 1, 1),)]:
        with pytest.raises(TypeError, match="expected values"):
            one(*wrong)
    with pytest.raises(ValueError, match="64-bit"):
        one(2**63)
