"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``, assembled from its parts.

Each part gives ``schemas()`` and ``paths()``: the core (``openapi_core``: facilities, beds, residents,
stays, holds) and one per feature (assessments, plans, programmes, referrals). The parts build on
``openapi_parts`` alone and never import this module, so a new feature adds a part and one line in
``PARTS``. The request schemas here are the ones the views validate bodies against
(``shelter.api.schema``), and the tests check every live response against the response schemas, so
the document is the contract and not a description written after the fact. Response schemas forbid
properties they do not list: an address or a NIK cannot slip into an answer without a test failing.

Written by hand, not generated from pydantic models (SpecTree, APIFlask): those give every property a
title, nullable fields as anyOf, enums and models as their own (hash-named) components and a 422 of
their own that carries the value typed; matching this document would take more code than it saves.
"""

from __future__ import annotations

from functools import cache

from shelter.api import (openapi_assessments, openapi_core, openapi_plans, openapi_programmes,
                         openapi_referrals, openapi_reports)
from shelter.api.openapi_core import PER_PAGE

__all__ = ["PER_PAGE", "PARTS", "document"]  # PER_PAGE: the residents list's page size, for the views

PARTS = (openapi_core, openapi_assessments, openapi_plans, openapi_programmes, openapi_referrals, openapi_reports)

DESCRIPTION = (
    "Beds, residents and stays of Jakarta's social-service shelters. Send a token from "
    "`flask tokens create EMAIL` as `Authorization: Bearer …`; it acts as its user, with the "
    "user's roles and facilities. A browser session works too, with the X-CSRFToken header on "
    "changes. Records outside your facilities are 404, never 403. Errors are "
    "`{\"error\": {\"code\", \"message\"}}`; 422 adds `fields` ({field: code}: required, "
    "invalid_type, invalid_choice, out_of_range, too_long, invalid_format, control_characters, "
    "hidden_characters, unknown_field, …). Text may not hold control characters (multi-line fields "
    "may hold tabs and line breaks); one-line text (names, codes) is NFKC-normalised and may not "
    "hold hidden characters (bidi controls, zero-width spaces). Messages are in English; codes are "
    "stable. Referral partners' systems use a partner token from `flask partners token PARTNER_ID` "
    "(`shelp_…`): it reaches only the operations that list the partner security scheme, and there "
    "only its own partner's referrals; any other operation answers 401 as without a token."
)


def merged(part: str) -> dict:
    """Every part's schemas or paths in one map, refusing a name defined twice."""
    found: dict = {}
    for module in PARTS:
        extra = getattr(module, part)()
        clash = found.keys() & extra.keys()
        if clash:
            raise RuntimeError(f"OpenAPI {part} defined twice: {sorted(clash)}")
        found.update(extra)
    return found


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shelter API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": merged("paths"),
        "components": {
            "schemas": merged("schemas"),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "shelter_session"},
                "partner": {"type": "http", "scheme": "bearer",
                            "description": "A referral partner's token (shelp_…): its own referrals only."},
            },
        },
    }
