"""The admin's tables of rows name each of their inputs: a screen reader says which column and
which row a box is ("Hold (seconds): Glute bridge"), as the column's heading does for the eye."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.site import conftest as site_fixtures
from tests.two_factor import verified_login

runner = site_fixtures.runner  # the patients' site's programme, reused here

pytestmark = pytest.mark.django_db


def test_every_dose_input_names_its_column_and_its_exercise(
    client: Client, runner: SimpleNamespace
) -> None:
    verified_login(client, runner.owner.user)
    prescription = runner.patient_a.prescriptions.get()
    url = reverse("admin:patients_prescription_change", args=[prescription.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    print(f"\nThe prescription page: {len(captured)} queries")
    table = BeautifulSoup(response.content, "html.parser").select_one("#exercises-group")
    bridge, plank = runner.bridge_a.exercise.name, runner.plank_a.exercise.name

    row = {field["name"].split("-", 2)[2]: field for field in table.select("[name^=exercises-0-]")}
    assert row["hold_seconds"]["aria-label"] == f"Hold (seconds): {bridge}"
    assert row["reps"]["aria-label"] == f"Repetitions: {bridge}"
    assert row["per_side"]["aria-label"] == f"Each side: {bridge}"
    assert row["therapist_note"]["aria-label"] == f"Therapist note: {bridge}"
    assert row["DELETE"]["aria-label"] == f"Delete: {bridge}"
    assert row["exercise"]["aria-label"] == f"Exercise: {bridge}"
    assert table.select_one("[name=exercises-1-sets]")["aria-label"] == f"Sets: {plank}"
    assert table.select_one("[name=exercises-1-exercise]")["aria-label"] == f"Exercise: {plank}"

    unnamed = [
        field["name"]
        for field in table.select("input, select, textarea")
        if field.get("type") != "hidden"
        and "__prefix__" not in field["name"]
        and not field.get("aria-label")
    ]
    assert unnamed == []
