from flask import Blueprint, render_template

from shelter.access import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@admin_required
def index():
    return render_template("audit/index.html")
