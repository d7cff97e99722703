"""Capacity rules per facility and the alerts they raise, with hysteresis."""
