"""Reunification plans and the follow-ups after a resident goes home: schedule, records, reminders."""
