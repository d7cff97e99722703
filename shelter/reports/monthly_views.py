"""The monthly report (laporan bulanan): the A4 page to print, its PDF and XLSX, and the sign-off.

Always in Bahasa Indonesia (it goes to the Dinas), whatever the user's language. ``version=N`` in
the URL gives signed version N exactly as signed (its snapshot); without it, today's figures. The
page, the PDF and the XLSX of one URL are drawn from the same ``Report``, the page and the PDF from
the same template. Downloads are named by the scope's key and the month (never a name), are not
cached, and are audited. Signing goes through a confirmation page showing the figures signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.i18n import datetime_filter
from shelter.localtime import local_today
from shelter.reports import common, figures, pdf, scopes, signoff, snapshot, xlsx
from shelter.reports.model import Period, Report, ReportScope, ScopeLevel
from shelter.reports.models import ReportSignoff
from shelter.reports.views import bp

LANGUAGE = "id"
VERSION_DIGITS = 6


@dataclass
class Document:
    scope: ReportScope
    period: Period
    report: Report
    signed: ReportSignoff | None  # the signed version shown, or None for today's figures
    versions: list[ReportSignoff] = field(default_factory=list)
    digest: str = ""  # today's figures' fingerprint (not for a signed version)

    @property
    def args(self) -> dict:
        return {**scopes.scope_args(self.scope), **scopes.period_args(self.period)}

    @property
    def latest(self) -> ReportSignoff | None:
        return self.versions[-1] if self.versions else None

    @property
    def up_to_date(self) -> bool:
        """Today's figures are the latest signed version's."""
        return self.signed is None and self.latest is not None and self.latest.digest == self.digest


def _month_or_404(args) -> Period:
    if args.get("start") or args.get("end"):
        abort(404)
    try:
        period = scopes.parse_period(args, today_wib=local_today())
    except scopes.BadReportRequest:
        abort(404)
    return period


def _version_or_404(args) -> int | None:
    raw = args.get("version", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= VERSION_DIGITS and int(raw) > 0):
        abort(404)
    return int(raw)


def _document(args) -> Document:
    """Call inside ``force_locale(LANGUAGE)``: the figures' titles are translated as they are built."""
    scope = common.scope_or_404(args)
    period = _month_or_404(args)
    version = _version_or_404(args)
    versions = signoff.versions(scope, period)
    if version is not None:
        signed = next((row for row in versions if row.version == version), None)
        if signed is None:
            abort(404)
        return Document(scope, period, snapshot.load(signed.snapshot), signed, versions)
    report = figures.build_report(current_user, scope, period)
    return Document(scope, period, report, None, versions, signoff.digest_of(report))


def _may_sign_now(doc: Document) -> bool:
    return (doc.signed is None and not doc.up_to_date and signoff.may_sign(current_user, doc.scope)
            and signoff.is_month(doc.period) and doc.period.end <= local_today())


def _status(doc: Document) -> str:
    shown = doc.signed or (doc.latest if doc.up_to_date else None)
    if shown is not None:
        return _("Signed: version %(num)d, by %(name)s, %(when)s", num=shown.version, name=shown.signed_by_name,
                 when=_when(shown))
    if doc.latest is not None:
        return _("Draft: the figures changed after version %(num)d was signed.", num=doc.latest.version)
    return _("Draft: not signed yet.")


def _when(row: ReportSignoff) -> str:
    return datetime_filter(row.signed_at)


def _page(doc: Document, *, for_pdf: bool) -> str:
    return render_template("reports/monthly.html", doc=doc, report=doc.report, status=_status(doc),
                           may_sign=_may_sign_now(doc), for_pdf=for_pdf, printed_at=utcnow(),
                           signer_title=_("Head of the facility") if doc.scope.level is ScopeLevel.facility
                           else _("Dinas Sosial, DKI Jakarta Province"), when=_when)


def _audit_download(doc: Document, kind: str) -> None:
    audit.record("report.downloaded", facility_id=doc.scope.facility_id,
                 detail={"scope": doc.scope.key, "month": doc.period.start.strftime("%Y-%m"), "format": kind,
                         "version": doc.signed.version if doc.signed else None})
    db.session.commit()


@bp.get("/monthly")
def monthly():
    with force_locale(LANGUAGE):
        return _page(_document(request.args), for_pdf=False)


@bp.get("/monthly.pdf")
def monthly_pdf():
    with force_locale(LANGUAGE):
        doc = _document(request.args)
        body = pdf.render_pdf(_page(doc, for_pdf=True))
    _audit_download(doc, "pdf")
    return common.download(body, common.file_name(doc.scope, doc.period, "pdf", doc.signed and doc.signed.version),
                           "pdf")


@bp.get("/monthly.xlsx")
def monthly_xlsx():
    with force_locale(LANGUAGE):
        doc = _document(request.args)
        body = xlsx.build_xlsx(doc.report, period_label=common.period_label(doc.period), status=_status(doc))
    _audit_download(doc, "xlsx")
    return common.download(body, common.file_name(doc.scope, doc.period, "xlsx",
                                                   doc.signed and doc.signed.version), "xlsx")


def _signable_or_404(args) -> Document:
    if "version" in args:
        abort(404)
    with force_locale(LANGUAGE):
        doc = _document(args)
    if not signoff.may_sign(current_user, doc.scope) or not signoff.is_month(doc.period):
        abort(404)
    return doc


@bp.get("/monthly/sign")
def sign_confirm():
    doc = _signable_or_404(request.args)
    with force_locale(LANGUAGE):
        status = _status(doc)
    return render_template("reports/sign.html", doc=doc, report=doc.report, status=status,
                           month_over=doc.period.end <= local_today())


@bp.post("/monthly/sign")
def sign():
    doc = _signable_or_404(request.form)
    back = url_for("reports.monthly", **doc.args)
    try:
        row = signoff.sign(doc.report, by=current_user, seen_digest=request.form.get("digest", ""),
                           today_wib=local_today())
    except signoff.AlreadySigned as error:
        flash(_("Version %(num)d already has exactly these figures: nothing new to sign.",
                num=error.signoff.version), "info")
        return redirect(url_for("reports.monthly", **doc.args, version=error.signoff.version))
    except signoff.FiguresChanged:
        flash(_("The figures changed while you were reading them. Check them again, then sign."), "error")
        return redirect(url_for("reports.sign_confirm", **doc.args))
    except signoff.MonthNotOver:
        flash(_("This month is not over yet: its report can be signed from the first day of the next month."),
              "error")
        return redirect(back)
    except signoff.SignedConcurrently:
        db.session.rollback()
        flash(_("Someone signed this report at the same moment. Look at the latest version."), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Monthly report signed: version %(num)d.", num=row.version), "success")
    return redirect(url_for("reports.monthly", **doc.args, version=row.version))
