from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("plans", __name__, url_prefix="/plans")

