import click
from flask.cli import AppGroup

from shelter.api.auth import issue_token
from shelter.auth import service as auth
from shelter.extensions import db

tokens_cli = AppGroup("tokens", help="API tokens for partner systems.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. the partner system's name.")
def create_token(email, name):
    """Create an API token acting as the user EMAIL; it is printed once and not stored."""
    user = auth.get_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user with email {auth.normalise_email(email)}")
    token = issue_token(user, name)
    db.session.commit()
    click.echo(token)
