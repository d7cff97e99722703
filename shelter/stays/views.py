from flask import Blueprint

bp = Blueprint("stays", __name__, url_prefix="/stays")
