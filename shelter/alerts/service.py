"""Capacity alerts (stub: filled in by the alerts work)."""

from __future__ import annotations


def evaluate_facility(facility_id: int, *, now=None) -> None:
    """Called in the transaction of every change of free beds (admit, transfer, discharge, holds, bed status)."""
    return None
