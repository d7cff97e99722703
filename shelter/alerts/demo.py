"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents."""

from __future__ import annotations


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    return None
