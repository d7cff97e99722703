#!/usr/bin/env python
"""Reports at province scale: how long ``build_report`` takes for the province's and a facility's month.

    .venv/bin/python bench/reports.py --large            # 500 facilities / 25,000 beds / 1,000,000 stays
    .venv/bin/python bench/reports.py --large --reuse    # keep the database an earlier run built
    .venv/bin/python bench/reports.py                    # the default size (50 facilities, 20,000 stays)

One run:
1. builds (or, with --reuse, reuses) its own database (``bench/datagen.py``; by default
   ``bench_reports_large`` / ``bench_reports`` on the PostgreSQL at 127.0.0.1, so it never collides with
   ``board.py``'s), and adds once two follow-ups per discharged stay (``jobs.prepare``), so the
   follow-up figures have rows to count;
2. in-process (no HTTP, no template): takes the admin user, and times, one at a time,
   ``build_report`` for the last full month (WIB) of the province, of a kota and of the largest facility,
   counting each report's SQL statements; then, signed in as the admin through the test client, the
   monthly report's page (HTML), PDF and XLSX of the province and the facility's page and PDF; and a GET
   of ``/healthz`` for the ratio, each ``--repeats`` times after one warm-up (the PDFs fewer);
3. prints p50 / max per report, the ratio to /healthz p50 measured in the same run, and whether the
   targets of issue 12 are met (province < 2 s, facility < 300 ms); writes its block in bench/RESULTS.md
   (``--no-write`` to skip).

Speed is never asserted by a test: this script reports, people judge.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import board  # noqa: E402
import datagen  # noqa: E402
import jobs  # noqa: E402

TARGETS_MS = {"province": 2000.0, "facility": 300.0}


def timed(func, repeats: int) -> list[float]:
    func()  # warm-up: compiled statements, caches
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--large", action="store_true")
    p.add_argument("--database-url", help="default: bench_reports[_large] on PostgreSQL at 127.0.0.1 (else SQLite)")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--followups", type=int, help="follow-ups to add once (default: 2 per discharged stay, "
                                                 "at most 2,000,000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    size = board.LARGE if args.large else board.DEFAULT
    name = "bench_reports_large" if args.large else "bench_reports"
    url = board.absolute_sqlite(args.database_url or datagen.default_database_url(name))
    dataset = board.dataset_for(url, size, args.seed, reuse=args.reuse)
    followups = args.followups if args.followups is not None else min(2_000_000, 2 * size.stays)

    from shelter import create_app
    from shelter.auth.models import User
    from shelter.extensions import db
    from shelter.facilities.models import Bed, Room
    from shelter.localtime import local_today
    from shelter.reports.figures import build_report
    from shelter.reports.model import ReportScope, ScopeLevel
    from shelter.reports.scopes import default_period

    logging.getLogger("shelter").setLevel(logging.WARNING)
    app = create_app(datagen.app_config(url, "bench-reports-not-a-secret-" + "x" * 32))
    with app.app_context():
        t = time.perf_counter()
        added = jobs.prepare(db, followups)
        board.log(f"prepared in {time.perf_counter() - t:.1f} s (added {added or 'nothing'})")
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                  for t in ("facilities", "beds", "stays", "bed_assignments", "follow_ups", "residents")}
        largest = db.session.execute(sa.select(Room.facility_id, sa.func.count(Bed.id)).join(Bed, Bed.room_id == Room.id)
                                     .group_by(Room.facility_id).order_by(sa.func.count(Bed.id).desc()).limit(1)).one()
        db.session.remove()
    board.log(f"data: {counts}; largest facility {largest[0]} ({largest[1]} beds)")

    results = {}
    with app.test_request_context():
        admin = db.session.scalar(sa.select(User).where(User.email == dataset.users["admin"]))
        assert admin.is_admin and admin.facility_ids is not None
        period = default_period(local_today())
        scopes = {"province": ReportScope(ScopeLevel.province),
                  "kota (jakarta_timur)": ReportScope(ScopeLevel.kota, kota="jakarta_timur"),
                  "facility": ReportScope(ScopeLevel.facility, facility_id=largest[0])}
        for label, scope in scopes.items():
            seen: list[str] = []

            def count(conn, cursor, statement, *rest):
                seen.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", count)
            report = build_report(admin, scope, period)
            sa.event.remove(db.engine, "before_cursor_execute", count)
            runs = timed(lambda: build_report(admin, scope, period), args.repeats)
            results[label] = (runs, len(seen), len(report.tables))
            board.log(f"{label}: p50 {statistics.median(runs):.0f} ms, max {max(runs):.0f} ms, "
                      f"{len(seen)} statements, {len(report.tables)} tables")
        db.session.remove()
    # The same reports as a user gets them: the monthly page (HTML: figures + template), its PDF and
    # XLSX, through the test client as the admin (signed in like a browser), one at a time.
    from sqlcount import BASE, login

    browser = app.test_client()
    login(browser, dataset.users["admin"], dataset.password, datagen.trusted_browser(dataset.users, "admin"))
    month = f"{period.start:%Y-%m}"
    documents = {"province page (HTML)": f"/reports/monthly?month={month}",
                 "province PDF": f"/reports/monthly.pdf?month={month}",
                 "province XLSX": f"/reports/monthly.xlsx?month={month}",
                 "facility page (HTML)": f"/reports/monthly?month={month}&facility={largest[0]}",
                 "facility PDF": f"/reports/monthly.pdf?month={month}&facility={largest[0]}"}
    for label, path in documents.items():
        def get(path=path):
            response = browser.get(path, base_url=BASE)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} gave HTTP {response.status_code}")
        runs = timed(get, max(3, args.repeats // 2) if "PDF" in label else args.repeats)
        results[label] = (runs, None, None)
        board.log(f"{label}: p50 {statistics.median(runs):.0f} ms, max {max(runs):.0f} ms")
    client = app.test_client()
    health = timed(lambda: client.get("/healthz"), max(20, args.repeats * 4))
    health_p50 = statistics.median(health)
    board.log(f"/healthz p50 {health_p50:.1f} ms")

    rows = ["| report (last full month) | p50 ms | max ms | p50 ÷ /healthz p50 | SQL statements | target | met? |",
            "|---|---:|---:|---:|---:|---|---|"]
    for label, (runs, statements, _tables) in results.items():
        target = TARGETS_MS.get(label.split(" ")[0]) if statements is not None or "HTML" in label else None
        met = "—" if target is None else ("yes" if max(runs) < target else "**no**")
        rows.append(f"| {label} | {statistics.median(runs):.0f} | {max(runs):.0f} | "
                    f"{statistics.median(runs) / health_p50:.0f}× | {statements if statements is not None else '—'} | "
                    f"{'< %d ms' % target if target else '—'} | {met} |")
    now = datetime.now(timezone.utc)
    text = "\n".join([
        f"### reports, {size.label()}",
        "",
        f"- date: {now:%Y-%m-%d %H:%M} UTC; code: `{board.git_head()}`",
        f"- machine: {board.machine()}; {board.database_version(url)}; shared with other workers' processes "
        f"(load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)",
        f"- command: `python bench/reports.py{' --large' if args.large else ''}`; data: {counts}",
        f"- `build_report` in-process (figures only: no template, no HTTP), then the monthly report's page, "
        f"PDF and XLSX through the test client as the signed-in admin (figures, template, WeasyPrint, "
        f"openpyxl), the admin's report (nothing "
        f"suppressed) for {period.start:%Y-%m}; {args.repeats} runs (PDF: fewer) after a warm-up, one at a time; the "
        f"facility is the one with most beds ({largest[1]}); /healthz p50 through the test client in the same "
        f"run: {health_p50:.1f} ms",
        "",
        *rows,
    ])
    print()
    print(text)
    if not args.no_write:
        board.write_results(f"reports-{board.block_key(size)}", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
