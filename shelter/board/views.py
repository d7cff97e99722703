from flask import Blueprint

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.get("/")
def index():
    return "", 204
