"""A double tap, two tabs or a retried request leave exactly one check-off."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client

from patients.models import CheckOff, Prescription


@pytest.mark.django_db
def test_a_repeated_session_is_one_check_off(client: Client, runner: SimpleNamespace) -> None:
    Prescription.objects.filter(patient=runner.patient_a).update(sessions_per_day=2)
    client.force_login(runner.patient_a.user)
    url = f"/today/exercises/{runner.bridge_a.pk}/check-off/"
    for _ in range(3):
        assert client.post(url, {"session": "1"}, HTTP_HX_REQUEST="true").status_code == 200
    assert list(CheckOff.objects.values_list("session", flat=True)) == [1]
    refused = client.post(url, {"session": "3"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert "That session is not part of today" in refused.content.decode()
    assert client.post(url, {"session": "one"}, HTTP_HX_REQUEST="true").status_code == 422
    assert CheckOff.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_leave_exactly_one_check_off(runner: SimpleNamespace) -> None:
    """Eight requests at the same instant, each on its own database connection."""
    url = f"/today/exercises/{runner.bridge_a.pk}/check-off/"
    clients = []
    for _ in range(8):
        client = Client()
        client.force_login(runner.patient_a.user)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def tap(client: Client) -> None:
        try:
            start.wait()
            statuses.append(client.post(url, {"session": "1"}, HTTP_HX_REQUEST="true").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 8, statuses
    assert CheckOff.objects.filter(prescribed_exercise=runner.bridge_a).count() == 1
    # The database itself refuses a second row, whatever the code above it does.
    first = CheckOff.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckOff.objects.create(
            patient=first.patient,
            prescribed_exercise=first.prescribed_exercise,
            local_date=first.local_date,
            session=first.session,
        )
