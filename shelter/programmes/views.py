from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


@bp.get("/")
def index():
    return render_template("stub.html")

