from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("followups", __name__, url_prefix="/follow-ups")


@bp.get("/mine")
def mine():
    return render_template("stub.html")


@bp.get("/")
def index():
    return render_template("stub.html")

