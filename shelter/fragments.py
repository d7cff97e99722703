"""Page or fragment: what every view that htmx calls needs to answer both ways.

One URL answers with the whole page, or (for htmx) only the fragment it swaps; flash messages
then travel out of band into ``#flash``. htmx 2 does not swap 4xx answers, so a form re-rendered
with errors goes back to htmx as 200 and to a plain browser post as 422.
"""

from __future__ import annotations

from flask import render_template, request

UNPROCESSABLE = 422


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (not a boosted link or a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def error_status(plain: int = UNPROCESSABLE) -> int:
    return 200 if wants_fragment() else plain


def flash_oob() -> str:
    """Pending flash messages, to append to a fragment: they replace ``#flash`` out of band."""
    return render_template("_flash_oob.html")


def _vary_on_htmx(response):
    # The same URL answers with a page or a fragment: caches must tell them apart.
    if request.endpoint != "static":
        response.vary.add("HX-Request")
    return response


def init_app(app) -> None:
    app.after_request(_vary_on_htmx)
