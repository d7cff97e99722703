"""The pieces every part of the OpenAPI document is built from: schema shorthands and the shape of an
operation. Each feature's part (``openapi_core``, ``openapi_assessments``, ``openapi_plans``,
``openapi_programmes``) imports from here and nothing from ``openapi``, which assembles the parts.
"""

from __future__ import annotations

from shelter.access import MAX_ID

# A name, a code, a label: one line. Multi-line fields (notes, reasons, addresses) say x-multiline.
ONE_LINE = "^[^\\n\\r\\t]*$"

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT = {"type": "integer", "minimum": 0}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "type" in schema and "$ref" not in schema:
        schema = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_length: int, *, min_length: int = 0, multiline: bool = False, **more) -> dict:
    schema = {"type": "string", "maxLength": max_length, **more}
    if min_length:
        schema["minLength"] = min_length
    if multiline:
        schema["x-multiline"] = True
    return schema


def obj(properties: dict, required=(), *, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def enum(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


ERRORS = {
    400: "The body is not a JSON object (or, with a session cookie, the X-CSRFToken header is missing).",
    401: "No token, or the token is unknown or revoked.",
    404: "Not found, outside your facilities, or not allowed for your roles.",
    409: "Conflicts with the current state (bed taken, resident already admitted, duplicate, …).",
    422: "Invalid fields: see error.fields.",
}


def responses(ok: int, schema: str | None, description: str, *errors: int) -> dict:
    """The success answer (with ``schema``, or none) and the listed errors, 401 always among them."""
    found = {str(ok): {"description": description}}
    if schema is not None:
        found[str(ok)]["content"] = {"application/json": {"schema": ref(schema)}}
    for status in (401, *errors):
        found[str(status)] = {"description": ERRORS[status], "content": {"application/json": {"schema": ref("Error")}}}
    return dict(sorted(found.items()))


def id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def query_param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def op(operation_id: str, summary: str, answers: dict, *, tags, body: str | None = None, parameters=(),
       description: str = "") -> dict:
    """One operation; ``body`` names the component schema its JSON body is validated against."""
    operation = {"operationId": operation_id, "summary": summary, "tags": list(tags), "responses": answers}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    return operation
