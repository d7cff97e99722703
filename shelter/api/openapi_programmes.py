"""The OpenAPI schemas and paths of the programmes endpoints, merged into ``openapi.document()``."""

from __future__ import annotations


def schemas() -> dict:
    return {}


def paths() -> dict:
    return {}
