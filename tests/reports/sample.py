"""A hand-built ``Report`` for the documents' tests: the dashboard, the monthly report, its PDF and XLSX
and the charts render any Report from the contract (``shelter.reports.model``), so they are tested
against this one, whose every number is written here."""

from __future__ import annotations

from datetime import date, datetime, timezone

from shelter.reports.model import (Cell, Chart, ChartKind, Column, ColumnKind, Drill, Period, Report, ReportScope,
                                   ScopeLevel, Series, Table)

NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))


def facility_scope(facility_id: int) -> ReportScope:
    return ReportScope(ScopeLevel.facility, facility_id=facility_id)


def sample_report(scope: ReportScope | None = None, period: Period = NOVEMBER, *, suppressed: bool = False,
                  empty: bool = False, drill_endpoint: str = "residents.index") -> Report:
    scope = scope or facility_scope(1)
    days = [date(2026, 11, d) for d in range(1, 31)]
    occupied = [None if empty else 10 + (d % 7) for d in range(30)]
    if not empty:
        occupied[12] = None  # a gap: drawn as a break in the line
    weeks = ["2–8 Nov", "9–15 Nov", "16–22 Nov", "23–29 Nov", "30 Nov"]
    admissions = [0] * 5 if empty else [4, 7, 2, 5, 1]
    discharges = [0] * 5 if empty else [3, 6, 5, 2, 0]
    drill = (lambda **args: Drill(drill_endpoint, args))
    occupancy = Table("occupancy_by_day", "Hunian per hari",
                      [Column("day", "Tanggal", ColumnKind.date), Column("occupied", "Terisi"),
                       Column("rate", "Tingkat hunian", ColumnKind.percent)],
                      [[Cell(day), Cell(value, suppressed=value is None and suppressed),
                        Cell(None if value is None else round(value / 25 * 100, 1))]
                       for day, value in zip(days, occupied)])
    flow = Table("admissions_discharges", "Penerimaan dan kepulangan per minggu",
                 [Column("week", "Minggu", ColumnKind.text), Column("admitted", "Diterima"),
                  Column("discharged", "Dipulangkan")],
                 [[Cell(week), Cell(a, drill=drill(week=i, kind="admitted")),
                   Cell(d, drill=drill(week=i, kind="discharged"))]
                  for i, (week, a, d) in enumerate(zip(weeks, admissions, discharges))])
    outcomes = Table("discharges_by_outcome", "Kepulangan menurut hasil",
                     [Column("outcome", "Hasil", ColumnKind.text), Column("count", "Jumlah")],
                     [[Cell("Kembali ke keluarga"), Cell(0 if empty else 9, drill=drill(outcome="reunified"))],
                      [Cell("Dirujuk ke layanan lain"), Cell(None if suppressed else (0 if empty else 2),
                                                              suppressed=suppressed)],
                      [Cell("Lainnya"), Cell(0 if empty else 5)]])
    los = Table("length_of_stay", "Lama tinggal (hari)",
                [Column("group", "Kelompok", ColumnKind.text), Column("median", "Median", ColumnKind.number),
                 Column("p90", "P90", ColumnKind.number)],
                [[Cell("Dipulangkan"), Cell(None if empty else 23.5), Cell(None if empty else 61.0)]],
                note="Median dan persentil ke-90 lama tinggal.")
    charts = [
        Chart("occupancy", "Hunian per hari", ChartKind.line, [f"{d.day}/11" for d in days],
              [Series("occupied", "Terisi", occupied), Series("capacity", "Kapasitas", [25.0] * 30)],
              "occupancy_by_day"),
        Chart("flow", "Penerimaan dan kepulangan", ChartKind.bar, weeks,
              [Series("admitted", "Diterima", admissions), Series("discharged", "Dipulangkan", discharges)],
              "admissions_discharges"),
        Chart("outcomes", "Kepulangan menurut hasil", ChartKind.hbar,
              ["Kembali ke keluarga", "Dirujuk ke layanan lain", "Lainnya"],
              [Series("count", "Jumlah", [0 if empty else 9, None if suppressed else (0 if empty else 2),
                                          0 if empty else 5])], "discharges_by_outcome"),
        Chart("categories", "Penghuni menurut kategori", ChartKind.stacked_bar, weeks,
              [Series("girls", "Anak perempuan", [2, 3, None, 1, 0]), Series("women", "Perempuan", [5, 4, 3, 2, 1])],
              "admissions_discharges"),
    ]
    return Report(scope=scope, scope_title="Panti Uji Bakti Kasih", period=period,
                  generated_at=datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc), suppressed=suppressed,
                  tables=[occupancy, flow, outcomes, los], charts=charts)
