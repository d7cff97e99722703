from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.get("/")
def index():
    return render_template("stub.html")

