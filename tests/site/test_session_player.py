"""The session player's page and what it sends back: the dose it follows comes from the
server, the counts it records are checked against that dose, a stopped session is recorded as
partial, and a check-off answers with the day's count out of band."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from patients.models import CheckOff
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


def player_exercises(response) -> list[dict]:
    assert response.status_code == 200
    script = BeautifulSoup(response.content, "html.parser").find(id="player-exercises")
    return json.loads(script.string)


def test_the_player_follows_the_prescribed_dose_and_the_clinics_rest(
    alex: Client, runner: SimpleNamespace
) -> None:
    bridge = runner.bridge_a
    bridge.reps, bridge.hold_seconds, bridge.sets = 3, 10, 2
    bridge.save()
    clinic = runner.patient_a.clinic
    clinic.rest_seconds = 20
    clinic.save()

    (only,) = player_exercises(alex.get(f"/today/exercises/{bridge.pk}/play/"))
    assert only["plan"] == {"sets": 2, "reps": 3, "sides": 1, "hold": 10, "reps_given": True}
    assert only["rest"] == 20 and only["session"] == 1
    assert only["url"] == f"/today/exercises/{bridge.pk}/check-off/"
    assert only["dose"] == "Hold 10 s · 3 times · 2 sets · once a day · every day"

    # A guided session: every exercise of the day not yet done, in Today's order, each with
    # its picture (the first shown, the others until their turn).
    response = alex.get("/today/session/")
    figures = BeautifulSoup(response.content, "html.parser").select("[data-player-figure]")
    assert [f["data-player-figure"] for f in figures] == [str(bridge.pk), str(runner.plank_a.pk)]
    assert all(figure.select_one("svg[role=img][aria-label]") for figure in figures)
    assert [figure.has_attr("hidden") for figure in figures] == [False, True]
    guided = player_exercises(response)
    assert [exercise["id"] for exercise in guided] == [bridge.pk, runner.plank_a.pk]
    assert guided[1]["plan"] == {"sets": 1, "reps": 1, "sides": 2, "hold": 15, "reps_given": False}
    alex.post(f"/today/exercises/{bridge.pk}/check-off/", {"session": "1"})
    assert [e["id"] for e in player_exercises(alex.get("/today/session/"))] == [runner.plank_a.pk]


def test_another_patients_exercise_has_no_player(alex: Client, runner: SimpleNamespace) -> None:
    assert alex.get(f"/today/exercises/{runner.bridge_b.pk}/play/").status_code == 404
    alex.logout()
    response = alex.get(f"/today/exercises/{runner.bridge_a.pk}/play/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_counts_are_recorded_and_a_short_session_is_partial(
    alex: Client, runner: SimpleNamespace
) -> None:
    plank = runner.plank_a  # 15 s each side: 2 repetitions in the dose
    url = f"/today/exercises/{plank.pk}/check-off/"
    response = alex.post(
        url, {"session": "1", "reps_done": "1", "sets_done": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    check_off = CheckOff.objects.get()
    assert (check_off.reps_done, check_off.reps_planned, check_off.sets_done) == (1, 2, 0)
    assert check_off.is_partial
    assert "Partly done: 1 of 2 repetitions" in response.content.decode()
    # The same finish sent again (a retry from the phone) changes nothing.
    again = alex.post(
        url, {"session": "1", "reps_done": "2", "sets_done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 200
    assert CheckOff.objects.get().reps_done == 1

    # A plain "Done" says the whole dose was done: no counts, not partial.
    bridge_url = f"/today/exercises/{runner.bridge_a.pk}/check-off/"
    alex.post(bridge_url, {"session": "1"})
    plain = CheckOff.objects.get(prescribed_exercise=runner.bridge_a)
    assert plain.reps_done is None and not plain.is_partial


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"reps_done": "3", "sets_done": "1"}, "The session counted 3 of 2 repetitions"),
        ({"reps_done": "0", "sets_done": "0"}, "The session counted 0 of 2 repetitions"),
        ({"reps_done": "1", "sets_done": "2"}, "The dose has 1 sets"),
        ({"reps_done": "-1", "sets_done": "0"}, "were not whole numbers"),
        ({"reps_done": "²", "sets_done": "0"}, "were not whole numbers"),
        ({"reps_done": "1"}, "were not whole numbers"),
    ],
)
def test_counts_that_do_not_fit_the_dose_are_refused_and_nothing_is_recorded(
    alex: Client, runner: SimpleNamespace, counts: dict[str, str], message: str
) -> None:
    url = f"/today/exercises/{runner.plank_a.pk}/check-off/"
    response = alex.post(url, {"session": "1", **counts}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CheckOff.objects.exists()


def test_an_exercise_without_a_hold_or_count_takes_no_counts(
    alex: Client, runner: SimpleNamespace
) -> None:
    bridge = runner.bridge_a
    bridge.reps = bridge.hold_seconds = None
    bridge.save()
    url = f"/today/exercises/{bridge.pk}/check-off/"
    response = alex.post(url, {"reps_done": "1", "sets_done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "tap Done instead" in response.content.decode()
    assert not CheckOff.objects.exists()
    # Its card offers no player, and the guided session asks for a plain "Done".
    today = alex.get("/today/").content.decode()
    assert f"/today/exercises/{bridge.pk}/play/" not in today
    assert player_exercises(alex.get("/today/session/"))[0]["plan"] is None


def test_a_check_off_and_an_undo_send_the_days_count_out_of_band(
    alex: Client, runner: SimpleNamespace
) -> None:
    url = f"/today/exercises/{runner.bridge_a.pk}/check-off/"
    response = alex.post(url, {"session": "1"}, HTTP_HX_REQUEST="true")
    progress = BeautifulSoup(response.content, "html.parser").find(id="progress")
    assert progress["hx-swap-oob"] == "true"
    assert progress.get_text() == "1 of 2 exercises done."
    check_off = CheckOff.objects.get()
    response = alex.post(f"/today/check-offs/{check_off.pk}/undo/", HTTP_HX_REQUEST="true")
    progress = BeautifulSoup(response.content, "html.parser").find(id="progress")
    assert progress.get_text() == "0 of 2 exercises done."
    # A refused check-off changed nothing: no count is sent with it.
    refused = alex.post(url, {"session": "9"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and 'id="progress"' not in refused.content.decode()


def test_the_therapist_sees_a_partial_session_in_the_check_off_list(
    alex: Client, runner: SimpleNamespace
) -> None:
    url = f"/today/exercises/{runner.plank_a.pk}/check-off/"
    alex.post(url, {"session": "1", "reps_done": "1", "sets_done": "0"})
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", {"session": "1"})
    therapist_client = verified_login(Client(), runner.owner.user)
    page = therapist_client.get("/admin/patients/checkoff/").content.decode()
    assert "Partly: 1 of 2 repetitions" in page
    partly = therapist_client.get("/admin/patients/checkoff/", {"partly": "yes"}).content.decode()
    assert "Partly: 1 of 2 repetitions" in partly and "Glute bridge" not in partly


def test_the_clinics_rest_is_set_in_the_admin_and_bad_values_are_refused(
    runner: SimpleNamespace,
) -> None:
    from django.contrib import admin
    from django.core.exceptions import ValidationError

    from patients.models import Clinic

    fieldsets = admin.site._registry[Clinic].fieldsets
    assert any("rest_seconds" in options["fields"] for __, options in fieldsets)
    clinic = runner.patient_a.clinic
    for bad in (301, -1):
        clinic.rest_seconds = bad
        with pytest.raises(ValidationError) as refused:
            clinic.full_clean()
        assert refused.value.message_dict["rest_seconds"] == [
            "The rest must be from 0 to 300 seconds."
        ]
