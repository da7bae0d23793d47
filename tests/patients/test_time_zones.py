"""The time zones a clinic or a patient may choose are the ones installed on the machine, and a
new tzdata release (a zone added or retired) asks for no migration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.processes import BASE_DIR
from tests.two_factor import verified_login

# manage.py makemigrations, in a process whose tz database has one zone more and one zone less
# than this machine's, as after a tzdata upgrade.
MAKEMIGRATIONS_AFTER_A_TZDATA_RELEASE = """
import sys, zoneinfo
installed = zoneinfo.available_timezones()
assert "Europe/Kyiv" in installed and "Portal/New_Zone" not in installed
zoneinfo.available_timezones = lambda: (installed | {"Portal/New_Zone"}) - {"Europe/Kyiv"}
sys.argv = ["manage.py", "makemigrations", "--check", "--dry-run"]
import manage
manage.main()
"""


def test_a_new_tzdata_release_asks_for_no_migration() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{BASE_DIR / '.run' / 'time-zones-check.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-c", MAKEMIGRATIONS_AFTER_A_TZDATA_RELEASE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.fixture
def new_zone_installed(monkeypatch: pytest.MonkeyPatch):
    import zoneinfo

    from patients.models import time_zone_choices

    installed = zoneinfo.available_timezones()
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: installed | {"Portal/New_Zone"})
    time_zone_choices.cache_clear()
    yield "Portal/New_Zone"
    time_zone_choices.cache_clear()


def test_the_choices_are_the_installed_zones(new_zone_installed: str) -> None:
    from patients.models import Clinic, Patient

    for model in (Clinic, Patient):
        names = [name for name, _label in model._meta.get_field("time_zone").choices]
        assert new_zone_installed in names
        assert "Europe/London" in names and "Pacific/Auckland" in names
        assert names == sorted(names)


@pytest.mark.django_db
def test_the_settings_page_lists_every_zone_and_refuses_another(
    client: Client, clinic_people
) -> None:
    import zoneinfo

    patient = clinic_people.patient_a
    patient.time_zone = "Australia/Lord_Howe"
    patient.save()
    client.force_login(patient.user)
    html = client.get("/settings/").content.decode()
    assert html.count("<option value=") == len(zoneinfo.available_timezones())
    # Grouped by region, each zone by its city; the saved one chosen.
    assert '<optgroup label="Australia">' in html and '<optgroup label="Europe">' in html
    assert '<option value="Australia/Lord_Howe" selected>Lord Howe</option>' in html
    assert '<option value="America/Argentina/Buenos_Aires">Buenos Aires, Argentina</option>' in html
    assert 'data-zone-picker="offer"' in html  # a saved zone is offered the browser's, not replaced

    response = client.post("/settings/", {"reminders_enabled": "on", "time_zone": "Middle/Earth"})
    assert response.status_code == 400
    assert "Select a valid choice. Middle/Earth is not one of the available choices." in (
        response.content.decode()
    )
    patient.refresh_from_db()
    assert patient.time_zone == "Australia/Lord_Howe"


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["patient", "clinic"])
def test_the_admin_lists_every_zone_and_refuses_another(
    client: Client, clinic_people, page: str
) -> None:
    import zoneinfo

    from patients.models import User

    operator = User.objects.create_superuser("operator@portal.example", "a-strong-passphrase")
    verified_login(client, operator)
    patient, clinic = clinic_people.patient_a, clinic_people.clinic_a
    clinic.time_zone = patient.time_zone = "America/St_Johns"
    clinic.save()
    patient.save()
    row = patient if page == "patient" else clinic
    url = reverse(f"admin:patients_{page}_change", args=[row.pk])

    html = client.get(url).content.decode()
    assert html.count('<option value="') - html.count('<option value=""') >= len(
        zoneinfo.available_timezones()
    )
    assert '<option value="America/St_Johns" selected>St Johns</option>' in html
    assert '<optgroup label="Americas">' in html and 'data-zone-picker="offer"' in html

    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["time_zone"] = "Middle/Earth"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"] == [
        "Select a valid choice. Middle/Earth is not one of the available choices."
    ]
    row.refresh_from_db()
    assert row.time_zone == "America/St_Johns"
