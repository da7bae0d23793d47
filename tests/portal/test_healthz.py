from __future__ import annotations

import json
import subprocess
import sys

import pytest
import redis
from django.conf import settings
from django.test import Client, override_settings

from portal import health
from portal.redis_server import free_port
from tests.processes import BASE_DIR, process_env


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_redis_answer(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_redis_does_not_answer(client: Client) -> None:
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] == {"ok": False, "detail": "unreachable"}
    assert body["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=process_env(
            DATABASE_URL="postgres://postgres@127.0.0.1:1/portal", ALLOWED_HOSTS="testserver"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 503
    assert outcome["body"]["database"]["ok"] is False
    assert outcome["body"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_refuses_other_methods(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.slow
@pytest.mark.django_db
def test_task_sent_by_the_web_process_is_run_by_a_real_worker(
    client: Client, portal_worker
) -> None:
    response = client.get("/healthz", {"worker": "1"})
    assert response.status_code == 200, response.content
    assert response.json()["worker"] == {"ok": True, "detail": "ok"}
    assert "portal.ping" in portal_worker.log()


def test_worker_check_fails_when_no_worker_listens() -> None:
    check = health.check_worker(timeout=1, queue="no-worker-listens-here")
    assert check.ok is False
    assert "no worker answered" in check.detail


def _queued_tasks() -> int:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        return sum(
            client.llen(key) for key in client.keys("celery*") if client.type(key) == b"list"
        )
    finally:
        client.close()


@pytest.mark.django_db
def test_an_anonymous_caller_from_elsewhere_cannot_make_the_portal_queue_a_task(
    client: Client,
) -> None:
    before = _queued_tasks()
    response = client.get("/healthz", {"worker": "1"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert "HEALTHZ_TOKEN" in response.json()["detail"]
    # Behind a reverse proxy every caller looks local: a relayed request is not trusted either.
    relayed = client.get(
        "/healthz", {"worker": "1"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert relayed.status_code == 403
    wrong = client.get(
        "/healthz", {"worker": "1"}, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope"
    )
    assert wrong.status_code == 403
    assert _queued_tasks() == before
    # The plain check stays open to a load balancer.
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").status_code == 200


@pytest.mark.slow
@pytest.mark.django_db
def test_an_uptime_service_with_the_token_checks_the_worker(
    client: Client, portal_worker, settings
) -> None:
    settings.HEALTHZ_TOKEN = "uptime-secret-for-the-tests"
    response = client.get(
        "/healthz",
        {"worker": "1"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer uptime-secret-for-the-tests",
    )
    assert response.status_code == 200, response.content
    assert response.json()["worker"]["ok"] is True
