"""The OpenAPI schemas and paths of the report endpoints (``shelter.api.reports``), built from
``openapi_parts`` and merged into ``openapi.document()``."""

from __future__ import annotations

from shelter.api.openapi_parts import COUNT, DATE, DATE_TIME, ID, enum, id_param, nullable, obj, op, query_param, responses

LEVELS = ("facility", "kota", "province")
COLUMN_KINDS = ("text", "count", "number", "percent", "date")
CHART_KINDS = ("line", "bar", "stacked_bar", "hbar")
KOTA = ("jakarta_pusat", "jakarta_utara", "jakarta_barat", "jakarta_selatan", "jakarta_timur", "kepulauan_seribu")

PERIOD_PARAMS = [
    query_param("month", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "A calendar month (YYYY-MM). Without month, start and end: the last full month in WIB."),
    query_param("start", DATE, "The first day (WIB), with end."),
    query_param("end", DATE, "The last day (WIB, inclusive), with start; at most 366 days."),
]
ABOUT = ("Counts of 1 or 2 are always suppressed here (value null, suppressed true, text \"<3\"), whoever "
         "asks. A Rumah Aman is never described alone in a kota or province report: two or more are combined "
         "in one row, a single one is counted in the totals only. Bad period arguments: 422 with fields "
         "(month, start, end: invalid, required, before_start, too_long).")


def schemas() -> dict:
    cell = obj({"value": {"type": ["integer", "number", "string", "null"]}, "suppressed": {"type": "boolean"},
                "text": {"type": "string"}}, ("value", "suppressed", "text"),
               description="One figure: a date is an ISO string; a suppressed count has value null.")
    return {
        "ReportCell": cell,
        "ReportTable": obj({
            "key": {"type": "string"}, "title": {"type": "string"}, "note": {"type": "string"},
            "columns": {"type": "array", "items": obj({"key": {"type": "string"}, "title": {"type": "string"},
                                                       "kind": enum(COLUMN_KINDS)}, ("key", "title", "kind"))},
            "rows": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/components/schemas/ReportCell"}}},
        }, ("key", "title", "note", "columns", "rows")),
        "ReportChart": obj({
            "key": {"type": "string"}, "title": {"type": "string"}, "kind": enum(CHART_KINDS),
            "labels": {"type": "array", "items": {"type": "string"}}, "unit": {"type": "string"},
            "table_key": {"type": "string"},
            "series": {"type": "array", "items": obj({
                "key": {"type": "string"}, "title": {"type": "string"},
                "values": {"type": "array", "items": {"type": ["number", "null"]}}}, ("key", "title", "values"))},
        }, ("key", "title", "kind", "labels", "unit", "table_key", "series")),
        "Report": obj({
            "scope": obj({"level": enum(LEVELS), "key": {"type": "string"}, "facility_id": nullable(ID),
                          "kota": nullable(enum(KOTA)), "title": {"type": "string"}},
                         ("level", "key", "facility_id", "kota", "title")),
            "period": obj({"first_day": DATE, "last_day": DATE, "days": {**COUNT, "minimum": 1}},
                          ("first_day", "last_day", "days")),
            "generated_at": DATE_TIME,
            "suppressed": {"type": "boolean"},
            "tables": {"type": "array", "items": {"$ref": "#/components/schemas/ReportTable"}},
            "charts": {"type": "array", "items": {"$ref": "#/components/schemas/ReportChart"}},
        }, ("scope", "period", "generated_at", "suppressed", "tables", "charts")),
    }


def paths() -> dict:
    return {
        "/reports/province": {"get": op(
            "getProvinceReport", "The province's report for a period",
            responses(200, "Report", "The figures", 404, 422), tags=["reports"], parameters=PERIOD_PARAMS,
            description="Admins, case managers and facility managers; others get 404. " + ABOUT)},
        "/reports/kota/{kota}": {"get": op(
            "getKotaReport", "A kota's report for a period",
            responses(200, "Report", "The figures", 404, 422), tags=["reports"],
            parameters=[{"name": "kota", "in": "path", "required": True, "schema": enum(KOTA)}, *PERIOD_PARAMS],
            description="Admins, case managers and facility managers; others (and an unknown kota) get 404. " + ABOUT)},
        "/reports/facility/{facility_id}": {"get": op(
            "getFacilityReport", "A facility's report for a period",
            responses(200, "Report", "The figures", 404, 422), tags=["reports"],
            parameters=[id_param("facility_id"), *PERIOD_PARAMS],
            description="Admins, and the people who work in the facility (any role); others get 404. " + ABOUT)},
    }
