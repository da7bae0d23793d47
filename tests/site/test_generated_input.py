"""Generated input (hypothesis) against every form a patient posts and the admin forms therapists
use most: huge, empty, unicode digits, NUL, wrong types, bad dates, repeated fields. Whatever comes
in, the portal never answers with a server error, and an input it refuses changes no row.

Each form is read from its page as a browser would see it (field names and current values), then
posted with some fields kept, some replaced by generated values, some repeated and some left out,
so that the generated inputs reach past the first check of each form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises.models import Exercise
from patients.models import CheckOff, Clinic, ScreenRequest, Therapist
from tests.factories import TherapistFactory
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

# Values people and attackers type: numbers that are not ASCII, NUL, huge, negative, non-dates.
NASTY_WORDS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "²",
    "¹",
    "①",
    "٣",
    "߂",
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "3.5",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/2026",
    "25:61",
    "24:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "null",
    "[]",
    '{"a": 1}',
    "x" * 5000,
    "é" * 300,
    "\u202e\u200b",
    "on",
    "true",
]
NASTY = st.one_of(
    st.sampled_from(NASTY_WORDS),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(str),
    st.times().map(lambda t: t.isoformat()),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
SKIPPED_INPUT_TYPES = {"submit", "button", "reset", "image", "file"}
TOTAL_EXAMPLES_WANTED = 1000


@dataclass
class Target:
    """A form: the page that shows it (or fixed fields for a button-only form) and where it
    posts. `redisplay_refuses`: a 200 answer is the form shown again with its errors."""

    name: str
    post_url: str
    client: Client
    fields: dict[str, list[str]] = field(default_factory=dict)
    redisplay_refuses: bool = True
    htmx: bool = False
    # A share of the inputs in proportion to how cheap the form is to answer, so that the whole
    # run stays within a minute: the admin's pages and settings (599 time zones) cost the most.
    weight: int = 3
    posted: int = 0
    seconds: float = 0.0


def form_fields(html: str, selector: str | None = None) -> dict[str, list[str]]:
    """The fields a browser would post from the page's main form, with their current values."""
    soup = BeautifulSoup(html, "html.parser")
    forms = soup.select(selector) if selector else soup.find_all("form", method="post")
    form = max(forms, key=lambda f: len(f.find_all(["input", "select", "textarea"])))
    fields: dict[str, list[str]] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        values = fields.setdefault(name, [])
        if element.name == "select":
            chosen = element.find_all("option", selected=True) or element.find_all("option")[:1]
            values += [option.get("value", option.text) for option in chosen]
        elif element.name == "textarea":
            values.append(element.text)
        elif element.get("type") in SKIPPED_INPUT_TYPES:
            continue
        elif element.get("type") in {"checkbox", "radio"}:
            if element.has_attr("checked"):
                values.append(element.get("value", "on"))
        else:
            values.append(element.get("value", ""))
    return fields


def _portal_models() -> list[Any]:
    return [
        model
        for label in ("patients", "exercises")
        for model in apps.get_app_config(label).get_models()
    ]


def snapshot() -> dict[str, Any]:
    """What the portal's own tables (people, patients' records, the library) hold. On PostgreSQL,
    the rows this test's transaction has inserted, updated or deleted in each (cheap, and it sees
    a write even of the same values); elsewhere every row."""
    models = _portal_models()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            rows = {}
            for model in models:
                table, pk = model._meta.db_table, model._meta.pk.column
                cursor.execute(f'SELECT * FROM "{table}" ORDER BY "{pk}"')  # noqa: S608 - our own tables
                rows[table] = hash(tuple(cursor.fetchall()))
            return rows
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in models]],
        )
        return dict(cursor.fetchall())


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


