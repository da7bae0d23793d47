"""Two checkouts of the portal, each under `make run` on the same machine, each with reminders
due: each sends its own reminders, and no other's (they never share a queue)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.redis_server import free_port
from tests.mail import SmtpSink
from tests.portal.test_run import stop_with_ctrl_c, wait_for_worker
from tests.processes import ARTIFACTS, BASE_DIR

pytestmark = pytest.mark.slow

# Run in each checkout with `manage.py shell`, once its `make run` is up: a clinic whose
# patients' reminders came due five minutes ago. With SENT_DAYS, each patient's reminders of the
# days before are there too, already sent: the two checkouts' due reminders then have different
# ids, so a worker that took the other checkout's message would find nothing of its own to send.
DUE_PATIENTS = """
import os
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from exercises.models import ProgramTemplate
from patients.models import EVERY_DAY, Clinic, Patient, Reminder, Therapist, User
from patients.services import prescription_create_from_template

domain = os.environ["CLINIC_DOMAIN"]
patients, history = int(os.environ["DUE_PATIENTS"]), int(os.environ["SENT_DAYS"])
now = timezone.now()
zone = next(
    name
    for name in [f"Etc/GMT{sign}{hours}" for hours in range(1, 13) for sign in "+-"] + ["Etc/UTC"]
    if 10 <= now.astimezone(ZoneInfo(name)).hour < 14
)
local_now = now.astimezone(ZoneInfo(zone))
clinic = Clinic.objects.create(name=f"Clinic {domain}", time_zone=zone)
therapist = Therapist.objects.create(
    user=User.objects.create_user(f"therapist@{domain}", is_staff=True), clinic=clinic
)
template = ProgramTemplate.objects.get(slug="glute-bridge-program")
for number in range(1, patients + 1):
    patient = Patient.objects.create(
        user=User.objects.create_user(f"patient{number}@{domain}", first_name=f"Patient {number}"),
        clinic=clinic,
        primary_therapist=therapist,
        time_zone=zone,
    )
    prescription = prescription_create_from_template(
        patient=patient,
        therapist=therapist,
        template=template,
        start_date=local_now.date() - timedelta(days=history + 1),
        days_mask=EVERY_DAY,
        reminder_time=(local_now - timedelta(minutes=5)).time().replace(second=0, microsecond=0),
    )
    for days_ago in range(history, 0, -1):
        Reminder.objects.create(
            prescription=prescription,
            patient=patient,
            local_date=local_now.date() - timedelta(days=days_ago),
            due_at=now - timedelta(days=days_ago),
            delivery=Reminder.Delivery.SENT,
            sent_at=now - timedelta(days=days_ago),
        )
"""

# Today's reminders in a checkout's database: their ids and whether each went out.
TODAYS_REMINDERS = """
from datetime import timedelta

from django.utils import timezone

from patients.models import Reminder

today = Reminder.objects.filter(due_at__gte=timezone.now() - timedelta(hours=12))
print(sorted(today.values_list("pk", "delivery")))
"""


NOT_INHERITED = {
    *("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"),
    *("STATIC_ROOT", "SITE_URL"),
}


@dataclass
class Checkout:
    folder: Path
    domain: str
    port: int
    sink: SmtpSink
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **overrides: str) -> dict[str, str]:
        # As a developer's shell would have it: no REDIS_URL, no DATABASE_URL (each checkout
        # has its own db.sqlite3), the mail going to this checkout's own SMTP sink.
        env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        env.update(EMAIL_URL=self.sink.email_url, PYTHONUNBUFFERED="1", **overrides)
        return env

    def manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.folder,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "portal.run", "--port", str(self.port), "--no-demo"],
                cwd=self.folder,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def redis_line(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            found = re.search(r"^  Redis: (\S+) \((.+)\)$", self.log.read_text(), re.MULTILINE)
            if found:
                return found.group(0).strip()
            time.sleep(0.2)
        pytest.fail(f"`make run` did not announce its Redis:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_with_ctrl_c(self.process, self.log)


def copy_checkout(destination: Path) -> Path:
    """The portal's files as they are in this working tree, without its .venv, database, .run."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = BASE_DIR / name
        if source.is_file() and not source.is_symlink():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def test_two_checkouts_under_make_run_each_send_their_own_reminders(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with SmtpSink() as sink_a, SmtpSink() as sink_b:
        checkouts = [
            Checkout(
                copy_checkout(tmp_path / name), f"{name}.test", free_port(), sink,
                ARTIFACTS / f"make-run-{name}.log",
            )
            for name, sink in (("clinic-a", sink_a), ("clinic-b", sink_b))
        ]  # fmt: skip
        try:
            for checkout in checkouts:
                checkout.start()
            redis_lines = [checkout.redis_line() for checkout in checkouts]
            urls = [line.split()[1] for line in redis_lines]
            assert urls[0] != urls[1], redis_lines
            for checkout in checkouts:
                wait_for_worker(checkout.site, checkout.process, checkout.log)

            a, b = checkouts
            for checkout, sent_days in ((a, "0"), (b, "2")):
                checkout.manage(
                    "shell", "-v", "0", "-c", DUE_PATIENTS,
                    CLINIC_DOMAIN=checkout.domain, DUE_PATIENTS="3", SENT_DAYS=sent_days,
                )  # fmt: skip
            # One tick by hand in each, as an operator would, handed to that run's Redis.
            for checkout, url in zip(checkouts, urls, strict=True):
                handed = checkout.manage("send_due_reminders", REDIS_URL=url)
                assert "handed to the workers: 3 reminder(s)" in handed, handed

            for checkout in checkouts:
                own = [f"patient{number}@{checkout.domain}" for number in (1, 2, 3)]
                assert checkout.sink.wait_for(3, timeout=30) == own, checkout.log.read_text()
            todays = [c.manage("shell", "-v", "0", "-c", TODAYS_REMINDERS) for c in checkouts]
            assert todays == [
                "[(1, 'sent'), (2, 'sent'), (3, 'sent')]\n",
                "[(7, 'sent'), (8, 'sent'), (9, 'sent')]\n",
            ]
        finally:
            for checkout in checkouts:
                checkout.stop()
        time.sleep(1)  # anything late would arrive now
        assert sink_a.recipients() == [f"patient{n}@clinic-a.test" for n in (1, 2, 3)]
        assert sink_b.recipients() == [f"patient{n}@clinic-b.test" for n in (1, 2, 3)]
    for checkout, line in zip(checkouts, redis_lines, strict=True):
        assert line.endswith("(embedded, started for this run)"), line
        assert "Redis: redis://127.0.0.1:6379/" not in checkout.log.read_text()
