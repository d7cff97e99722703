"""A rule's thresholds: when it goes low, when it is back to normal, and when it may alert again.

Hysteresis, so that one bed taken and freed again does not text anyone twice (issue 9: five
hold/release cycles on one bed had queued 30 SMS):

- *low* when free beds ≤ N (``max_free_beds``) or occupancy ≥ P % (``min_occupancy_percent``);
- *back to normal* only when free beds ≥ R (``recovery_free_beds``, R > N) and occupancy ≤ Q %
  (``recovery_occupancy_percent``, Q < P), for the thresholds the rule has;
- in between, the state stays what it was.

Defaults, for a form left empty and for the rules that existed before (migration 0013): R = N + 2,
Q = P − 10 (at least 0), and at most one "low" alert per hour (``min_interval_minutes``). A rule
that goes low again sooner is low at once on every page; its alert and SMS wait until the interval
is over and go out then (the scheduler's safety net evaluates every few minutes) if it is still low.

Pure functions of a rule and a count: no database here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shelter.alerts.models import DEFAULT_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES

MAX_FREE_BEDS_LIMIT = 9999
RECOVERY_BEDS_MARGIN = 2
RECOVERY_PERCENT_MARGIN = 10


@dataclass(frozen=True)
class Measure:
    free: int
    total: int  # beds in service
    occupancy_percent: int  # rounded down, for display; comparisons use exact integers

    @property
    def taken(self) -> int:
        return self.total - self.free


def is_low(rule, measure: Measure) -> bool:
    """The alert condition: free beds ≤ N or occupancy ≥ P % (no beds in service counts as full)."""
    if rule.max_free_beds is not None and measure.free <= rule.max_free_beds:
        return True
    if rule.min_occupancy_percent is not None:
        if measure.total == 0 or 100 * measure.taken >= rule.min_occupancy_percent * measure.total:
            return True
    return False


def is_recovered(rule, measure: Measure) -> bool:
    """Back to normal: every threshold the rule has is past its recovery point."""
    if rule.max_free_beds is not None and measure.free < _recovery_beds(rule):
        return False
    if rule.min_occupancy_percent is not None:
        if measure.total == 0 or 100 * measure.taken > _recovery_percent(rule) * measure.total:
            return False
    return True


def next_state(rule, measure: Measure) -> bool:
    """Whether the rule is low after this count, given whether it was."""
    if rule.is_low:
        return not is_recovered(rule, measure)
    return is_low(rule, measure)


def may_alert(rule, now: datetime) -> bool:
    """No "low" alert within ``min_interval_minutes`` of the last one."""
    due = alert_due_at(rule)
    return due is None or now >= due


def alert_due_at(rule) -> datetime | None:
    """When a held-back "low" alert may go out."""
    if rule.last_alert_at is None:
        return None
    return rule.last_alert_at + timedelta(minutes=rule.min_interval_minutes or 0)


def _recovery_beds(rule) -> int:
    if rule.recovery_free_beds is not None:
        return rule.recovery_free_beds
    return default_recovery_free_beds(rule.max_free_beds)


def _recovery_percent(rule) -> int:
    if rule.recovery_occupancy_percent is not None:
        return rule.recovery_occupancy_percent
    return default_recovery_occupancy_percent(rule.min_occupancy_percent)


def default_recovery_free_beds(max_free_beds: int | None) -> int | None:
    return None if max_free_beds is None else max_free_beds + RECOVERY_BEDS_MARGIN


def default_recovery_occupancy_percent(min_occupancy_percent: int | None) -> int | None:
    if min_occupancy_percent is None:
        return None
    return max(min_occupancy_percent - RECOVERY_PERCENT_MARGIN, 0)


def completed(values: dict) -> dict:
    """``values`` with the recovery thresholds and interval filled in where left empty (and the
    recovery thresholds dropped where their alert threshold is)."""
    values = dict(values)
    for threshold, recovery, default in (
            ("max_free_beds", "recovery_free_beds", default_recovery_free_beds),
            ("min_occupancy_percent", "recovery_occupancy_percent", default_recovery_occupancy_percent)):
        if values.get(threshold) is None:
            values[recovery] = None
        elif values.get(recovery) is None:
            values[recovery] = default(values[threshold])
    if values.get("min_interval_minutes") is None:
        values["min_interval_minutes"] = DEFAULT_INTERVAL_MINUTES
    return values


def problem(values: dict) -> str | None:
    """The first field whose value breaks the rules above (``values`` as ``completed`` returns them)."""
    n, p = values.get("max_free_beds"), values.get("min_occupancy_percent")
    if n is None and p is None:
        return "threshold"
    if n is not None and not 0 <= n <= MAX_FREE_BEDS_LIMIT:
        return "max_free_beds"
    if p is not None and not 1 <= p <= 100:
        return "min_occupancy_percent"
    r, q = values.get("recovery_free_beds"), values.get("recovery_occupancy_percent")
    if n is not None and not n < r <= MAX_FREE_BEDS_LIMIT + RECOVERY_BEDS_MARGIN:
        return "recovery_free_beds"
    if p is not None and not 0 <= q < p:
        return "recovery_occupancy_percent"
    if not 0 <= values["min_interval_minutes"] <= MAX_INTERVAL_MINUTES:
        return "min_interval_minutes"
    return None
