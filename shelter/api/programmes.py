"""JSON API v1 routes of programmes (added to the API blueprint; described in ``openapi_programmes``)."""

from __future__ import annotations

from shelter.api.views import bp  # noqa: F401
