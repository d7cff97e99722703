#!/usr/bin/env python
"""Bed board benchmark: province-scale data, gunicorn, 50 concurrent clients, ratios to /healthz.

    .venv/bin/python bench/board.py                 # default: 50 facilities / 2,500 beds / 20,000 stays
    .venv/bin/python bench/board.py --large         # 500 facilities / 25,000 beds / 1,000,000 stays
    .venv/bin/python bench/board.py --facilities 500 --beds 25000 --stays 1000000 --reuse

One run:
1. builds (or, with --reuse, reuses) two databases: the measured size and one --small-factor
   times smaller (``bench/datagen.py``; PostgreSQL on 127.0.0.1 if it answers, else SQLite files
   under bench/out/);
2. counts the SQL statements of each page at both sizes, in-process (``bench/sqlcount.py``);
3. serves the app with gunicorn on 127.0.0.1 (a free port), SHELTER_ENV=production, waits on /healthz;
4. logs in through the /login form like a browser, then sends a fixed number of requests per
   endpoint from 50 keep-alive connections (``bench/loadclient.py``), in rounds that alternate the
   endpoints so drift hits all of them alike, each phase bounded by --phase-seconds;
5. prints p50/p95 per endpoint, p95 ÷ /healthz p95 from the same server in the same run, the
   statement counts side by side, and which targets are met; and updates its block in
   bench/RESULTS.md (--no-write to skip).

Speed is never asserted by a test: this script reports, people judge.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import datagen  # noqa: E402
from datagen import Size  # noqa: E402
from loadclient import LoadClient, PhaseResult, percentile  # noqa: E402

DEFAULT = Size(50, 2_500, 20_000)
LARGE = Size(500, 25_000, 1_000_000)
HOST = "127.0.0.1"
RESULTS = BENCH_DIR / "RESULTS.md"
P95_TARGET_MS = 50.0
RATIO_TARGET = 4.0

FIND_PATHS = ["/board/find?sex=female&age=30&children=1", "/board/find?sex=male&age=12",
              "/board/find?sex=female&age=45&wheelchair=y", "/board/find?sex=female&age=24&high_risk=y"]
# p95 ÷ /healthz p95 targets (issue 13); endpoints not named here have none.
RATIO_TARGETS = {"/board/ (": 4.0, "/api/v1/availability": 4.0, "/board/ poll": 2.0, "/board/find": 4.0,
                 "/residents/": 6.0}
SINGLE_P50_TARGET_MS = 15.0  # board and availability API, one client
SIZE_TARGET_KB = 60.0  # the board's response
# (name, path or path-builder, who: a role whose session is used, or "token", or None = anonymous)
ENDPOINTS = [
    ("/healthz", "/healthz", None),
    ("/board/ (admin)", "/board/", "admin"),
    ("/board/ (case manager)", "/board/", "case_manager"),
    ("/api/v1/availability", "/api/v1/availability", "token"),
    ("/residents/<id>", lambda ds: [f"/residents/{r}" for r in ds.resident_ids] or ["/residents/1"], "intake_staff"),
    ("/board/find (find-a-bed)", lambda ds: FIND_PATHS, "case_manager"),
    ("/ (home worklist, case manager)", "/", "case_manager"),
    ("/board/ poll (304)", "/board/", "poll"),
]
# Pages whose statements are counted (in-process) at both sizes.
COUNTED = [
    ("/healthz", "/healthz", "admin"),
    ("/board/ (admin: every facility)", "/board/", "admin"),
    ("/board/ (case manager)", "/board/", "case_manager"),
    ("/board/?facility=1 (admin: one facility's beds)", "/board/?facility=1", "admin"),
    ("/api/v1/availability (token)", "/api/v1/availability", "token"),
    ("/residents/<id> (typical, intake staff)", lambda ds: f"/residents/{ds.typical_resident_id}", "intake_staff"),
    ("/residents/<id> (most stays, intake staff)", lambda ds: f"/residents/{ds.heavy_resident_id}", "intake_staff"),
    ("/board/find (find-a-bed, case manager)", FIND_PATHS[0], "case_manager"),
    ("/ (home worklist, case manager)", "/", "case_manager"),
]
P95_TARGETED = ("/board/", "/api/v1/availability")


def log(message: str = "") -> None:
    print(message, flush=True)


# --- data -------------------------------------------------------------------------------------------

def database_name_for(size: Size) -> str:
    if size == DEFAULT:
        return "shelter_bench"
    if size == LARGE:
        return "shelter_bench_large"
    return f"shelter_bench_f{size.facilities}_b{size.beds}_s{size.stays}"


def absolute_sqlite(url: str) -> str:
    # Flask-SQLAlchemy would resolve a relative SQLite path against instance/; we mean the cwd.
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(url[len("sqlite:///"):]).resolve())
    return url


def dataset_for(url: str, size: Size, seed: int, reuse: bool):
    if reuse:
        existing = datagen.load_existing(url, size, seed)
        if existing is not None:
            log(f"reusing {redact(url)} ({size.label()}), built in {existing.seconds.get('total')} s")
            return existing
    log(f"generating {size.label()} into {redact(url)}")
    return datagen.generate(url, size, seed=seed, log=log)


def redact(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


# --- the server ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, args):
        self.port = free_port()
        self.log_path = datagen.OUT_DIR / f"gunicorn-{datagen.meta_path(url).stem}.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.argv = [str(gunicorn), "--worker-class", args.worker_class, "--workers", str(args.workers),
                     "--threads", str(args.threads), "--bind", f"{HOST}:{self.port}", "--keep-alive", "75",
                     "--timeout", "60", "--log-level", "warning", "--chdir", str(REPO), "wsgi:app"]
        self.env = dict(os.environ, SHELTER_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                        DATABASE_URL=url, FIELD_ENCRYPTION_KEYS=datagen.FIELD_KEY)
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 60.0) -> None:
        datagen.OUT_DIR.mkdir(exist_ok=True)
        self.logfile = self.log_path.open("w")
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=REPO, stdout=self.logfile,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                status, _, _ = http_request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"/healthz did not answer 200 within {wait:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the gunicorn arbiter we started, by its pid
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "logfile", None):
            self.logfile.close()


def http_request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def cookie_from(headers, name: str = "shelter_session") -> str | None:
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0]
    return None


def browser_login(port: int, email: str, password: str, trusted: str | None = None) -> str:
    """Log in through the /login form (CSRF token from the page's hidden input); return the Cookie header.
    ``trusted``: the remembered-browser token of a user who needs two-step sign-in (the bench admin)."""
    from sqlcount import csrf_token

    status, headers, body = http_request(port, "GET", "/login")
    cookie = cookie_from(headers)
    if status != 200 or cookie is None:
        raise SystemExit(f"GET /login gave HTTP {status} without a session cookie")
    form = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": csrf_token(body.decode())})
    status, headers, _ = http_request(port, "POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie + (f"; shelter_trusted={trusted}" if trusted else "")})
    cookie = cookie_from(headers)
    if status != 302 or cookie is None:
        raise SystemExit(f"login as {email} failed: HTTP {status}")
    return cookie


# --- measuring ------------------------------------------------------------------------------------------

def measure(dataset, args) -> tuple[dict, dict, dict]:
    """Serve the app and load it. Returns (50-client results, 1-client results, server info)."""
    server = Server(dataset.url, args)
    log(f"gunicorn: {shlex.join(server.argv[1:])}")
    server.start()
    client = None
    try:
        auth = {role: {"Cookie": browser_login(server.port, dataset.users[role], dataset.password,
                                               datagen.trusted_browser(dataset.users, role))}
                for role in ("admin", "case_manager", "intake_staff")}
        auth.update({"token": {"Authorization": f"Bearer {dataset.api_token}"}, None: {}})
        # The board's own 30-second poll: an htmx request with the ETag of the board it shows.
        _, board_headers, _ = http_request(server.port, "GET", "/board/", headers={
            **auth["case_manager"], "HX-Request": "true"})
        etag = next((v for k, v in board_headers if k.lower() == "etag"), '"none"')
        auth["poll"] = {**auth["case_manager"], "HX-Request": "true", "X-Background-Poll": "1",
                        "If-None-Match": etag}
        plan = []
        wanted = [o for o in args.only.split(",") if o]
        for name, path, who in ENDPOINTS:
            if wanted and name != "/healthz" and not any(o in name for o in wanted):
                continue
            paths = path(dataset) if callable(path) else [path]
            plan.append((name, paths, auth[who]))
        client = LoadClient(HOST, server.port, args.concurrency)
        if args.wait_quiet:
            waited = wait_quiet(args.wait_quiet)
            log(f"waited {waited:.0f} s for quiet: load average {os.getloadavg()[0]:.1f}")
        warm = min(args.concurrency, 2 * args.workers * args.threads)
        log(f"warm-up: {warm} requests per endpoint")
        for name, paths, headers in plan:
            client.run_phase(name, paths, headers, count=warm, time_limit=5, concurrency=warm,
                             request_timeout=args.request_timeout)
        serial = {}
        for name, paths, headers in plan:
            serial[name] = client.run_phase(name, paths, headers, count=args.serial_requests,
                                            time_limit=min(5.0, args.phase_seconds), concurrency=1,
                                            request_timeout=args.request_timeout)
        load_before = os.getloadavg()
        loaded = {name: PhaseResult(name) for name, _, _ in plan}
        per_round = max(1, args.requests // args.rounds)
        for round_number in range(1, args.rounds + 1):
            for name, paths, headers in plan:
                count = per_round * (args.baseline_factor if name == "/healthz" else 1)
                result = client.run_phase(name, paths, headers, count=count, time_limit=args.phase_seconds,
                                          request_timeout=args.request_timeout)
                loaded[name].merge(result)
                log(f"  round {round_number} {name:<22} {result.completed:5d} req in {result.wall:6.1f} s  "
                    f"p50 {ms(percentile(result.latencies, 50))}  p95 {ms(percentile(result.latencies, 95))}"
                    + ("  (time limit)" if result.truncated else ""))
        info = {"argv": server.argv, "port": server.port, "load_before": load_before, "warm": warm,
                "load_after": os.getloadavg()}
    finally:
        if client is not None:
            client.close()
        server.stop()
    return loaded, serial, info


def wait_quiet(limit: float) -> float:
    """Wait (at most ``limit`` seconds) for the 1-minute load average to fall below 1.0."""
    began = time.monotonic()
    while os.getloadavg()[0] >= 1.0 and time.monotonic() - began < limit:
        time.sleep(5)
    return time.monotonic() - began


def ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:.1f}"


# --- report ---------------------------------------------------------------------------------------------

def status_summary(statuses: dict) -> str:
    return ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items())) or "none"


def endpoint_table(loaded: dict, serial: dict, size: Size) -> tuple[str, list[str]]:
    base = loaded["/healthz"]
    base_p95 = percentile(base.latencies, 95)
    is_large = size.beds >= LARGE.beds and size.stays >= LARGE.stays
    rows = ["| endpoint | requests | HTTP status | p50 ms | p95 ms | p95 ÷ /healthz p95 | req/s | "
            "1 client p50 ms | KB per response | targets | met? |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|"]
    verdicts = []
    for name, result in loaded.items():
        p50, p95 = percentile(result.latencies, 50), percentile(result.latencies, 95)
        ratio = p95 / base_p95 if base_p95 == base_p95 and base_p95 > 0 else float("nan")
        rps = result.completed / result.wall if result.wall else 0.0
        single = percentile(serial[name].latencies, 50) if name in serial else float("nan")
        targets, met = [], []
        expected = {304} if "(304)" in name else {200}
        only_200 = set(result.statuses) == expected and result.errors == 0
        kb = result.body_bytes / max(1, result.completed) / 1024
        if name != "/healthz":
            target = next((t for prefix, t in RATIO_TARGETS.items() if name.startswith(prefix)), None)
            if target is not None:
                targets.append(f"≤ {target:g}× /healthz")
                met.append(ratio <= target)
            if name.startswith(P95_TARGETED) and "(304)" not in name:
                targets.append(f"1 client p50 ≤ {SINGLE_P50_TARGET_MS:g} ms")
                met.append(single * 1000 <= SINGLE_P50_TARGET_MS)
            if name.startswith("/board/ (") or (name.startswith("/board/") and "find" not in name and "304" not in name):
                targets.append(f"≤ {SIZE_TARGET_KB:g} KB")
                met.append(kb <= SIZE_TARGET_KB)
        if name == "/healthz":
            verdict = "baseline"
        elif any(code >= 500 for code in result.statuses):
            verdict = ("**not measured**: server errors (" + status_summary(result.statuses)
                       + "; see bench/out/gunicorn-*.log)")
        elif not only_200:
            verdict = "**not measured**: page not built or refused (answers " + status_summary(result.statuses) + ")"
            if result.errors:
                verdict += f", {result.errors} transport errors"
        else:
            verdict = ("yes" if all(met) else "**no**") if met else "(no target)"
        verdicts.append(f"{name}: {verdict}")
        trunc = " (time limit)" if result.truncated else ""
        rows.append(f"| `{name}` | {result.completed}{trunc} | {status_summary(result.statuses)} | {ms(p50)} | "
                    f"{ms(p95)} | {ratio:.1f}× | {rps:.0f} | {ms(single)} | "
                    f"{kb:.1f} | {'; '.join(targets) or '—'} | "
                    f"{verdict} |")
    return "\n".join(rows), verdicts


def statements_table(small_counts, main_counts, small: Size, main: Size) -> tuple[str, list[str]]:
    rows = [f"| page | statements, {small.label()} | statements, {main.label()} | same? | HTTP | "
            "in-process ms (small → main) | slowest statement at the larger size |",
            "|---|---:|---:|---|---|---:|---|"]
    verdicts = []
    for s, m in zip(small_counts, main_counts):
        same = s.statements == m.statements and s.stable and m.stable
        built = s.status == 200 and m.status == 200
        verdict = ("yes" if same else "**no**") if built else f"n/a (HTTP {m.status})"
        if built and not (s.stable and m.stable):
            verdict += " (count changed between repeated requests)"
        verdicts.append(f"{s.name}: {verdict}")
        slowest = ""
        if m.slowest:
            t, sql = m.slowest[0]
            slowest = f"{t:.1f} ms: `{' '.join(sql.split())[:90]}…`"
        rows.append(f"| `{s.name}` | {s.statements} | {m.statements} | {verdict} | {s.status} / {m.status} | "
                    f"{s.seconds * 1000:.0f} → {m.seconds * 1000:.0f} | {slowest} |")
    return "\n".join(rows), verdicts


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        mem_text = f", {mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        mem_text = ""
    return f"{os.cpu_count()} cores ({cpu}){mem_text}, Python {platform.python_version()}"


def database_version(url: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.execute(sa.text("SHOW server_version")).scalar().split()[0]
            return "SQLite " + conn.execute(sa.text("SELECT sqlite_version()")).scalar()
    finally:
        engine.dispose()


def git_head() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def block_key(size: Size) -> str:
    if size == DEFAULT:
        return "default"
    if size == LARGE:
        return "large"
    return f"f{size.facilities}-b{size.beds}-s{size.stays}"


def write_results(key: str, text: str) -> None:
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _: block, current)
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(current)


# --- main -----------------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--facilities", type=int, default=DEFAULT.facilities)
    p.add_argument("--beds", type=int, default=DEFAULT.beds)
    p.add_argument("--stays", type=int, default=DEFAULT.stays)
    p.add_argument("--large", action="store_true", help=f"shorthand for {LARGE.label()}")
    p.add_argument("--database-url", help="default: a fresh PostgreSQL database on 127.0.0.1 "
                                          "(shelter_bench…) if it answers, else a SQLite file in bench/out/")
    p.add_argument("--small-factor", type=int, default=10,
                   help="the second data size for statement counts is this many times smaller (default 10)")
    p.add_argument("--reuse", action="store_true", help="reuse databases built earlier with the same parameters")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--requests", type=int, default=400, help="requests per endpoint under load (default 400)")
    p.add_argument("--rounds", type=int, default=2, help="rounds alternating the endpoints (default 2)")
    p.add_argument("--baseline-factor", type=int, default=4,
                   help="/healthz gets this many times --requests (default 4)")
    p.add_argument("--concurrency", type=int, default=50, help="concurrent keep-alive clients (default 50)")
    p.add_argument("--serial-requests", type=int, default=20,
                   help="requests per endpoint from one client, for the unloaded latency (default 20, ≤ 5 s)")
    p.add_argument("--phase-seconds", type=float, default=10.0,
                   help="time limit of one phase (one endpoint in one round); default 10")
    p.add_argument("--request-timeout", type=float, default=180.0,
                   help="seconds one request may take before it counts as an error (default 180)")
    p.add_argument("--wait-quiet", type=float, default=0.0,
                   help="wait up to this many seconds for the machine's 1-minute load average to fall "
                        "below 1.0 before loading (the machine may be shared); default 0")
    p.add_argument("--only", default="", help="comma-separated substrings: load only these endpoints "
                                              "(/healthz always); for experiments")
    p.add_argument("--worker-class", default="gthread")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = p.parse_args(argv)
    if args.large:
        args.facilities, args.beds, args.stays = LARGE.facilities, LARGE.beds, LARGE.stays
    for name in ("requests", "rounds", "concurrency", "phase_seconds", "request_timeout", "baseline_factor"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if (args.concurrency > 200 or args.requests * args.baseline_factor > 100_000 or args.phase_seconds > 600
            or args.request_timeout > 600 or args.wait_quiet > 1800):
        p.error("load is bounded: at most 200 clients, 100,000 requests per endpoint, 600 s per phase "
                "and per request, 1800 s of waiting for quiet")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    command = " ".join(["python bench/board.py", shlex.join(sys.argv[1:] if argv is None else argv)]).strip()
    began = time.perf_counter()
    size = Size(args.facilities, args.beds, args.stays)
    small = size.scaled(args.small_factor)
    url = absolute_sqlite(args.database_url or datagen.default_database_url(database_name_for(size)))
    small_url = datagen.sibling_url(url, "_small")

    t = time.perf_counter()
    dataset = dataset_for(url, size, args.seed, args.reuse)
    small_dataset = dataset_for(small_url, small, args.seed, args.reuse)
    generation = time.perf_counter() - t
    log(f"data ready in {generation:.1f} s: {json.dumps(dataset.counts)}")

    from sqlcount import count_pages

    log("counting SQL statements per page at both sizes (in-process)")
    small_counts = count_pages(small_dataset, COUNTED)
    main_counts = count_pages(dataset, COUNTED)

    log(f"load: {args.concurrency} clients, {args.requests} requests per endpoint in {args.rounds} rounds")
    loaded, serial, server = measure(dataset, args)

    table, endpoint_verdicts = endpoint_table(loaded, serial, size)
    statements, statement_verdicts = statements_table(small_counts, main_counts, small, size)
    now = datetime.now(timezone.utc)
    wib = now + timedelta(hours=7)
    elapsed = time.perf_counter() - began
    gen_main = dataset.seconds.get("total")
    report = "\n".join([
        f"### {size.label()}",
        "",
        f"- date: {now:%Y-%m-%d %H:%M} UTC ({wib:%H:%M} WIB); code: `{git_head()}`",
        f"- machine: {machine()}; {database_version(url)}",
        f"- command: `{command}` (whole run {elapsed:.0f} s)",
        f"- data: {json.dumps(dataset.counts)}; generated in {gen_main} s"
        + (" (reused)" if args.reuse and gen_main is not None and generation < 1 else ""),
        f"- server: `gunicorn {shlex.join(server['argv'][1:])}`, SHELTER_ENV=production",
        "- machine load average (1/5/15 min) before → after the loaded rounds: "
        + " / ".join(f"{x:.1f}" for x in server["load_before"]) + " → "
        + " / ".join(f"{x:.1f}" for x in server["load_after"])
        + " (the machine is shared: other processes compete for the 2 cores)",
        f"- load: {args.concurrency} keep-alive clients (asyncio, same machine), {args.requests} requests "
        f"per endpoint in {args.rounds} rounds alternating endpoints, each phase stopped after "
        f"{args.phase_seconds:g} s (\"time limit\" in the table), after a warm-up of {server['warm']} per "
        f"endpoint; /healthz gets {args.baseline_factor}× the requests (cheap, and a steadier baseline on a "
        f"shared machine); the board as admin (every facility; sees inside all) and as a case manager "
        f"(every facility's counts, inside facilities 1–5), the resident page as intake staff (residents "
        f"in their facilities, {len(dataset.resident_ids)} ids in turn), the API with the case manager's "
        f"token; find-a-bed as the case manager ({len(FIND_PATHS)} questions in turn); the case manager's home "
        f"worklist ({dataset.counts.get('case_manager_open_stays', '?')} open stays in their facilities); the "
        f"board's 30-second poll as the case manager, with the ETag of the board it shows (answered 304). "
        f"\"1 client p50\": {args.serial_requests} requests one at a time, unloaded.",
        "",
        table,
        "",
        f"SQL statements per page (third request of three, in-process, production config), "
        f"{small.label()} vs {size.label()}:",
        "",
        statements,
        "",
        "Verdicts: " + "; ".join(endpoint_verdicts[1:] + ["statements " + v for v in statement_verdicts]) + ".",
    ])
    log()
    log(report)
    if not args.no_write:
        write_results(block_key(size), report)
        log(f"\nwritten to {RESULTS.relative_to(REPO)} (block bench:{block_key(size)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
