"""Phone numbers: parsed with `phonenumbers` (Indonesia by default) and stored in E.164."""

from __future__ import annotations

import phonenumbers

from shelter.text import has_control_characters

REGION = "ID"
MAX_INPUT = 40


class InvalidPhone(ValueError):
    """Not a phone number. Carries no value: numbers must not reach logs through exceptions."""

    def __init__(self):
        super().__init__("phone")


def to_e164(raw: str | None) -> str | None:
    """'0812 5550 199' → '+628125550199'; None when blank; InvalidPhone when not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if len(raw) > MAX_INPUT or has_control_characters(raw):
        raise InvalidPhone()
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone() from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
