"""The one shape of "these fields are not acceptable", shared by every feature's domain errors."""

from __future__ import annotations


class FieldProblems(Exception):
    """``problems`` maps a field to a code (required, too_long, in_future, …), never to the value typed,
    so the error can be logged and shown without carrying a name or a NIK. Views turn the codes into
    messages next to the fields; the API returns them as ``fields``."""

    code = "invalid"

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(f"{field}:{code}" for field, code in sorted(problems.items())))
        self.problems = dict(problems)
