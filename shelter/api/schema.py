"""Bodies checked against the published OpenAPI document with ``jsonschema`` (Draft 2020-12, as
OpenAPI 3.1 uses it), and its errors folded into the API's one error shape: ``{field: code}``.

The request bodies are checked against the very component schemas that ``/api/v1/openapi.json``
publishes, so the document cannot drift from the code; the tests check live responses with the same
validator. One validator per schema name, built on first use and kept (``request_validator``).

Codes, never values: ``jsonschema``'s messages quote what was typed (a resident's name, a NIK), so
only the keyword that failed is read, and ``CODES`` turns it into the code a partner program sees.
Where one field breaks several rules, the outermost rule wins and then the first in ``CODES``
(a number is ``invalid_type`` before it is ``out_of_range``). Our additions to the standard:

* an integer is a JSON number written without a fraction (``1.0`` is not an id), a number is finite;
* ``date`` and ``date-time`` are what ``parse_date`` / ``parse_date_time`` accept (a date-time needs an
  offset and must fall after year 1 in UTC), so a body that passes always parses;
* in request bodies every string is refused with ``control_characters`` if it holds NUL, escapes or
  lone surrogates (PostgreSQL cannot store a NUL, nobody types a bell); a schema marked
  ``x-multiline`` may hold tabs and line breaks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timezone
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.validators import extend
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from shelter.api.openapi import document
from shelter import text

# The keyword that failed → the code of the field, in the order they win. Only these keywords may be
# used by the document's schemas (tests/api/test_openapi.py), so no rule goes without a code.
CODES = {
    "anyOf": "invalid",
    "type": "invalid_type",
    "const": "invalid_choice",
    "enum": "invalid_choice",
    "required": "required",
    "additionalProperties": "unknown_field",
    "control_characters": "control_characters",
    "hidden_characters": "hidden_characters",
    "minLength": "too_short",  # "required" when the string is empty
    "maxLength": "too_long",
    "pattern": "invalid_format",
    "format": "invalid_format",
    "minimum": "out_of_range",
    "maximum": "out_of_range",
    "minItems": "too_few",
    "maxItems": "too_many",
}
RANK = {keyword: rank for rank, keyword in enumerate(CODES)}
# properties, items and $ref only lead to the rules above; the annotations check nothing.
ANNOTATIONS = {"description", "title", "examples", "default", "readOnly", "writeOnly", "deprecated", "x-multiline"}
KEYWORDS = (set(CODES) - {"control_characters", "hidden_characters"}) | {"properties", "items", "$ref"} | ANNOTATIONS

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
DOCUMENT_URI = "urn:shelter:api:v1:openapi.json"


def parse_date(value: str) -> date | None:
    if not DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_date_time(value: str) -> datetime | None:
    """RFC 3339 with a required offset; returned in UTC. None when invalid or out of range."""
    if not DATE_TIME_RE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


FORMATS = FormatChecker(formats=())  # only these two: tests/api/test_schema.py checks the document uses no other
FORMATS.checks("date")(lambda value: not isinstance(value, str) or parse_date(value) is not None)
FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or parse_date_time(value) is not None)


def _is_integer(checker, value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(checker, value) -> bool:
    return _is_integer(checker, value) or (isinstance(value, float) and math.isfinite(value))


TYPES = Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _is_integer, "number": _is_number})
ResponseValidator = extend(Draft202012Validator, type_checker=TYPES)
_standard_type = Draft202012Validator.VALIDATORS["type"]


def _type_and_text(validator, types, value, schema) -> Iterator[ValidationError]:
    """The type, and in request bodies the text rules of ``shelter.text``: no control characters, and in
    one-line strings (names, codes) no hidden characters (bidi controls, zero-width spaces)."""
    yield from _standard_type(validator, types, value, schema)
    code = text.problem(value, multiline=bool(schema.get("x-multiline"))) if isinstance(value, str) else None
    if code:
        yield ValidationError(code.replace("_", " "), validator=code)


RequestValidator = extend(ResponseValidator, validators={"type": _type_and_text})


@cache
def _registry() -> Registry:
    return Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document()))


def validator(schema: dict, *, request: bool = False) -> Draft202012Validator:
    """A validator for ``schema``, whose ``$ref``s point into the published document."""
    cls = RequestValidator if request else ResponseValidator
    return cls(schema, registry=_registry(), format_checker=FORMATS)


@cache
def request_validator(name: str) -> Draft202012Validator:
    """The validator of one component schema, made once per operation's body and kept."""
    return validator({"$ref": f"{DOCUMENT_URI}#/components/schemas/{name}"}, request=True)


