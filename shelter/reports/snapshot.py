"""A ``Report`` to JSON and back, for signed versions (``ReportSignoff.snapshot``).

Exact: a report read back is equal to the one written (``dump(load(x)) == x``), dates stay dates and
floats stay floats, so a signed version renders, prints and exports exactly as it was signed. The
``digest`` leaves out the generation time: two reports with the same figures have the same digest.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from shelter.reports.model import (Cell, Chart, ChartKind, Column, ColumnKind, Drill, Period, Report, ReportScope,
                                   ScopeLevel, Series, Table)

FORMAT = 1


def _value(value):
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _read_value(value):
    if isinstance(value, dict):
        return date.fromisoformat(value["date"])
    return value


def _cell(cell: Cell) -> dict:
    out: dict = {"v": _value(cell.value)}
    if cell.suppressed:
        out["s"] = True
    if cell.drill is not None:
        out["d"] = {"endpoint": cell.drill.endpoint, "args": dict(cell.drill.args)}
    return out


def _read_cell(raw: dict) -> Cell:
    drill = raw.get("d")
    return Cell(_read_value(raw.get("v")), suppressed=bool(raw.get("s", False)),
                drill=Drill(drill["endpoint"], dict(drill["args"])) if drill else None)


def dump(report: Report) -> dict:
    return {
        "format": FORMAT,
        "scope": {"level": report.scope.level.value, "facility_id": report.scope.facility_id,
                  "kota": report.scope.kota},
        "scope_title": report.scope_title,
        "period": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "generated_at": report.generated_at.isoformat(),
        "suppressed": report.suppressed,
        "tables": [{"key": t.key, "title": t.title, "note": t.note,
                    "columns": [{"key": c.key, "title": c.title, "kind": c.kind.value} for c in t.columns],
                    "rows": [[_cell(cell) for cell in row] for row in t.rows]} for t in report.tables],
        "charts": [{"key": c.key, "title": c.title, "kind": c.kind.value, "labels": list(c.labels),
                    "series": [{"key": s.key, "title": s.title, "values": list(s.values)} for s in c.series],
                    "table_key": c.table_key, "unit": c.unit} for c in report.charts],
    }


def load(data: dict) -> Report:
    scope = data["scope"]
    return Report(
        scope=ReportScope(ScopeLevel(scope["level"]), facility_id=scope.get("facility_id"), kota=scope.get("kota")),
        scope_title=data["scope_title"],
        period=Period(date.fromisoformat(data["period"]["start"]), date.fromisoformat(data["period"]["end"])),
        generated_at=datetime.fromisoformat(data["generated_at"]),
        suppressed=bool(data["suppressed"]),
        tables=[Table(key=t["key"], title=t["title"], note=t.get("note", ""),
                      columns=[Column(c["key"], c["title"], ColumnKind(c["kind"])) for c in t["columns"]],
                      rows=[[_read_cell(cell) for cell in row] for row in t["rows"]]) for t in data["tables"]],
        charts=[Chart(key=c["key"], title=c["title"], kind=ChartKind(c["kind"]), labels=list(c["labels"]),
                      series=[Series(s["key"], s["title"], list(s["values"])) for s in c["series"]],
                      table_key=c["table_key"], unit=c.get("unit", "")) for c in data["charts"]],
    )


def digest(data: dict) -> str:
    """The figures' fingerprint: the snapshot without ``generated_at``, in a canonical form."""
    figures = {key: value for key, value in data.items() if key != "generated_at"}
    canonical = json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
