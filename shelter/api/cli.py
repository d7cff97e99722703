import click
import sqlalchemy as sa
from flask.cli import AppGroup

from shelter.api.auth import issue_token, revoke_token
from shelter.api.models import ApiToken
from shelter.auth import service as auth
from shelter.extensions import db
from shelter.referrals.models import Partner
from shelter.referrals.tokens import TokenInvalid, issue_partner_token

tokens_cli = AppGroup("tokens", help="API tokens for partner systems.")


def _active_user(email):
    user = auth.get_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"no active user with email {auth.normalise_email(email)}")
    return user


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="sistem mitra", help="What the token is for, e.g. the partner system's name.")
def create_token(email, name):
    """Create an API token acting as the user EMAIL; it is printed once and not stored."""
    user = _active_user(email)
    token = issue_token(user, name)
    db.session.commit()
    click.echo(token)


@tokens_cli.command("list")
@click.argument("email")
def list_tokens(email):
    """The tokens of the user EMAIL: id, name, created, last used, revoked (never the token itself)."""
    user = auth.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {auth.normalise_email(email)}")
    rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    for row in rows:
        when = lambda value: value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"  # noqa: E731
        click.echo(f"{row.id}\t{row.name or '-'}\tcreated {when(row.created_at)}\tlast used {when(row.last_used_at)}"
                   f"\t{'revoked ' + when(row.revoked_at) if row.revoked_at else 'active'}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id):
    """Revoke the token with this id (see `flask tokens list EMAIL`); it stops working at once."""
    row = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if row is None:
        raise click.ClickException(f"no token with id {token_id}")
    if revoke_token(row):
        db.session.commit()
        click.echo(f"token {token_id} revoked")
    else:
        click.echo(f"token {token_id} was already revoked")


partners_cli = AppGroup("partners", help="Referral partners: tokens for their systems.")


@partners_cli.command("token")
@click.argument("partner_id", type=int)
@click.option("--name", default="sistem mitra", help="What the token is for, e.g. the partner system's name.")
def partner_token(partner_id, name):
    """Create a token for the partner PARTNER_ID's system: it posts and reads that partner's referrals
    only. Printed once and not stored."""
    partner = db.session.get(Partner, partner_id) if 0 < partner_id < 2**31 else None
    if partner is None or not partner.active:
        raise click.ClickException(f"no active partner with id {partner_id}")
    try:
        token = issue_partner_token(partner, name)
    except TokenInvalid:
        raise click.ClickException("the name must be 1 to 80 printable characters") from None
    db.session.commit()
    click.echo(token)
