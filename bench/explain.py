#!/usr/bin/env python
"""EXPLAIN ANALYZE every SELECT a page issues, on a database built by bench/board.py (PostgreSQL).

    .venv/bin/python bench/explain.py --large /board/ --as case_manager
    .venv/bin/python bench/explain.py --large /api/v1/availability --as token
    .venv/bin/python bench/explain.py --large "/residents/{heavy}" --as intake_staff

The page is requested in-process (Flask test client, production config) three times; the SELECTs of
the third request are re-run under EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back.
Prints, per statement: its execution time, and any sequential scan of a big table. ``{heavy}`` and
``{typical}`` in the path stand for the resident ids the data set picked.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen  # noqa: E402
from board import DEFAULT, LARGE, database_name_for  # noqa: E402
from sqlcount import BASE, StatementRecorder, login  # noqa: E402

BIG_TABLES = ("stays", "bed_assignments", "residents", "bed_holds", "audit_events", "resident_categories")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path")
    p.add_argument("--as", dest="who", default="admin", help="admin | case_manager | intake_staff | token")
    p.add_argument("--large", action="store_true")
    p.add_argument("--database-url")
    p.add_argument("--plans", action="store_true", help="print the whole plan of every statement")
    args = p.parse_args(argv)
    size = LARGE if args.large else DEFAULT
    url = args.database_url or datagen.default_database_url(database_name_for(size))
    dataset = datagen.load_existing(url, size, 1)
    if dataset is None:
        raise SystemExit(f"no data set for {size.label()} at {url}: run bench/board.py first")
    path = args.path.format(heavy=dataset.heavy_resident_id, typical=dataset.typical_resident_id)

    import sqlalchemy as sa
    from shelter import create_app
    from shelter.extensions import db

    app = create_app(datagen.app_config(dataset.url, secrets.token_urlsafe(32)))
    with app.app_context():
        recorder = StatementRecorder(db.engine)
        captured = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cur, stmt, params, ctx, many: recorder.active and captured.append((stmt, params)))
    client = app.test_client()
    headers = {}
    if args.who == "token":
        headers = {"Authorization": f"Bearer {dataset.api_token}"}
    else:
        login(client, dataset.users[args.who], dataset.password, datagen.trusted_browser(dataset.users, args.who))
    for attempt in range(3):
        captured.clear()
        recorder.active = attempt == 2
        response = client.get(path, base_url=BASE, headers=headers)
        recorder.active = False
    print(f"{path} as {args.who}: HTTP {response.status_code}, {len(captured)} statements")
    with app.app_context():
        with db.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                raise SystemExit("EXPLAIN ANALYZE output is only read on PostgreSQL")
            trans = conn.begin()
            for n, (statement, params) in enumerate(captured, 1):
                head = " ".join(statement.split())[:110]
                if not statement.lstrip().upper().startswith("SELECT"):
                    print(f"\n#{n} (not a SELECT, skipped) {head}")
                    continue
                plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
                total = next((line for line in reversed(plan) if line.startswith("Execution Time")), "")
                print(f"\n#{n} {total}  {head}")
                for line in plan:
                    if args.plans or any(f"Seq Scan on {t} " in line for t in BIG_TABLES):
                        print("    " + line)
            trans.rollback()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
