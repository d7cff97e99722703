"""A scheduler process for the tests: ``flask scheduler run``'s entry point with test knobs.

    python -m tests.scheduler.scheduler_process [--interval JOB=SECONDS …] [--lock-retry SECONDS]
                                                [--fake-twilio BASE_URL] [--travel ISO_DATETIME]

Settings come from the environment exactly as for ``flask scheduler run`` (``create_app()`` reads
them); the options only shorten the jobs' intervals and the lock retry (so a test takes seconds,
not minutes), point the Twilio SDK at the fake Twilio through its HTTP-client hook, and move the
process's clock (time-machine, ticking on from the given moment: e.g. 08:30 WIB on a due day).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scheduler_process")
    parser.add_argument("--interval", action="append", default=[], metavar="JOB=SECONDS")
    parser.add_argument("--lock-retry", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--fake-twilio", default=None, metavar="BASE_URL")
    parser.add_argument("--travel", default=None, metavar="ISO_DATETIME")
    args = parser.parse_args(argv)
    if args.travel:
        from datetime import datetime

        import time_machine

        time_machine.travel(datetime.fromisoformat(args.travel), tick=True).start()

    from shelter import create_app
    from shelter.scheduler.runner import LOCK_RETRY_SECONDS, configure_logging, run_scheduler

    intervals = {}
    for item in args.interval:
        name, _, seconds = item.partition("=")
        intervals[name] = float(seconds)
    app = create_app()
    if args.fake_twilio:
        from tests.notifications.fake_twilio import FakeTwilioHttpClient

        app.extensions["twilio_http_client"] = FakeTwilioHttpClient(args.fake_twilio, timeout=5.0)
    configure_logging()
    with app.app_context():  # as under the flask CLI
        run_scheduler(app, intervals=intervals,
                      lock_retry_seconds=args.lock_retry if args.lock_retry is not None else LOCK_RETRY_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
