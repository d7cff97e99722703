"""The scheduler process: fixed idempotent jobs, one process at a time (advisory/file lock)."""
