"""A scheduler process for the tests: ``flask scheduler run``'s entry point with test knobs.

    python -m tests.scheduler.scheduler_process [--interval JOB=SECONDS …] [--lock-retry SECONDS]
                                                [--fake-twilio BASE_URL]

Settings come from the environment exactly as for ``flask scheduler run`` (``create_app()`` reads
them); the options only shorten the jobs' intervals and the lock retry (so a test takes seconds,
not minutes) and point the Twilio SDK at the fake Twilio through its HTTP-client hook.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scheduler_process")
    parser.add_argument("--interval", action="append", default=[], metavar="JOB=SECONDS")
    parser.add_argument("--lock-retry", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--fake-twilio", default=None, metavar="BASE_URL")
    args = parser.parse_args(argv)

    from shelter import create_app
    from shelter.scheduler.runner import LOCK_RETRY_SECONDS, configure_logging, run_scheduler

    intervals = {}
    for item in args.interval:
        name, _, seconds = item.partition("=")
        intervals[name] = float(seconds)
    app = create_app()
    if args.fake_twilio:
        from tests.notifications.fake_twilio import FakeTwilioHttpClient

        app.extensions["twilio_http_client"] = FakeTwilioHttpClient(args.fake_twilio)
    configure_logging()
    with app.app_context():  # as under the flask CLI
        run_scheduler(app, intervals=intervals,
                      lock_retry_seconds=args.lock_retry if args.lock_retry is not None else LOCK_RETRY_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