def resolve(ref: str) -> dict:
    """The schema a ``#/components/schemas/…`` reference of the document points to (or Unresolvable)."""
    return _registry().resolver(base_uri=DOCUMENT_URI).lookup(ref).contents


def problems(value, schema: dict, *, request: bool = False) -> list[tuple[str, str]]:
    """``(path, code)`` for each place where ``value`` breaks ``schema`` (whose ``$ref``s point into the
    document); responses are checked with it in the tests."""
    return coded(validator(_into_document(schema), request=request).iter_errors(value))


def _into_document(schema):
    """The schema with its ``#/…`` references made to point into the document rather than into itself."""
    if isinstance(schema, list):
        return [_into_document(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: DOCUMENT_URI + item if key == "$ref" and item.startswith("#") else _into_document(item)
            for key, item in schema.items()}


def normalised(value, schema: dict):
    """``value`` with every string NFKC-normalised (``shelter.text``) unless its schema says
    ``x-multiline``: names and codes as they are checked and stored; notes and addresses as typed."""
    if "$ref" in schema:
        return normalised(value, resolve(schema["$ref"]))
    if isinstance(value, str):
        branches = [resolve(b["$ref"]) if "$ref" in b else b for b in schema.get("anyOf", [])]
        if schema.get("x-multiline") or any(b.get("x-multiline") for b in branches):
            return value
        return text.normalise(value)
    if isinstance(value, list):
        return [normalised(item, schema.get("items", {})) for item in value]
    if isinstance(value, dict):
        properties, more = schema.get("properties", {}), schema.get("additionalProperties")
        return {name: normalised(item, properties.get(name, more if isinstance(more, dict) else {}))
                for name, item in value.items()}
    return value


def request_problems(body: dict, name: str) -> dict[str, str]:
    """``{top-level field: code}`` for a request body checked against the component schema ``name``."""
    return field_problems(coded(request_validator(name).iter_errors(body)))


def coded(errors) -> list[tuple[str, str]]:
    """Errors as ``(path, code)``, one for each place (the rule that wins); never a value."""
    found = []
    for order, error in enumerate(errors):
        where = "".join(f"/{_printable(str(part))}" for part in error.absolute_path)
        # depth first, a place's own rules before those of what it holds (an item, a property)
        key = [(1, part) for part in error.absolute_path] + [(0, RANK.get(error.validator, len(RANK)), order)]
        found += [(key, path, code) for path, code in _codes(error, where)]
    first: dict[str, str] = {}
    for _, path, code in sorted(found, key=lambda item: item[0]):
        first.setdefault(path, code)
    return list(first.items())


def _codes(error: ValidationError, where: str) -> list[tuple[str, str]]:
    keyword, value = error.validator, error.instance
    if keyword == "required":
        return [(f"{where}/{name}", "required") for name in error.validator_value if name not in value]
    if keyword == "additionalProperties":
        known = error.schema.get("properties", {})
        return [(f"{where}/{_printable(name)}", "unknown_field") for name in value if name not in known]
    if keyword == "minLength" and value == "":
        return [(where, "required")]
    return [(where, CODES.get(keyword, "invalid"))]


def _printable(name: str) -> str:
    # A key is echoed back as a field name: keep it short and free of control characters.
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs") and ch != "/")
    return cleaned[:40] or "?"


def field_problems(found: list[tuple[str, str]]) -> dict[str, str]:
    """``{top-level field: code}``, the first problem of each field (a whole-body problem is ``_body``)."""
    fields: dict[str, str] = {}
    for path, code in found:
        fields.setdefault(path.split("/")[1] if path else "_body", code)
    return fields
