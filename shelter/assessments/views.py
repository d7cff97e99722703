from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

