"""A small checker for the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the API's own
schemas are written in.

The request bodies are checked against the very component schemas that ``/api/v1/openapi.json``
publishes, so the document cannot drift from the code; the tests check live responses with the same
function. It knows only the keywords listed in ``KEYWORDS`` and refuses any other, so a schema never
silently promises a rule that nothing checks (``tests/api/test_schema.py`` covers each keyword).

Problems come back as ``(path, code)`` pairs; ``field_problems`` folds them into the ``{field: code}``
map of a 422 answer. Codes, never the offending values: a resident's name must not end up in an
error message or a log line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timezone

from shelter import text

KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
    "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "$ref",
    # annotations only
    "description", "title", "examples", "default", "readOnly", "writeOnly", "deprecated",
    # ours: a string that may hold tabs and line breaks (checked only with strings=True)
    "x-multiline",
}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


class SchemaError(Exception):
    """The schema itself uses something this checker does not know (a bug in the schema, not the data)."""


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


FORMATS = {"date": parse_date, "date-time": parse_date_time}


def _is_type(value, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and not (isinstance(value, float) and not math.isfinite(value)))
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise SchemaError(f"unknown type {name!r}")


class Checker:
    """Checks values against schemas that may ``$ref`` into ``document`` (``#/components/schemas/…``).

    ``strings=True`` (request bodies) also refuses control characters and lone surrogates in every
    string (PostgreSQL cannot store a NUL, and nobody types a bell), and hidden characters (bidi
    controls, zero-width spaces, …) in every one-line string: names and codes (``shelter.text``).
    ``normalised`` gives a body's one-line strings NFKC-normalised, as they are checked and stored.
    """

    def __init__(self, document: dict, *, strings: bool = False):
        self.document = document
        self.strings = strings

    def resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise SchemaError(f"only local references: {ref!r}")
        node = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def normalised(self, value, schema: dict):
        """``value`` with every string NFKC-normalised unless its schema says ``x-multiline``
        (notes and addresses are kept as typed)."""
        if "$ref" in schema:
            return self.normalised(value, self.resolve(schema["$ref"]))
        if isinstance(value, str):
            branches = [self.resolve(b["$ref"]) if "$ref" in b else b for b in schema.get("anyOf", [])]
            if schema.get("x-multiline") or any(b.get("x-multiline") for b in branches):
                return value
            return text.normalise(value)
        if isinstance(value, list):
            items = schema.get("items", {})
            return [self.normalised(item, items) for item in value]
        if isinstance(value, dict):
            properties, more = schema.get("properties", {}), schema.get("additionalProperties")
            return {name: self.normalised(item, properties.get(name, more if isinstance(more, dict) else {}))
                    for name, item in value.items()}
        return value

    def problems(self, value, schema: dict, path: str = "") -> list[tuple[str, str]]:
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise SchemaError(f"unsupported keywords {sorted(unknown)} at {path or '/'}")
        if "$ref" in schema:
            return self.problems(value, self.resolve(schema["$ref"]), path)
        if "anyOf" in schema:
            if any(not self.problems(value, branch, path) for branch in schema["anyOf"]):
                return []
            return [(path, "invalid")]
        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_is_type(value, name) for name in names):
                return [(path, "invalid_type")]
        if "const" in schema and not _same(value, schema["const"]):
            return [(path, "invalid_choice")]
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            return [(path, "invalid_choice")]
        if isinstance(value, str):
            return self._string(value, schema, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if ("minimum" in schema and value < schema["minimum"]) or (
                    "maximum" in schema and value > schema["maximum"]):
                return [(path, "out_of_range")]
            return []
        if isinstance(value, list):
            return self._array(value, schema, path)
        if isinstance(value, dict):
            return self._object(value, schema, path)
        return []

    def _string(self, value: str, schema: dict, path: str) -> list[tuple[str, str]]:
        code = text.problem(value, multiline=bool(schema.get("x-multiline"))) if self.strings else None
        if code:
            return [(path, code)]
        if "minLength" in schema and len(value) < schema["minLength"]:
            return [(path, "required" if value == "" else "too_short")]
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return [(path, "too_long")]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return [(path, "invalid_format")]
        if "format" in schema:
            parse = FORMATS.get(schema["format"])
            if parse is None:
                raise SchemaError(f"unknown format {schema['format']!r}")
            if parse(value) is None:
                return [(path, "invalid_format")]
        return []

    def _array(self, value: list, schema: dict, path: str) -> list[tuple[str, str]]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            return [(path, "too_few")]
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return [(path, "too_many")]
        found = []
        if "items" in schema:
            for i, item in enumerate(value):
                found += self.problems(item, schema["items"], f"{path}/{i}")
        return found

    def _object(self, value: dict, schema: dict, path: str) -> list[tuple[str, str]]:
        found = []
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append((f"{path}/{name}", "required"))
        for name, item in value.items():
            if name in properties:
                found += self.problems(item, properties[name], f"{path}/{name}")
            elif schema.get("additionalProperties") is False:
                found.append((f"{path}/{_printable(name)}", "unknown_field"))
            elif isinstance(schema.get("additionalProperties"), dict):
                found += self.problems(item, schema["additionalProperties"], f"{path}/{_printable(name)}")
        return found


def _same(a, b) -> bool:
    # JSON equality: true is not 1, 1 is 1.0
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _printable(name: str) -> str:
    # An unknown key is echoed back as a field name: keep it short and free of control characters.
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cs") and ch != "/")
    return cleaned[:40] or "?"


def field_problems(problems: list[tuple[str, str]]) -> dict[str, str]:
    """``{top-level field: code}``, the first problem of each field (a whole-body problem is ``_body``)."""
    fields: dict[str, str] = {}
    for path, code in problems:
        name = path.split("/")[1] if path.count("/") >= 1 and path != "" else "_body"
        fields.setdefault(name or "_body", code)
    return fields
