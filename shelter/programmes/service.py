"""Skills programmes (stub: filled in by the programmes work)."""

from __future__ import annotations


def end_enrolments_for_stay(stay, *, by_id: int | None, reason: str) -> int:
    """Called when a stay closes (discharge, or a move to another facility): ends active enrolments."""
    return 0