@st.composite
def generated_post(draw: st.DrawFn, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    names = sorted(fields)
    extra = draw(st.lists(st.sampled_from(["session", "id", "pk", "patient", "x"]), max_size=1))
    for name in [*names, *extra]:
        how = draw(st.sampled_from(["keep", "keep", "nasty", "nasty", "leave out", "repeat"]))
        kept = fields.get(name, [])
        if how == "keep" and kept:
            data[name] = kept
        elif how == "nasty" or (how == "keep" and not kept):
            data[name] = [draw(NASTY)]
        elif how == "repeat":
            data[name] = [*(kept or [draw(NASTY)]), draw(NASTY)]
    return data


def post(target: Target, data: dict[str, list[str]]):
    headers = {"HTTP_HX_REQUEST": "true"} if target.htmx else {}
    return target.client.post(target.post_url, data, **headers)


def refused(target: Target, response) -> bool:
    if response.status_code in {400, 403, 404, 405, 409, 410, 413, 422, 429}:
        return True
    return response.status_code == 200 and target.redisplay_refuses


def logged_in(user) -> Client:
    client = Client()
    if user.is_staff:
        return verified_login(client, user)  # staff pass the code step, as they must
    client.force_login(user)
    return client


@pytest.fixture
def targets(runner: SimpleNamespace) -> list[Target]:
    patient = runner.patient_a
    patient_client = logged_in(patient.user)
    therapist_client = logged_in(runner.owner.user)
    clinic_admin = TherapistFactory(clinic=runner.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    admin_client = logged_in(clinic_admin.user)
    check_off = CheckOff.objects.create(
        patient=patient, prescribed_exercise=runner.bridge_a, local_date=patient.local_today()
    )
    screen = ScreenRequest.objects.create(
        patient=patient, screen=Exercise.objects.get(slug="single-leg-stance-eyes-open")
    )

    def page(client: Client, name: str, url: str, selector: str | None = None, **kw: Any):
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        post_url = kw.pop("post_url", url)
        if url.startswith("/admin/"):
            kw.setdefault("weight", 1)
        return Target(
            name, post_url, client, form_fields(response.content.decode(), selector), **kw
        )

    prescription = runner.patient_a.prescriptions.get()
    return [
        # The patient's forms.
        page(patient_client, "pain report", reverse("pain_report_new"), redisplay_refuses=False),
        page(patient_client, "settings", reverse("settings"), redisplay_refuses=False, weight=1),
        page(
            patient_client,
            "warning signs",
            reverse("safety_check"),
            redisplay_refuses=False,
            weight=6,
        ),
        page(
            patient_client,
            "screen result",
            reverse("screen_record", args=[screen.pk]),
            redisplay_refuses=False,
            weight=6,
        ),
        page(
            patient_client,
            "password change",
            reverse("password_change"),
            redisplay_refuses=True,
            weight=6,
        ),
        Target(
            "check-off",
            reverse("check_off", args=[runner.bridge_a.pk]),
            patient_client,
            {"session": ["1"]},
            redisplay_refuses=False,
            htmx=True,
        ),
        Target(
            "check-off rating",
            reverse("check_off_rate", args=[check_off.pk]),
            patient_client,
            {"difficulty": ["about_right"], "pain_during": ["2"]},
            redisplay_refuses=False,
            htmx=True,
        ),
        page(Client(), "login", reverse("login"), weight=6),
        page(Client(), "password reset", reverse("password_reset"), weight=6),
        # The admin's forms therapists and clinic admins use most.
        page(
            therapist_client,
            "admin: patient",
            reverse("admin:patients_patient_change", args=[patient.pk]),
            "#patient_form",
        ),
        page(
            therapist_client,
            "admin: new prescription",
            reverse("admin:patients_prescription_add"),
            "#prescription_form",
        ),
        page(
            therapist_client,
            "admin: prescription",
            reverse("admin:patients_prescription_change", args=[prescription.pk]),
            "#prescription_form",
        ),
        page(
            therapist_client,
            "admin: assign a programme",
            reverse("admin:patients_patient_assign") + f"?patients={patient.pk}",
        ),
        page(
            therapist_client,
            "admin: screen request",
            reverse("admin:patients_screenrequest_add"),
            "#screenrequest_form",
        ),
        page(
            therapist_client,
            "admin: new exercise",
            reverse("admin:exercises_exercise_add"),
            "#exercise_form",
        ),
        page(
            admin_client,
            "admin: new therapist",
            reverse("admin:patients_therapist_add"),
            "#therapist_form",
        ),
        page(
            admin_client,
            "admin: clinic",
            reverse("admin:patients_clinic_change", args=[runner.clinic_a.pk]),
            "#clinic_form",
        ),
    ]


def test_no_generated_input_causes_a_server_error_or_a_change_when_refused(
    targets: list[Target],
) -> None:
    started = time.monotonic()
    share = -(-TOTAL_EXAMPLES_WANTED // sum(target.weight for target in targets))
    problems: list[str] = []
    state = {"rows": snapshot()}

    def fuzz(target: Target) -> None:
        @settings(
            max_examples=share * target.weight,
            deadline=None,
            derandomize=True,  # the same inputs on every run: a failure in CI reproduces here
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=generated_post(target.fields))
        def post_one(data: dict[str, list[str]]) -> None:
            # Nothing else writes meanwhile: the state after one post is the next one's before.
            before = state["rows"]
            clock = time.monotonic()
            response = post(target, data)
            target.seconds += time.monotonic() - clock
            target.posted += 1
            state["rows"] = snapshot()
            if response.status_code >= 500:
                problems.append(f"{target.name}: HTTP {response.status_code} for {data!r}")
            elif refused(target, response):
                changed = changed_tables(before, state["rows"])
                if changed:
                    problems.append(f"{target.name}: refused but changed {changed} for {data!r}")

        post_one()

    for target in targets:
        fuzz(target)

    assert not problems, "\n".join(problems[:20])
    posted = {target.name: target.posted for target in targets}
    assert sum(posted.values()) >= TOTAL_EXAMPLES_WANTED, posted
    # every form had its share (hypothesis stops early only when it has tried every input)
    assert all(target.posted >= share * target.weight * 0.9 for target in targets), posted
    assert Clinic.objects.count() == 2  # nothing made a clinic by the way
    timings = {t.name: f"{t.posted} in {t.seconds:.1f} s" for t in targets}
    assert time.monotonic() - started < 60, f"{time.monotonic() - started:.0f} s: {timings}"
