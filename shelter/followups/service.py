"""Follow-ups after reunification (stub: filled in by the follow-ups work)."""

from __future__ import annotations


def schedule_after_discharge(stay, *, by) -> list:
    """Called by ``stays.service.discharge`` in its transaction for reunified / returned-home outcomes."""
    return []
