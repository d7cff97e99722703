"""`flask …` commands: users, demo data."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from shelter.auth import service as auth
from shelter.auth.models import Role, User
from shelter.auth.passwords import PasswordRejected, check_policy
from shelter.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Invented demo data.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--facility", "facility_codes", multiple=True, help="Facility code; repeat for several.")
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email's local part).")
def create_user(email, roles, facility_codes, full_name):
    """Create a user; the password comes from a prompt, or one line of standard input."""
    password = _read_password()
    try:
        check_policy(password)
    except PasswordRejected as rejected:
        raise click.ClickException(
            "password too short (at least 10 characters)" if rejected.reason == "too_short"
            else "password too long (at most 128 characters)"
        ) from None
    try:
        facilities = auth.facilities_by_code(facility_codes)
        user = auth.create_user(
            email=email, full_name=full_name or email.split("@")[0], password=password,
            roles=roles, facilities=facilities, must_change_password=False,
        )
    except auth.EmailTaken:
        raise click.ClickException(f"a user with email {auth.normalise_email(email)} already exists") from None
    except auth.UnknownFacility as unknown:
        raise click.ClickException(f"no facility with code {unknown.code}") from None
    db.session.commit()
    click.echo(f"created user {user.email} ({', '.join(sorted(user.roles))})")


@users_cli.command("list")
def list_users():
    """List users with their roles and facilities."""
    users = db.session.scalars(sa.select(User).order_by(User.email)).all()
    for user in users:
        state = "active" if user.active else "inactive"
        facilities = ",".join(f.code for f in user.facilities) or "-"
        click.echo(f"{user.email}\t{','.join(sorted(user.roles))}\t{facilities}\t{state}")
    if not users:
        click.echo("no users yet")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def load_demo(if_empty):
    """Load invented facilities, rooms, beds and one demo account per role."""
    from shelter import demo

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("demo: database already has users; nothing loaded")
        return
    try:
        credentials = demo.load()
    except demo.DemoAlreadyLoaded:
        raise click.ClickException("demo data is already loaded") from None
    path = demo.write_credentials(credentials)
    click.echo("Demo data loaded. Log in with one of these accounts (passwords are shown only now;")
    click.echo(f"they are also kept in {path}):")
    for role, email, password in credentials:
        click.echo(f"  {role:<17} {email:<32} {password}")


def init_app(app: Flask) -> None:
    from shelter.api.cli import partners_cli, tokens_cli
    from shelter.keys import keys_cli
    from shelter.scheduler.cli import scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(partners_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(keys_cli)
