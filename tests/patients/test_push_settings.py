"""Settings: a patient turns push reminders on for a device and off again; what a browser posts
is checked, and anything else is refused with a clear message and changes nothing."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from patients.models import NextReminder, Patient, PushSubscription
from tests.factories import PatientFactory
from tests.patients.reminder_helpers import patient_with_programme
from tests.push_service import Device, VapidPair
from tests.two_factor import verified_login

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def vapid(settings) -> VapidPair:
    pair = VapidPair.new()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair.public, pair.private
    settings.VAPID_SUBJECT = pair.subject
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    return pair


def logged_in(patient: Patient) -> Client:
    client = Client(HTTP_USER_AGENT=ANDROID_CHROME)
    client.force_login(patient.user)
    return client


def post_subscription(client: Client, body: object) -> tuple[int, dict]:
    text = body if isinstance(body, str) else json.dumps(body)
    response = client.post(reverse("push_device_add"), text, content_type="application/json")
    is_json = response["Content-Type"] == "application/json"
    return response.status_code, response.json() if is_json else {}


def phone(name: str = "phone", origin: str = "http://127.0.0.1:9") -> Device:
    return Device(name, f"{origin}/push/{name}")


@pytest.mark.django_db
def test_without_vapid_keys_the_page_says_push_is_not_set_up(
    clinic_people: SimpleNamespace, settings
) -> None:
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    client = logged_in(clinic_people.patient_a)
    page = BeautifulSoup(client.get(reverse("settings")).content, "html.parser")
    section = page.select_one("#push-reminders")
    assert "Push reminders are not set up for this clinic" in section.get_text()
    assert page.select_one("#push-subscribe") is None
    status, body = post_subscription(client, phone().subscription())
    assert status == 409 and body["error"] == "Push reminders are not set up for this clinic."
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_patient_turns_push_on_for_a_device_and_off_again(
    clinic_people: SimpleNamespace, library: None, vapid: VapidPair
) -> None:
    patient = patient_with_programme(clinic_people.owner, reminders_enabled=False)
    prescription = patient.prescriptions.get()
    assert NextReminder.objects.get(prescription=prescription).due_at is None  # nothing wanted
    client = logged_in(patient)
    page = BeautifulSoup(client.get(reverse("settings")).content, "html.parser")
    form = page.select_one("#push-subscribe")
    assert form["data-vapid-public-key"] == vapid.public
    assert form["data-service-worker"] == "/sw.js"
    assert "No phone or computer gets push reminders yet" in page.get_text()

    status, body = post_subscription(client, phone().subscription())
    assert status == 201 and body["label"] == "Chrome on Android"
    device = PushSubscription.objects.get()
    assert (device.patient, device.device) == (patient, "Chrome on Android")
    patient.refresh_from_db()
    assert patient.push_reminders
    # Push instead of email: the scheduler has a reminder to record again.
    assert NextReminder.objects.get(prescription=prescription).due_at is not None

    page = BeautifulSoup(client.get(reverse("settings")).content, "html.parser")
    assert "Reminders will come to this device (Chrome on Android)." in page.get_text()
    row = page.select_one("#push-devices li")
    assert "Chrome on Android" in row.get_text() and row["data-push-endpoint"] == device.endpoint
    # Posted again (the browser's keys changed): the same device, not a second one.
    again = phone().subscription() | {"endpoint": device.endpoint}
    assert post_subscription(client, again)[0] == 201
    assert PushSubscription.objects.count() == 1

    removed = client.post(reverse("push_device_remove", args=[device.pk]), follow=True)
    assert "Reminders no longer come to Chrome on Android." in removed.content.decode()
    assert not PushSubscription.objects.exists()
    patient.refresh_from_db()
    assert patient.push_reminders is False
    assert NextReminder.objects.get(prescription=prescription).due_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("not json", "The browser sent no subscription"),
        ([], "The browser sent no subscription"),
        ({"endpoint": ""}, "no push service address"),
        ({"endpoint": "http://push.example.net/p/1"}, "must start with https://"),
        ({"endpoint": "ftp://127.0.0.1/p/1"}, "must start with https://"),
        ({"endpoint": "https://192.168.1.10/p/1"}, "(192.168.1.10) is not one this portal"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/p"}, "is not one this portal"),
        ({"endpoint": "https://user:pw@fcm.googleapis.com/fcm/send/x"}, "not a web address"),
        ({"endpoint": "https://fcm.googleapis.com:port/x"}, "not a web address"),
        ({"endpoint": "https://fcm.googleapis.com/" + "x" * 2000}, "too long"),
        ({"keys": None}, "has no keys"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh key"),
        ({"keys": {"p256dh": "BA" + "A" * 85, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh key"),
        ({"keys": {"p256dh": None, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh key"),
        ({"keys": {"auth": "c2hvcnQ"}}, "auth secret"),
        ({"keys": {"auth": "not base64!"}}, "auth secret"),
    ],
)
def test_a_subscription_that_is_not_one_is_refused_and_nothing_changes(
    clinic_people: SimpleNamespace, vapid: VapidPair, change: object, words: str
) -> None:
    patient = clinic_people.patient_a
    subscription = phone().subscription()
    if isinstance(change, dict):
        keys = change.get("keys", {})
        if isinstance(keys, dict):
            change = change | {"keys": subscription["keys"] | keys}
        body: object = subscription | change
    else:
        body = change
    status, answer = post_subscription(logged_in(patient), body)
    assert status == 400
    assert words in answer["error"]
    assert not PushSubscription.objects.exists()
    patient.refresh_from_db()
    assert patient.push_reminders is False


@pytest.mark.django_db
def test_a_known_push_services_address_is_taken_over_https(
    clinic_people: SimpleNamespace, vapid: VapidPair
) -> None:
    for number, origin in enumerate(
        [
            "https://fcm.googleapis.com/fcm/send",
            "https://updates.push.services.mozilla.com/wpush/v2",
            "https://wns2-db5p.notify.windows.com/w",
            "https://web.push.apple.com",
        ]
    ):
        status, _ = post_subscription(
            logged_in(clinic_people.patient_a), phone(f"d{number}", origin).subscription()
        )
        assert status == 201
    assert PushSubscription.objects.count() == 4


@pytest.mark.django_db
def test_a_device_another_patient_registered_moves_to_whoever_asked_last(
    clinic_people: SimpleNamespace, vapid: VapidPair
) -> None:
    first, second = clinic_people.patient_a, PatientFactory(primary_therapist=clinic_people.owner)
    shared = phone("tablet").subscription()
    assert post_subscription(logged_in(first), shared)[0] == 201
    assert post_subscription(logged_in(second), shared)[0] == 201
    assert PushSubscription.objects.get().patient == second
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.push_reminders, second.push_reminders) == (False, True)


@pytest.mark.django_db
def test_only_the_patient_can_turn_a_device_off(
    clinic_people: SimpleNamespace, vapid: VapidPair
) -> None:
    owner = clinic_people.patient_a
    assert post_subscription(logged_in(owner), phone().subscription())[0] == 201
    device = PushSubscription.objects.get()
    colleague = PatientFactory(primary_therapist=clinic_people.colleague)  # same clinic
    outsider = clinic_people.patient_b  # another clinic
    for someone in (colleague, outsider):
        client = logged_in(someone)
        assert client.post(reverse("push_device_remove", args=[device.pk])).status_code == 404
    therapist = verified_login(Client(), clinic_people.owner.user)  # staff: to the admin
    answer = therapist.post(reverse("push_device_remove", args=[device.pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("admin:index")
    assert PushSubscription.objects.filter(pk=device.pk).exists()
    assert logged_in(owner).get(reverse("push_device_remove", args=[device.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner.user)
    assert strict.post(reverse("push_device_remove", args=[device.pk])).status_code == 403
    assert post_subscription(strict, phone("other").subscription())[0] == 403
    assert PushSubscription.objects.count() == 1


@pytest.mark.django_db
def test_the_service_worker_is_served_at_the_root_to_anyone(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # The offline worker (templates/portal/service-worker.js) loads the push handlers.
    assert re.search(
        r'importScripts\("/static/portal/sw-push\.[0-9a-f]+\.js"\)', response.content.decode()
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@pytest.mark.django_db
def test_no_generated_body_is_taken_or_breaks_the_page(
    clinic_people: SimpleNamespace, vapid: VapidPair
) -> None:
    """Anything but a subscription, shaped like one or not: a 400 with words, never a row."""
    client = logged_in(clinic_people.patient_a)
    keys = phone().subscription()["keys"]
    bodies = st.one_of(
        JSON,
        st.fixed_dictionaries({"endpoint": st.text(max_size=80), "keys": JSON}),
        st.fixed_dictionaries(
            {
                "endpoint": st.sampled_from(["https://fcm.googleapis.com/x", "http://127.0.0.1/x"]),
                "keys": st.fixed_dictionaries(
                    {"p256dh": st.text(max_size=90), "auth": st.just(keys["auth"])}
                )
                | st.fixed_dictionaries(
                    {"p256dh": st.just(keys["p256dh"]), "auth": st.text(max_size=30)}
                ),
            }
        ),
    )

    @examples(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(body=bodies)
    def post_one(body: object) -> None:
        status, answer = post_subscription(client, body)
        assert status == 400, (status, body)
        assert answer["error"].endswith("."), answer

    post_one()
    assert not PushSubscription.objects.exists()
