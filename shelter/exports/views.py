"""Exports: start one from a list page (POST, CSRF), follow its progress, download its file, and the
user's own exports ("Ekspor saya"). Views are thin: ``service`` decides; NotFound is a 404 identical to
a missing page; names asked for without the right are refused (403) and nothing is written.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shelter.exports import service
from shelter.exports.models import ExportStatus
from shelter.exports.selections import KINDS, NotFound
from shelter.extensions import db
from shelter.fragments import wants_fragment
from shelter.pagination import Page, clamp_page

bp = Blueprint("exports", __name__, url_prefix="/exports")
PER_PAGE = 20
CONTROL_FIELDS = {"kind", "format", "personal", "csrf_token"}
KIND_LABELS = {"residents": _l("Residents"), "stays": _l("Stays"), "followups": _l("Follow-ups"),
               "attendance": _l("Programme attendance"), "referrals": _l("Referrals")}


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _send(job, path):
    response = send_file(path, as_attachment=True, download_name=service.download_name(job), max_age=0,
                         conditional=False, etag=False)
    return _no_store(response)


@bp.post("/")
def start():
    kind, fmt = request.form.get("kind", ""), request.form.get("format", "")
    filters = {k: v for k, v in request.form.items() if k not in CONTROL_FIELDS}
    try:
        job = service.start(current_user, kind, fmt, filters, include_personal=request.form.get("personal") == "1")
    except NotFound:
        abort(404)
    except service.PersonalNotAllowed:
        return render_template("exports/refused.html"), 403
    if job.status == ExportStatus.DONE.value:
        _job, path = service.download(current_user, job.token)
        db.session.commit()
        return _send(job, path)
    db.session.commit()
    return redirect(url_for("exports.show", token=job.token), code=303)


@bp.get("/<token>")
def show(token: str):
    try:
        job = service.find_own(current_user, token)
    except NotFound:
        abort(404)
    template = "exports/_progress.html" if wants_fragment() else "exports/show.html"
    return _no_store(make_response(render_template(template, job=job, expired=service.expired(job))))


@bp.get("/<token>/file")
def download(token: str):
    try:
        job, path = service.download(current_user, token)
    except NotFound:
        abort(404)
    db.session.commit()
    return _send(job, path)


@bp.get("/")
def mine():
    query = service.own_exports_query(current_user)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    number = clamp_page(request.args.get("page", 1, type=int), total, PER_PAGE)
    items = list(db.session.scalars(query.limit(PER_PAGE).offset((number - 1) * PER_PAGE)))
    page = Page(items=items, page=number, per_page=PER_PAGE, total=total)
    return render_template("exports/mine.html", page=page, kinds=KINDS, expired=service.expired)


@bp.app_template_global("export_personal_allowed")
def export_personal_allowed(kind: str, args) -> bool:
    return service.may_include_personal(current_user, kind, args)


@bp.app_template_global("export_kind_label")
def export_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
