"""The OpenAPI document describes exactly the routes the app has, and only with rules the checker knows."""

from __future__ import annotations

import re

from shelter.api.openapi import document
from shelter.api.schema import KEYWORDS, resolve
from tests.api.conftest import PREFIX, Api, token_for

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def app_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule.rule[len(PREFIX):])
        found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def document_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in document()["paths"].items() for method in item
            if method in HTTP_METHODS}


def test_document_lists_exactly_the_app_routes(app):
    assert document()["servers"] == [{"url": PREFIX}]
    assert document_operations() == app_operations(app)
    assert len(document_operations()) == 48


def test_path_parameters_match_the_templates():
    for path, item in document()["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_served_document_is_the_document(app, make_user):
    response = Api(app, token_for(make_user())).get("openapi.json")
    assert response.status_code == 200
    assert response.get_json() == document()
    assert response.get_json()["openapi"].startswith("3.1")


def _walk_schema(schema, where: str):
    assert isinstance(schema, dict), where
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"{where}: {unknown}"
    for name, sub in schema.get("properties", {}).items():
        _walk_schema(sub, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _walk_schema(schema[key], f"{where}.{key}")
    for i, sub in enumerate(schema.get("anyOf", [])):
        _walk_schema(sub, f"{where}.anyOf[{i}]")
    if "$ref" in schema:
        resolve(schema["$ref"])  # resolves, or an error


def test_every_schema_uses_only_checked_keywords_and_refs_resolve():
    doc = document()
    for name, schema in doc["components"]["schemas"].items():
        _walk_schema(schema, name)
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                _walk_schema(parameter["schema"], f"{method} {path} {parameter['name']}")
            if "requestBody" in operation:
                _walk_schema(operation["requestBody"]["content"]["application/json"]["schema"], path)
            for status, response in operation["responses"].items():
                for content in response.get("content", {}).values():
                    _walk_schema(content["schema"], f"{method} {path} {status}")


def test_every_operation_declares_its_errors():
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "422"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            assert operation["operationId"]


def test_response_schemas_never_mention_an_address_or_nik():
    for name, schema in document()["components"]["schemas"].items():
        if name.endswith("Create"):
            continue
        text = repr(schema)
        assert "'address'" not in text and "'nik'" not in text, name


def test_parts_build_on_openapi_parts_alone():
    """The parts import the shared helpers from below, never the module that assembles them, and the
    assembling module imports its parts at the top (no circle hidden in a function)."""
    import ast
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "shelter" / "api"

    def api_imports(name: str, top_only: bool = False) -> set[str]:
        tree = ast.parse((folder / f"{name}.py").read_text())
        nodes = tree.body if top_only else list(ast.walk(tree))
        return {f"{node.module}.{alias.name}" if node.module == "shelter.api" else node.module
                for node in nodes if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("shelter.api")
                for alias in node.names}

    parts = [path.stem for path in folder.glob("openapi_*.py") if path.stem != "openapi_parts"]
    assert set(parts) == {"openapi_core", "openapi_assessments", "openapi_plans", "openapi_programmes",
                          "openapi_referrals", "openapi_reports"}
    for name in parts:
        assert api_imports(name) == {"shelter.api.openapi_parts"}, name
    assert api_imports("openapi_parts") == set()
    assert api_imports("openapi") == api_imports("openapi", top_only=True) == {
        *(f"shelter.api.{name}" for name in parts), "shelter.api.openapi_core"}


def test_the_partner_scheme_lists_exactly_the_views_a_partner_token_reaches(app):
    """The document says which operations a partner's token may call; the code lets it call those only
    (``access.partner_allowed``): the two cannot drift apart."""
    documented = {(path, method) for path, item in document()["paths"].items() for method, operation in item.items()
                  if any("partner" in scheme for scheme in operation.get("security", []))}
    allowed = set()
    for rule in app.url_map.iter_rules():
        if getattr(app.view_functions[rule.endpoint], "partner_allowed", False):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule.rule[len(PREFIX):])
            allowed |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == allowed == {("/referrals", "get"), ("/referrals", "post"), ("/referrals/{referral_id}", "get"),
                                     ("/referrals/{referral_id}/withdraw", "post")}
    assert "partner" in document()["components"]["securitySchemes"]
