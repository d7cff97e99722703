from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("notifications", __name__, url_prefix="")


@bp.get("/admin/outbox")
def outbox():
    return render_template("stub.html")


@bp.get("/account/sms")
def preferences():
    return render_template("stub.html")

