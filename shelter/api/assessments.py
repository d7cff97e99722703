"""JSON API v1 routes of assessments (added to the API blueprint; described in ``openapi_assessments``)."""

from __future__ import annotations

from shelter.api.views import bp  # noqa: F401
