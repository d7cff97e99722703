"""Request bodies are checked by ``jsonschema`` against the published document, and each kind of bad
input comes back as the same code as before, on its field, without the value that was typed."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from shelter.api.openapi import document
from shelter.api.schema import FORMATS, parse_date_time, problems, request_problems, request_validator
from tests.api.conftest import Api, token_for

ID = {"$ref": "#/components/schemas/Counts/properties/total"}  # {"type": "integer", "minimum": 0}


def codes(value, schema, request=False):
    return problems(value, schema, request=request)


@pytest.mark.parametrize("value, schema, ok", [
    (1, {"type": "integer"}, True),
    (True, {"type": "integer"}, False),  # JSON true is not a number
    (1.0, {"type": "integer"}, False),  # an id is written without a fraction (2020-12 alone would take it)
    (1.5, {"type": "number"}, True),
    (float("nan"), {"type": "number"}, False),
    (float("inf"), {"type": "number"}, False),
    (None, {"type": ["string", "null"]}, True),
    ("x", {"type": ["integer", "null"]}, False),
    ([], {"type": "object"}, False),
    ({}, {"type": "array"}, False),
    (False, {"type": "boolean"}, True),
    (0, {"type": "boolean"}, False),
])
def test_types(value, schema, ok):
    assert (codes(value, schema) == []) is ok
    if not ok:
        assert codes(value, schema) == [("", "invalid_type")]


def test_enum_and_const_tell_true_from_one():
    assert codes(1, {"enum": [True]}) == [("", "invalid_choice")]
    assert codes(True, {"enum": [True]}) == []
    assert codes("a", {"const": "a"}) == []
    assert codes("b", {"const": "a"}) == [("", "invalid_choice")]
    assert codes(5, {"type": "string", "enum": ["a"]}) == [("", "invalid_type")]  # the type wins


def test_numbers_and_strings():
    assert codes(0, {"type": "integer", "minimum": 1}) == [("", "out_of_range")]
    assert codes(73, {"type": "integer", "maximum": 72}) == [("", "out_of_range")]
    assert codes(2**70, {"type": "integer", "maximum": 2**31 - 1}) == [("", "out_of_range")]
    assert codes("", {"type": "string", "minLength": 1}) == [("", "required")]
    assert codes("ab", {"type": "string", "minLength": 3}) == [("", "too_short")]
    assert codes("abcd", {"type": "string", "maxLength": 3}) == [("", "too_long")]
    assert codes("abc", {"type": "string", "pattern": "^[A-Z]+$"}) == [("", "invalid_format")]


def test_formats_are_what_the_views_parse():
    date = {"type": "string", "format": "date"}
    assert codes("2024-02-29", date) == []
    assert codes("2023-02-29", date) == [("", "invalid_format")]
    assert codes("20240101", date) == [("", "invalid_format")]
    moment = {"type": "string", "format": "date-time"}
    assert codes("2024-05-01T10:00:00+07:00", moment) == []
    assert codes("2024-05-01T10:00:00Z", moment) == []
    assert codes("2024-05-01T10:00:00", moment) == [("", "invalid_format")]  # no offset
    assert codes("0001-01-01T00:00:00+14:00", moment) == [("", "invalid_format")]  # before year 1 in UTC
    assert parse_date_time("2024-05-01T10:00:00+07:00").isoformat() == "2024-05-01T03:00:00+00:00"


def test_objects_arrays_refs():
    schema = {"type": "object", "properties": {"a": ID,
                                               "b": {"type": "array", "items": {"type": "string"}, "maxItems": 2}},
              "required": ["a"], "additionalProperties": False}
    assert codes({"a": 1}, schema) == []
    assert codes({}, schema) == [("/a", "required")]
    assert codes({"a": -1}, schema) == [("/a", "out_of_range")]
    assert codes({"a": 1, "b": ["x", 2]}, schema) == [("/b/1", "invalid_type")]
    assert codes({"a": 1, "b": ["x", 2, 3]}, schema)[0] == ("/b", "too_many")  # the list's own rule first
    assert codes({"a": 1, "zz": 1}, schema) == [("/zz", "unknown_field")]
    assert codes({"a": 1, "z\x00/z" + "x" * 60: 1}, schema) == [("/zz" + "x" * 38, "unknown_field")]
    free = {"type": "object", "additionalProperties": {"type": "string"}}
    assert codes({"k": 1}, free) == [("/k", "invalid_type")]


def test_any_of():
    schema = {"anyOf": [{"type": "null"}, ID]}
    assert codes(None, schema) == [] and codes(3, schema) == []
    assert codes(-1, schema) == [("", "invalid")]


def test_control_characters_only_in_request_bodies():
    one_line = {"type": "string"}
    multi = {"type": "string", "x-multiline": True}
    for bad in ["a\x00b", "bell\x07", "line\nbreak", "\ud800"]:
        assert codes(bad, one_line, request=True) == [("", "control_characters")], repr(bad)
        assert codes(bad, one_line) == []
    assert codes("line\nbreak\ttab", multi, request=True) == []
    assert codes("nul\x00", multi, request=True) == [("", "control_characters")]


BAD_STAY = {"resident_id": "Dewi Rahayu", "bed_id": 0, "override_reason": "Siti\x00", "Dewi Rahayu": 1}


def test_a_body_gets_one_code_per_field():
    assert request_problems(BAD_STAY, "StayCreate") == {
        "resident_id": "invalid_type", "bed_id": "out_of_range", "override_reason": "control_characters",
        "Dewi Rahayu": "unknown_field"}
    assert request_problems({}, "StayCreate") == {"resident_id": "required", "bed_id": "required"}
    assert request_problems({"reviewed_on": "2024-01-01", "goals": [{"goal_id": 1}], "new_goal": {}},
                            "PlanReviewCreate") == {"goals": "required", "new_goal": "invalid"}
    assert request_problems({"name": "", "sex": "female", "birth_date": "2023-02-29", "categories": ["x"] * 99},
                            "ResidentCreate") == {"name": "required", "birth_date": "invalid_format",
                                                  "categories": "too_many"}


def test_the_answer_never_echoes_the_value(app, admin):
    response = Api(app, token_for(admin)).post("stays", json=BAD_STAY)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"]["bed_id"] == "out_of_range"
    text = json.dumps(error)
    assert "Siti" not in text and text.count("Dewi Rahayu") == 1  # only the unknown key's name, as the field


def test_validators_are_made_once_per_schema():
    assert request_validator("StayCreate") is request_validator("StayCreate")
    assert request_validator("StayCreate") is not request_validator("Transfer")


def test_the_document_is_valid_2020_12_and_uses_only_checked_formats():
    schemas = document()["components"]["schemas"]
    used = set()
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        used |= {part.split('"')[0] for part in json.dumps(schema).split('"format": "')[1:]}
    assert used == set(FORMATS.checkers) == {"date", "date-time"}
