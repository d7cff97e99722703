from flask import Blueprint, render_template

from shelter.access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@admin_required
def users():
    return render_template("admin/users.html")
