"""API errors: one exception, one JSON shape ``{"error": {"code", "message", ...}}``.

Views raise ``ApiError`` (or call ``not_found``); the blueprint's handler rolls the transaction
back, so a refused request writes nothing. The messages are English: the stable part for a
partner system is ``code`` (and ``fields``), the message is for the developer reading the answer.
"""

from __future__ import annotations

from shelter.extensions import db

BED_TAKEN = "This bed was just taken — choose another"

MESSAGES = {
    "bad_request": "The body must be a JSON object.",
    "not_found": "Not found.",
    "invalid": "Some fields are not valid; see fields.",
    "bed_taken": BED_TAKEN,
    "bed_out_of_service": "This bed is out of service — choose another",
    "resident_already_admitted": "This resident is already admitted; transfer or discharge the open stay first.",
    "room_rules": "This room's rules (sex, age group) do not fit this resident; send override_reason to "
                  "admit anyway.",
    "stay_closed": "This stay is already closed.",
    "possible_duplicates": "Residents who may be this person already exist; check them, or send "
                           "allow_duplicates: true to register a new record anyway.",
    "code_taken": "Another facility already has this code.",
    "room_name_taken": "This facility already has a room with this name.",
    "labels_taken": "Some of these labels are already used in this room; nothing was added.",
    "conflict": "Someone else changed this at the same time; nothing was saved. Try again.",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str | None = None, **extra):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message or MESSAGES.get(code, code)
        self.extra = extra

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def invalid(fields: dict[str, str], **extra) -> ApiError:
    return ApiError(422, "invalid", fields=fields, **extra)


def not_found_body() -> dict:
    """The one body of every API 404, from a view or from the router: a record outside the user's
    facilities and one that does not exist must look the same, so it never names what was looked for."""
    return {"error": {"code": "not_found", "message": MESSAGES["not_found"]}}


class NotFound(ApiError):
    def __init__(self):
        super().__init__(404, "not_found")

    def body(self) -> dict:
        return not_found_body()


def not_found(what: str = "") -> ApiError:
    """``what`` documents the lookup for the reader of the code only; the answer is ``not_found_body()``."""
    return NotFound()


def handle(error: ApiError):
    db.session.rollback()
    return error.body(), error.status
