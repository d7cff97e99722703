"""A ``Report`` as JSON: its scope and period, then its tables (every cell as value, suppressed,
text) and charts. The drill-downs are not part of it: they are pages for a signed-in browser."""

from __future__ import annotations

from datetime import date, timedelta

from shelter.reports.model import Cell, Chart, Report, Table


def cell(c: Cell) -> dict:
    value = c.value.isoformat() if isinstance(c.value, date) else c.value
    return {"value": None if c.suppressed else value, "suppressed": c.suppressed, "text": c.text}


def table(t: Table) -> dict:
    return {"key": t.key, "title": t.title, "note": t.note,
            "columns": [{"key": col.key, "title": col.title, "kind": str(col.kind)} for col in t.columns],
            "rows": [[cell(c) for c in row] for row in t.rows]}


def chart(c: Chart) -> dict:
    return {"key": c.key, "title": c.title, "kind": str(c.kind), "labels": list(c.labels), "unit": c.unit,
            "table_key": c.table_key,
            "series": [{"key": s.key, "title": s.title, "values": list(s.values)} for s in c.series]}


def report(r: Report) -> dict:
    return {
        "scope": {"level": str(r.scope.level), "key": r.scope.key, "facility_id": r.scope.facility_id,
                  "kota": r.scope.kota, "title": r.scope_title},
        "period": {"first_day": r.period.start.isoformat(),
                   "last_day": (r.period.end - timedelta(days=1)).isoformat(), "days": r.period.days},
        "generated_at": r.generated_at.isoformat(),
        "suppressed": r.suppressed,
        "tables": [table(t) for t in r.tables],
        "charts": [chart(c) for c in r.charts],
    }
