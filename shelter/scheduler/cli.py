"""``flask scheduler run`` (stub: filled in by the scheduler work)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

scheduler_cli = AppGroup("scheduler", help="The scheduler process: SMS outbox, reminders, hold expiry, capacity.")


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler in the foreground (one per installation; a second one idles)."""
    click.echo("not yet")
