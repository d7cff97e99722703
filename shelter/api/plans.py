"""JSON API v1 routes of plans (added to the API blueprint; described in ``openapi_plans``)."""

from __future__ import annotations

from shelter.api.views import bp  # noqa: F401
