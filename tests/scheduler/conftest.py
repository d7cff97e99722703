"""Real scheduler processes over the test's database.

``start_scheduler()`` starts ``flask scheduler run`` (``cli=True``) or the same entry point through
``tests/scheduler/scheduler_process.py`` with short intervals; every process is stopped at the end
of the test, killed if it must be. Its settings come from the environment, as in production:
the test's migrated database (a SQLite file in tmp_path, or the worker's PostgreSQL database),
the console SMS backend unless a test says otherwise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from shelter.config import setting_names
from shelter.extensions import db
from shelter.notifications.models import OutboundMessage

REPO = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
BOOT_TIMEOUT = 30
# What the scheduler's log says (shelter.scheduler.runner).
STARTED = "scheduler started"
TAKES_OVER = "this one takes over"
STOPPED = "scheduler stopped"
FAST = {"deliver_outbox": 0.2, "send_reminders": 0.3, "expire_holds": 1, "evaluate_capacity": 1}


class SchedulerProcess:
    def __init__(self, args: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(args, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def count(self, text: str) -> int:
        return self.output.count(text)

    def wait_for(self, text: str, timeout: float = BOOT_TIMEOUT, times: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.count(text) < times:
            if self.process.poll() is not None:
                pytest.fail(f"scheduler exited ({self.process.returncode}) before {text!r}:\n{self.output[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {text!r} after {timeout}s:\n{self.output[-3000:]}")
            time.sleep(0.05)

    def terminate(self, timeout: float = 10, *, group: bool = False) -> float:
        """SIGTERM (to its children too with ``group``); seconds until the process had exited."""
        started = time.monotonic()
        if group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"scheduler still running {timeout}s after SIGTERM:\n{self.output[-3000:]}")
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        else:
            try:  # children (the reloader's server) may outlive their parent
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.kill()
        self._log.close()


@pytest.fixture
def scheduler_env(app) -> dict:
    """The environment of a scheduler process: none of the developer's Shelter settings leak in."""
    env = {key: value for key, value in os.environ.items() if key not in setting_names()}
    env.update(SHELTER_ENV="test", DATABASE_URL=app.config["SHELTER"].database_url, SMS_BACKEND="console",
               PYTHONUNBUFFERED="1",
               # the key the test wrote its data with (a test process makes up its own otherwise)
               FIELD_ENCRYPTION_KEYS=",".join(app.config["SHELTER"].field_encryption_keys))
    return env


@pytest.fixture
def start_scheduler(app, scheduler_env, tmp_path):
    """start_scheduler(cli=False, args=None, intervals=FAST, lock_retry=0.3, fake_twilio=None, travel=None, env={})

    ``cli=True``: the real ``flask scheduler run``; ``args``: another flask command (``flask *args``).
    """
    processes: list[SchedulerProcess] = []
    db.session.commit()  # the processes must see what the test body wrote

    def start(*, cli: bool = False, args: list[str] | None = None, intervals: dict | None = None, lock_retry: float = 0.3,
              fake_twilio: str | None = None, travel: str | None = None, env: dict | None = None,
              ) -> SchedulerProcess:
        if args is not None:  # another flask command
            args = [str(FLASK), *args]
        elif cli:
            args = [str(FLASK), "scheduler", "run"]
        else:
            args = [sys.executable, "-m", "tests.scheduler.scheduler_process", "--lock-retry", str(lock_retry)]
            for name, seconds in (FAST if intervals is None else intervals).items():
                args += ["--interval", f"{name}={seconds}"]
            if fake_twilio:
                args += ["--fake-twilio", fake_twilio]
            if travel:
                args += ["--travel", travel]
        log_path = tmp_path / f"scheduler-{len(processes) + 1}.log"
        process = SchedulerProcess(args, {**scheduler_env, **(env or {})}, log_path)
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.close()


def outbox() -> list[sa.Row]:
    """The outbox as it is in the database now, as plain rows (the test body's transaction ends first)."""
    db.session.rollback()
    m = OutboundMessage
    rows = db.session.execute(
        sa.select(m.id, m.dedupe_key, m.purpose, m.user_id, m.to_number, m.body, m.status, m.attempts)
        .order_by(m.id)
    ).all()
    db.session.rollback()
    return rows


def statuses() -> Counter:
    return Counter(message.status for message in outbox())


def wait_until(predicate, timeout: float = 20, interval: float = 0.1, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} not reached after {timeout}s")
        time.sleep(interval)
