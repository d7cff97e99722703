"""`make run`'s server (``flask scheduler dev-server``): the scheduler runs in the serving process
only (with the reloader: Werkzeug's child, not the watching parent), under the same lock as
``flask scheduler run``; never in production."""

from __future__ import annotations

import http.client
import socket

import pytest

from shelter import create_app
from shelter.config import Config
from shelter.scheduler.runner import IDLE_MESSAGE
from tests.scheduler.conftest import STARTED, statuses, wait_until
from tests.scheduler.test_process import queue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@pytest.mark.slow
def test_dev_server_with_reloader_runs_one_scheduler_in_its_serving_process(start_scheduler):
    queue(3, "dev")
    port = free_port()
    server = start_scheduler(args=["scheduler", "dev-server", "--port", str(port), "--reload"],
                             env={"SCHEDULER_IN_PROCESS": "true"})
    wait_until(lambda: healthy(port), timeout=40, message="the development server answering")
    wait_until(lambda: statuses() == {"sent": 3}, message="queued messages sent by the in-process scheduler")

    beside = start_scheduler()  # a `flask scheduler run` started by mistake beside `make run`
    beside.wait_for(IDLE_MESSAGE)

    assert server.count(STARTED) == 1  # the reloader's child; its parent started none
    assert IDLE_MESSAGE not in server.output
    assert beside.count(STARTED) == 0
    server.terminate(group=True)


def test_dev_server_refuses_production(app, monkeypatch):
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *a, **k: pytest.fail("served in production"))
    production = create_app(Config.for_tests(app.config["SHELTER"].database_url, env="production"))
    with production.app_context():  # the command runs in the current app context: this app's, not the test's
        result = production.test_cli_runner().invoke(args=["scheduler", "dev-server"])
    assert result.exit_code != 0
    assert "not for production" in result.output
