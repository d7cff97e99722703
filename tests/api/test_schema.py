"""The small JSON Schema checker the API validates bodies (and the tests validate answers) with."""

from __future__ import annotations

import pytest

from shelter.api.schema import Checker, SchemaError, field_problems, parse_date_time

DOC = {"components": {"schemas": {"Id": {"type": "integer", "minimum": 1}}}}


def problems(value, schema, strings=False):
    return Checker(DOC, strings=strings).problems(value, schema)


@pytest.mark.parametrize("value, schema, ok", [
    (1, {"type": "integer"}, True),
    (True, {"type": "integer"}, False),  # JSON true is not a number
    (1.0, {"type": "integer"}, False),
    (1.5, {"type": "number"}, True),
    (float("nan"), {"type": "number"}, False),
    (None, {"type": ["string", "null"]}, True),
    ("x", {"type": ["integer", "null"]}, False),
    ([], {"type": "object"}, False),
    ({}, {"type": "array"}, False),
    (False, {"type": "boolean"}, True),
    (0, {"type": "boolean"}, False),
])
def test_types(value, schema, ok):
    assert (problems(value, schema) == []) is ok


def test_enum_and_const_tell_true_from_one():
    assert problems(1, {"enum": [True]}) == [("", "invalid_choice")]
    assert problems(True, {"enum": [True]}) == []
    assert problems("a", {"const": "a"}) == []
    assert problems("b", {"const": "a"}) == [("", "invalid_choice")]


def test_numbers_and_strings():
    assert problems(0, {"type": "integer", "minimum": 1}) == [("", "out_of_range")]
    assert problems(73, {"type": "integer", "maximum": 72}) == [("", "out_of_range")]
    assert problems("", {"type": "string", "minLength": 1}) == [("", "required")]
    assert problems("ab", {"type": "string", "minLength": 3}) == [("", "too_short")]
    assert problems("abcd", {"type": "string", "maxLength": 3}) == [("", "too_long")]
    assert problems("abc", {"type": "string", "pattern": "^[A-Z]+$"}) == [("", "invalid_format")]


def test_formats():
    date = {"type": "string", "format": "date"}
    assert problems("2024-02-29", date) == []
    assert problems("2023-02-29", date) == [("", "invalid_format")]
    assert problems("20240101", date) == [("", "invalid_format")]
    moment = {"type": "string", "format": "date-time"}
    assert problems("2024-05-01T10:00:00+07:00", moment) == []
    assert problems("2024-05-01T10:00:00Z", moment) == []
    assert problems("2024-05-01T10:00:00", moment) == [("", "invalid_format")]  # no offset
    assert problems("0001-01-01T00:00:00+14:00", moment) == [("", "invalid_format")]  # before year 1 in UTC
    assert parse_date_time("2024-05-01T10:00:00+07:00").isoformat() == "2024-05-01T03:00:00+00:00"
    with pytest.raises(SchemaError):
        problems("x", {"type": "string", "format": "email"})


def test_objects_arrays_refs():
    schema = {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Id"},
                                               "b": {"type": "array", "items": {"type": "string"}, "maxItems": 2}},
              "required": ["a"], "additionalProperties": False}
    assert problems({"a": 1}, schema) == []
    assert problems({}, schema) == [("/a", "required")]
    assert problems({"a": 0}, schema) == [("/a", "out_of_range")]
    assert problems({"a": 1, "b": ["x", 2]}, schema) == [("/b/1", "invalid_type")]
    assert problems({"a": 1, "b": ["x"] * 3}, schema) == [("/b", "too_many")]
    assert problems({"a": 1, "zz": 1}, schema) == [("/zz", "unknown_field")]
    assert field_problems(problems({"b": [1], "zz": 1}, schema)) == {
        "a": "required", "b": "invalid_type", "zz": "unknown_field"}
    free = {"type": "object", "additionalProperties": {"type": "string"}}
    assert problems({"k": 1}, free) == [("/k", "invalid_type")]


def test_any_of():
    schema = {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Id"}]}
    assert problems(None, schema) == [] and problems(3, schema) == []
    assert problems(0, schema) == [("", "invalid")]


def test_control_characters_only_in_request_mode():
    one_line = {"type": "string"}
    multi = {"type": "string", "x-multiline": True}
    for bad in ["a\x00b", "bell\x07", "line\nbreak", "\ud800"]:
        assert problems(bad, one_line, strings=True) == [("", "control_characters")], repr(bad)
        assert problems(bad, one_line) == []
    assert problems("line\nbreak\ttab", multi, strings=True) == []
    assert problems("nul\x00", multi, strings=True) == [("", "control_characters")]


def test_unknown_keywords_are_refused():
    with pytest.raises(SchemaError):
        problems(1, {"type": "integer", "multipleOf": 2})
    with pytest.raises(SchemaError):
        problems(1, {"$ref": "http://example.com/schema"})
