"""``flask scheduler run`` (production: exactly one beside gunicorn) and ``flask scheduler dev-server``
(what ``make run`` starts: the development server with the scheduler in a thread of the serving process)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="The scheduler process: SMS outbox, reminders, hold expiry, capacity.")


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler in the foreground (one per installation; a second one idles).

    Stops on SIGTERM or SIGINT after a running job has finished.
    """
    from shelter.scheduler.runner import configure_logging, run_scheduler

    configure_logging()
    run_scheduler(current_app._get_current_object())


@scheduler_cli.command("dev-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reload/--no-reload", default=None, help="Restart on code changes (default: with --debug).")
def dev_server(host: str, port: int, reload: bool | None) -> None:
    """The development server, with the scheduler in-process when SCHEDULER_IN_PROCESS is true.

    The scheduler starts only in the process that serves requests (with the reloader, the child),
    under the same lock as ``flask scheduler run``. Not for production: there, run gunicorn and one
    ``flask scheduler run``.
    """
    from werkzeug.serving import is_running_from_reloader, run_simple

    from shelter.scheduler.runner import configure_logging, start_in_thread

    app = current_app._get_current_object()
    config = app.config["SHELTER"]
    if config.env == "production":
        raise click.ClickException(
            "the development server is not for production: run gunicorn and one `flask scheduler run` "
            "(see the README's production layout)"
        )
    reload = app.debug if reload is None else reload
    configure_logging()
    serving_process = not reload or is_running_from_reloader()
    if serving_process:
        if config.scheduler_in_process:
            start_in_thread(app)
        else:
            click.echo(" * Scheduler not started (SCHEDULER_IN_PROCESS is false): SMS, reminders and hold "
                       "expiry need `flask scheduler run` in another terminal.")
    run_simple(host, port, app, use_reloader=reload, use_debugger=app.debug, threaded=True)
