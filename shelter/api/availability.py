"""JSON API v1: GET /availability, the stored counts of every active facility (counts only, any signed-in
user), with the board's filters, in pages, and an ETag from the data's version: a client that sends
If-None-Match with the last answer's ETag gets a 304 after one small query while nothing changed."""

from __future__ import annotations

from flask import Response, jsonify, request

from shelter.api import serialise
from shelter.api.errors import invalid
from shelter.api.views import bp, page_number
from shelter.availability import cache, lookup
from shelter.db import utcnow
from shelter.facilities.models import FacilityKind, Kota
from shelter.stays.queries import CATEGORIES

AVAILABILITY_PER_PAGE = 50
MIN_FREE_MAX = 999


def _integer(name: str, default: int, low: int, high: int, problems: dict) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):
        problems[name] = "invalid_type"
        return default
    if not (len(raw) <= 6 and low <= int(raw) <= high):
        problems[name] = "out_of_range"
        return default
    return int(raw)


def availability_query() -> tuple[lookup.Query, int]:
    """The filters and the page size from the query string; 422 naming each bad parameter."""
    args, problems = request.args, {}
    kota, kind, category = args.get("kota", ""), args.get("kind", ""), args.get("category", "")
    if kota and kota not in {k.value for k in Kota}:
        problems["kota"] = "invalid_choice"
    if kind and kind not in {k.value for k in FacilityKind}:
        problems["kind"] = "invalid_choice"
    if category and category not in CATEGORIES:
        problems["category"] = "invalid_choice"
    accessible = args.get("accessible", "false")
    if accessible not in ("true", "false"):
        problems["accessible"] = "invalid_choice"
    min_free = _integer("min_free", 0, 0, MIN_FREE_MAX, problems)
    per_page = _integer("per_page", AVAILABILITY_PER_PAGE, 1, lookup.MAX_PER_PAGE, problems)
    if problems:
        raise invalid(problems)
    return lookup.Query(kota=kota, kind=kind, category=category, accessible=accessible == "true",
                        min_free=min_free), per_page


@bp.get("/availability")
def availability():
    query, per_page = availability_query()
    page = page_number()
    etag = lookup.etag(lookup.version(), "api", request.query_string.decode("latin-1"))
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response

    def build() -> dict:
        found = lookup.facilities(query, page=page, per_page=per_page)
        return {
            "facilities": [serialise.availability(entry) for entry in found.entries],
            "generated_at": serialise.iso(utcnow()),
            "page": found.page, "per_page": found.per_page, "total": found.total,
            "has_next": found.page < found.pages,
        }

    # Counts only, the same for every user: built once per version and query (availability.cache).
    # generated_at is then the time the counts were read, which they still are.
    response = jsonify(cache.cached("api:" + etag, build))
    response.set_etag(etag)
    return response
