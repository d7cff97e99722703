"""Province-scale data for the benchmarks, built with set-based SQL (never the ORM row by row).

Small tables (facilities, rooms, beds, the open stays: at most a few tens of thousands of rows) are
decided in Python with a seeded ``random.Random`` and inserted with SQLAlchemy's batched
``insertmanyvalues``. The big tables (residents, historical stays, bed assignments, released
holds, categories) are built inside the database by ``INSERT … SELECT`` over a number series
(``generate_series`` on PostgreSQL, a recursive CTE on SQLite), with a deterministic integer hash
standing in for randomness, so the same parameters give the same data on every run.

Shape of the data (every name invented: "Penghuni 000123", "Panti Uji 0007", "Rumah Aman Uji 0010"):

- facilities: every 5th is a Rumah Aman (smaller, women and mothers with children); the rest are
  panti; spread over the six kota. Beds per facility vary (0.5×–1.5× the mean, a Rumah Aman 0.4×).
- rooms of 4–8 beds across the room categories (female/male/mixed_family × child/adult/
  mother_with_children); ~8% of beds wheelchair accessible, cribs in rooms for mothers.
- bed states now: ~2% out of service, ~1.5% held (an active hold), ~78% occupied (an open stay
  with one open assignment), the rest available; ~0.5% of available beds carry an expired hold
  that nobody released (it must not count).
- stays: all but the open ones are historical (discharged, with an outcome) over ten years; each
  has one bed assignment, one in ten was moved once within its facility (two assignments). One in
  ten open stays was moved too (a closed assignment, then the open one). Residents: 0.6 per stay,
  so most have one stay and some two; residents 1–10 are "frequent" (about one in a thousand
  stays is theirs: ~100 stays each at the large size), registered at facility 1, so a resident
  page with a long timeline is measured at scale.
- released holds: one per 20 stays over the ten years.
- users: an admin; an intake_staff in facilities 1–3; a case_manager in facilities 1–5
  (facility 5 is a Rumah Aman); an API token for the case manager.

The partial unique indexes hold by construction: every occupied bed gets exactly one open
assignment, and open stay n belongs to resident ((H + n - 1) mod R) + 1, distinct for n ≤ R.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
PASSWORD = "bench-password-not-a-secret"
# FIELD_ENCRYPTION_KEYS of the throwaway bench databases (not a secret either); the server gets it too.
FIELD_KEY = "c2hlbHRlci1iZW5jaC1maWVsZC1rZXktMzJieXRlcyE="
SPAN_DAYS = 3650
KOTA = ["jakarta_pusat", "jakarta_utara", "jakarta_barat", "jakarta_selatan", "jakarta_timur", "kepulauan_seribu"]
PANTI_ROOMS = [("female", "adult"), ("female", "child"), ("male", "child"), ("male", "adult"),
               ("mixed_family", "mother_with_children"), ("female", "mother_with_children")]
SAFE_HOUSE_ROOMS = [("female", "adult"), ("mixed_family", "mother_with_children"), ("female", "child")]
OUTCOMES = ["reunified", "returned_home_region", "referred", "moved_facility", "independent",
            "left_without_notice", "died", "other"]
CHILD_CATEGORIES = [
    "ampk_emergency", "ampk_conflict_with_law", "ampk_minority_isolated", "ampk_economic_sexual_exploitation",
    "ampk_drug_victim", "ampk_pornography_victim", "ampk_hiv_aids", "ampk_abduction_trafficking",
    "ampk_physical_psychological_violence", "ampk_sexual_crime_victim", "ampk_terrorism_network",
    "ampk_disability", "ampk_abuse_neglect", "ampk_deviant_social_behaviour", "ampk_parental_stigma",
]
ADULT_CATEGORIES = ["adult_domestic_violence", "adult_trafficking", "adult_sexual_violence",
                    "ppks_homeless", "ppks_beggar", "ppks_street_child", "ppks_neglected_elderly", "ppks_other"]
INTAKE_FACILITIES = (1, 2, 3)
CASE_MANAGER_FACILITIES = (1, 2, 3, 4, 5)
FREQUENT_RESIDENTS = 10


@dataclass
class Size:
    facilities: int
    beds: int
    stays: int

    def label(self) -> str:
        return f"{self.facilities} facilities / {self.beds:,} beds / {self.stays:,} stays"

    def scaled(self, factor: int) -> "Size":
        return Size(max(5, self.facilities // factor), max(50, self.beds // factor), max(500, self.stays // factor))


@dataclass
class Dataset:
    """What the harness needs to know about a generated database (also kept as JSON in bench/out/)."""

    url: str
    size: dict
    seed: int
    password: str
    users: dict  # role -> email
    api_token: str
    counts: dict = field(default_factory=dict)
    resident_ids: list = field(default_factory=list)   # open stays in the intake user's facilities
    heavy_resident_id: int | None = None               # the intake-visible resident with most stays
    typical_resident_id: int | None = None
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


# --- SQL dialect helpers ----------------------------------------------------------------------------

class Dialect:
    def __init__(self, name: str):
        self.pg = name == "postgresql"

    def with_series(self, n: int) -> tuple[str, str]:
        """(statement prefix, FROM item) yielding integers s.i = 1..n."""
        if self.pg:
            return "", f"generate_series(CAST(1 AS BIGINT), {int(n)}) AS s(i)"
        return (f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) ", "s")

    def ts(self, seconds: str) -> str:
        """A naive-UTC timestamp from Unix seconds, stored the way the app's UTCDateTime stores it."""
        if self.pg:
            return f"(TIMESTAMP '1970-01-01 00:00:00' + ({seconds}) * INTERVAL '1 second')"
        return f"(datetime({seconds}, 'unixepoch') || '.000000')"

    def day(self, days: str) -> str:
        if self.pg:
            return f"(DATE '1970-01-01' + ({days})::integer)"
        return f"date(({days}) * 86400, 'unixepoch')"

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(({expr})::text, {width}, '0')"
        return f"printf('%0{width}d', {expr})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"


def h(expr: str, salt: int, modulus: int) -> str:
    """A deterministic, well-spread integer in [0, modulus) from an integer expression (no RNG in SQL).

    A quadratic over the prime 1000003: consecutive inputs land far apart, and different salts give
    different quadratics (not merely shifted copies), so two properties of one row do not move together.
    Values stay far below 2**63 for inputs up to a few million.
    """
    a, b, c = 7 + 2 * salt, 48271 + 7919 * salt, 104729 * salt + 1
    e = f"CAST({expr} AS BIGINT)"
    return f"((({e} * {e} * {a} + {e} * {b} + {c}) % 1000003) % {int(modulus)})"


def pick(index_sql: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE {index_sql} {whens} END)"


# --- database lifecycle -----------------------------------------------------------------------------

def default_database_url(name: str) -> str:
    """A fresh PostgreSQL database ``name`` on 127.0.0.1 if PostgreSQL answers, else a SQLite file."""
    try:
        engine = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                                  connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        OUT_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{OUT_DIR / (name + '.sqlite3')}"


def sibling_url(url: str, suffix: str) -> str:
    """The URL of a second database next to ``url`` (for the smaller data size)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        return f"sqlite:///{path.with_name(path.stem + suffix + path.suffix)}"
    return parsed.set(database=parsed.database + suffix).render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = parsed.database
    admin = sa.create_engine(parsed.set(drivername="postgresql+psycopg", database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def app_config(url: str, secret_key: str):
    from shelter.config import Config

    return Config.from_env({"SHELTER_ENV": "production", "SECRET_KEY": secret_key, "DATABASE_URL": url,
                            "FIELD_ENCRYPTION_KEYS": FIELD_KEY})


def meta_path(url: str) -> Path:
    parsed = sa.make_url(url)
    name = Path(parsed.database).stem if parsed.get_backend_name() == "sqlite" else parsed.database
    return OUT_DIR / f"{name}.json"


# --- the generator ----------------------------------------------------------------------------------

def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), at least 1 each."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [max(1, int(x)) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while rest != 0:
        j = order[i % len(order)]
        if rest > 0:
            out[j] += 1
            rest -= 1
        elif out[j] > 1:
            out[j] -= 1
            rest += 1
        i += 1
    return out


def _layout(size: Size, rnd: random.Random):
    """Facilities, rooms and beds (with each bed's state now), decided in Python."""
    facilities, rooms, beds = [], [], []
    kinds = ["rumah_aman" if i % 5 == 0 else "panti" for i in range(1, size.facilities + 1)]
    weights = [(0.4 if k == "rumah_aman" else 1.0) * (0.5 + rnd.random()) for k in kinds]
    per_facility = _allocate(size.beds, weights)
    bed_id = room_id = 0
    for f_index, (kind, n_beds) in enumerate(zip(kinds, per_facility), start=1):
        kota = "kepulauan_seribu" if f_index % 25 == 0 else KOTA[f_index % 5]
        if kind == "rumah_aman":
            name = f"Rumah Aman Uji {f_index:04d}"
        else:
            name = f"Panti Sosial Uji {f_index:04d}"
        facilities.append({"id": f_index, "code": f"BF{f_index:04d}", "name": name, "kind": kind, "kota": kota,
                           "address": f"Jl. Fiktif Uji No. {f_index}", "phone": None, "is_active": True})
        categories = SAFE_HOUSE_ROOMS if kind == "rumah_aman" else PANTI_ROOMS
        left, r_number = n_beds, 0
        while left > 0:
            r_number += 1
            room_id += 1
            sex, age_group = categories[(r_number - 1 + f_index) % len(categories)]
            in_room = min(left, rnd.randint(4, 8))
            left -= in_room
            rooms.append({"id": room_id, "facility_id": f_index, "name": f"Kamar {r_number:02d}",
                          "sex": sex, "age_group": age_group})
            for b_number in range(1, in_room + 1):
                bed_id += 1
                u = rnd.random()
                state = ("out_of_service" if u < 0.02 else "held" if u < 0.035 else
                         "occupied" if u < 0.815 else "available")
                beds.append({
                    "id": bed_id, "room_id": room_id, "label": f"{b_number:02d}", "facility_id": f_index,
                    "wheelchair_accessible": rnd.random() < 0.08,
                    "has_crib": age_group == "mother_with_children" and b_number % 2 == 0,
                    "state": state, "sex": sex, "age_group": age_group,
                    "stale_hold": state == "available" and rnd.random() < 0.006,
                })
    # A sibling bed in the same facility, for moves within the facility.
    by_facility: dict[int, list[int]] = {}
    for bed in beds:
        by_facility.setdefault(bed["facility_id"], []).append(bed["id"])
    for ids in by_facility.values():
        for i, b in enumerate(ids):
            beds[b - 1]["sibling_id"] = ids[(i + 1) % len(ids)]
    return facilities, rooms, beds


def generate(url: str, size: Size, *, seed: int = 1, log=print) -> Dataset:
    """Build a fresh database at ``url`` with data of ``size``. Returns what the harness needs."""
    from shelter import create_app
    from shelter.extensions import db

    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 2)
        log(f"  {name:<28} {now - since:7.2f} s")
        return now

    t = time.perf_counter()
    recreate_database(url)
    app = create_app(app_config(url, secrets.token_urlsafe(32)))
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade()
        t = lap("schema (migrations)", t)
        dialect = Dialect(db.engine.dialect.name)
        rnd = random.Random(seed)
        facilities, rooms, beds = _layout(size, rnd)
        info = _load(db, dialect, size, facilities, rooms, beds, rnd, lap, t)
        t = time.perf_counter()
        _encrypt_niks(db)
        t = lap("NIK encryption", t)
        info_users, token = _users_and_token(db)
        t = time.perf_counter()
        _holds(db, dialect, size, beds, info_users, info)
        t = lap("holds", t)
        # Loaded with SQL, around the services: write the stored availability counts the board reads
        # (shelter.availability; the migration filled them for the then-empty tables).
        from shelter.availability import store

        store.fill_all()
        db.session.commit()
        t = lap("availability counts", t)
        _finish(db, dialect)
        t = lap("vacuum analyze", t)
        dataset = _describe(db, url, size, seed, info_users, token)
        db.session.remove()
        db.engine.dispose()
    timings["total"] = round(time.perf_counter() - started, 2)
    dataset.seconds = timings
    OUT_DIR.mkdir(exist_ok=True)
    import json

    meta_path(url).write_text(json.dumps(dataset.as_dict(), indent=2))
    return dataset


def _load(db, d: Dialect, size: Size, facilities, rooms, beds, rnd, lap, t) -> dict:
    from shelter.facilities.models import Bed, Facility, Room
    from shelter.stays.models import Stay

    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    now_s = int((now - datetime(1970, 1, 1)).total_seconds())
    end_s = now_s - 2 * 86400          # history ends two days ago
    t0_s = end_s - SPAN_DAYS * 86400
    today_days = (now.date() - date(1970, 1, 1)).days

    occupied = [b for b in beds if b["state"] == "occupied"]
    O, B = len(occupied), size.beds
    H = size.stays - O
    if H < 1:
        raise SystemExit(f"--stays {size.stays} must exceed the number of occupied beds ({O})")
    R = max(int(size.stays * 0.6), O, FREQUENT_RESIDENTS + 1)
    created = datetime(2016, 1, 1, tzinfo=timezone.utc)

    engine = db.engine
    with engine.begin() as conn:
        conn.execute(Facility.__table__.insert(), [dict(f, created_at=created) for f in facilities])
        conn.execute(Room.__table__.insert(), rooms)
        oos_since, oos_until = now.date() - timedelta(days=10), now.date() + timedelta(days=20)
        conn.execute(Bed.__table__.insert(), [{
            "id": b["id"], "room_id": b["room_id"], "label": b["label"],
            "wheelchair_accessible": b["wheelchair_accessible"], "has_crib": b["has_crib"],
            "out_of_service_reason": "Perbaikan (bench)" if b["state"] == "out_of_service" else None,
            "out_of_service_since": oos_since if b["state"] == "out_of_service" else None,
            "out_of_service_until": (oos_until if b["id"] % 2 else None) if b["state"] == "out_of_service" else None,
        } for b in beds])

        # Helper tables for this load only (dropped at the end).
        conn.execute(sa.text("DROP TABLE IF EXISTS bench_beds"))
        conn.execute(sa.text("DROP TABLE IF EXISTS bench_open"))
        conn.execute(sa.text("CREATE TABLE bench_beds (bed_id INTEGER PRIMARY KEY, facility_id INTEGER NOT NULL, "
                             "sibling_id INTEGER NOT NULL)"))
        conn.execute(sa.text("CREATE TABLE bench_open (rn INTEGER PRIMARY KEY, bed_id INTEGER NOT NULL, "
                             "sibling_id INTEGER NOT NULL, facility_id INTEGER NOT NULL, "
                             "resident_id INTEGER NOT NULL, sex VARCHAR(8) NOT NULL, birth_date DATE NOT NULL, "
                             "admit_s BIGINT NOT NULL, move_s BIGINT)"))
        bench_beds = sa.table("bench_beds", sa.column("bed_id"), sa.column("facility_id"), sa.column("sibling_id"))
        conn.execute(bench_beds.insert(), [{"bed_id": b["id"], "facility_id": b["facility_id"],
                                            "sibling_id": b["sibling_id"]} for b in beds])
        open_rows = []
        for rn, b in enumerate(occupied, start=1):
            k = H + rn
            child = b["age_group"] == "child"
            age_days = (rnd.randint(6, 17) if child else rnd.randint(18, 60)) * 365 + rnd.randint(0, 364)
            admit_s = now_s - rnd.randint(3600, 180 * 86400)
            move_s = admit_s + rnd.randint(600, max(601, now_s - admit_s - 60)) if rnd.random() < 0.1 else None
            open_rows.append({"rn": rn, "bed_id": b["id"], "sibling_id": b["sibling_id"],
                              "facility_id": b["facility_id"], "resident_id": (k - 1) % R + 1,
                              "sex": "male" if b["sex"] == "male" else "female",
                              "birth_date": now.date() - timedelta(days=age_days),
                              "admit_s": admit_s, "move_s": move_s})
        bench_open = sa.table("bench_open", *[sa.column(c) for c in open_rows[0]])
        conn.execute(bench_open.insert(), open_rows)
    t = lap(f"facilities/rooms/beds ({len(facilities)}/{len(rooms)}/{len(beds)})", t)

    # Residents.
    prefix, src = d.with_series(R)
    i = "s.i"
    child = f"{h(i, 8, 100)} < 30"
    age_years = f"(CASE WHEN {child} THEN 6 + {h(i, 9, 12)} ELSE 18 + {h(i, 9, 48)} END)"
    estimated = f"{h(i, 11, 5)} = 0"
    risk = f"(CASE {h(i, 19, 10)} WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'medium' ELSE 'low' END)"
    registered_s = d.least(f"{t0_s} + ((s.i - 1) * {SPAN_DAYS * 86400}) / {H} - 86400", str(now_s - 86400))
    with engine.begin() as conn:
        conn.execute(sa.text(f"""{prefix}
            INSERT INTO residents (id, full_name, alias, sex, birth_date, estimated_age, nik, kota_of_origin,
                                   risk_level, disabilities, guardian_id, registered_facility_id,
                                   registered_by_id, registered_at, version)
            SELECT s.i,
                   'Penghuni ' || {d.pad(i, 6)},
                   CASE WHEN {h(i, 13, 4)} = 0 THEN 'P' || {d.pad(i, 6)} ELSE NULL END,
                   CASE WHEN {h(i, 14, 2)} = 0 THEN 'female' ELSE 'male' END,
                   CASE WHEN {estimated} THEN NULL
                        ELSE {d.day(f"{today_days} - {age_years} * 365 - {h(i, 10, 365)}")} END,
                   CASE WHEN {estimated} THEN {age_years} ELSE NULL END,
                   CASE WHEN {h(i, 15, 10)} < 3 THEN '3171' || {d.pad(i, 12)} ELSE NULL END,
                   {pick(h(i, 16, 6), KOTA)},
                   {risk}, '', NULL,
                   CASE WHEN s.i <= {FREQUENT_RESIDENTS} THEN 1 ELSE bb.facility_id END,
                   NULL, {d.ts(registered_s)}, 1
            FROM {src} JOIN bench_beds bb ON bb.bed_id = {h(i, 1, B)} + 1
        """))
        # Residents who are in a bed now match their room (sex, child or adult).
        conn.execute(sa.text("""
            UPDATE residents SET sex = bench_open.sex, birth_date = bench_open.birth_date, estimated_age = NULL
            FROM bench_open WHERE residents.id = bench_open.resident_id
        """))
        rid = "r.id"
        conn.execute(sa.text(f"""
            INSERT INTO resident_categories (resident_id, category)
            SELECT r.id, CASE WHEN {h(rid, 8, 100)} < 30 THEN {pick(h(rid, 17, len(CHILD_CATEGORIES)), CHILD_CATEGORIES)}
                              ELSE {pick(h(rid, 17, len(ADULT_CATEGORIES)), ADULT_CATEGORIES)} END
            FROM residents r
        """))
    t = lap(f"residents ({R:,})", t)

    # Historical stays k = 1..H: resident (k-1) mod R + 1 (or a frequent resident), a bed by hash,
    # admitted in order over ten years, discharged after 12 h – 180 days (frequent ones: hours).
    prefix, src = d.with_series(H)
    frequent = f"{h(i, 12, 1000)} = 0"
    admit = f"({t0_s} + ((s.i - 1) * {SPAN_DAYS * 86400}) / {H})"
    length = f"(CASE WHEN {frequent} THEN 3600 * (6 + {h(i, 2, 66)}) ELSE 3600 * (12 + {h(i, 2, 180 * 24)}) END)"
    discharge = d.least(f"{admit} + {length}", str(end_s))
    middle = f"({admit} + ({discharge} - {admit}) / 2)"
    moved = f"{h(i, 5, 10)} = 0"
    with engine.begin() as conn:
        conn.execute(sa.text(f"""{prefix}
            INSERT INTO stays (id, resident_id, facility_id, admitted_at, admitted_by_id, over_capacity,
                               override_reason, discharged_at, discharged_by_id, discharge_outcome,
                               discharge_note, previous_stay_id)
            SELECT s.i,
                   CASE WHEN {frequent} THEN 1 + (s.i % {FREQUENT_RESIDENTS}) ELSE (s.i - 1) % {R} + 1 END,
                   bb.facility_id, {d.ts(admit)}, NULL, false, NULL, {d.ts(discharge)}, NULL,
                   {pick(h(i, 4, len(OUTCOMES)), OUTCOMES)}, '', NULL
            FROM {src} JOIN bench_beds bb ON bb.bed_id = {h(i, 1, B)} + 1
        """))
        t = lap(f"historical stays ({H:,})", t)
        conn.execute(sa.text(f"""{prefix}
            INSERT INTO bed_assignments (stay_id, bed_id, started_at, ended_at)
            SELECT s.i, bb.bed_id, {d.ts(admit)}, CASE WHEN {moved} THEN {d.ts(middle)} ELSE {d.ts(discharge)} END
            FROM {src} JOIN bench_beds bb ON bb.bed_id = {h(i, 1, B)} + 1
        """))
        conn.execute(sa.text(f"""{prefix}
            INSERT INTO bed_assignments (stay_id, bed_id, started_at, ended_at)
            SELECT s.i, bb.sibling_id, {d.ts(middle)}, {d.ts(discharge)}
            FROM {src} JOIN bench_beds bb ON bb.bed_id = {h(i, 1, B)} + 1
            WHERE {moved}
        """))
        t = lap("historical assignments", t)

        # Open stays: one per occupied bed, ids H+1.., one open assignment each.
        conn.execute(sa.text(f"""
            INSERT INTO stays (id, resident_id, facility_id, admitted_at, admitted_by_id, over_capacity,
                               override_reason, discharged_at, discharged_by_id, discharge_outcome,
                               discharge_note, previous_stay_id)
            SELECT {H} + o.rn, o.resident_id, o.facility_id, {d.ts('o.admit_s')}, NULL, false, NULL, NULL, NULL,
                   NULL, '', NULL
            FROM bench_open o
        """))
        conn.execute(sa.text(f"""
            INSERT INTO bed_assignments (stay_id, bed_id, started_at, ended_at)
            SELECT {H} + o.rn, o.sibling_id, {d.ts('o.admit_s')}, {d.ts('o.move_s')}
            FROM bench_open o WHERE o.move_s IS NOT NULL
        """))
        conn.execute(sa.text(f"""
            INSERT INTO bed_assignments (stay_id, bed_id, started_at, ended_at)
            SELECT {H} + o.rn, o.bed_id, {d.ts('COALESCE(o.move_s, o.admit_s)')}, NULL
            FROM bench_open o
        """))
        t = lap(f"open stays ({O:,})", t)
    return {"now_s": now_s, "t0_s": t0_s, "end_s": end_s, "H": H, "R": R, "O": O}


def _encrypt_niks(db) -> None:
    """The bulk load writes NIKs as text; the app stores them encrypted with a keyed hash beside them."""
    from shelter.encryption import keyring

    ring = keyring()
    last = 0
    while True:
        rows = db.session.execute(sa.text("SELECT id, nik FROM residents WHERE nik IS NOT NULL AND id > :last "
                                          "ORDER BY id LIMIT 5000"), {"last": last}).all()
        if not rows:
            break
        db.session.execute(sa.text("UPDATE residents SET nik = :nik, nik_hash = :hash WHERE id = :id"), [
            {"id": rid, "nik": ring.encrypt(nik, "residents.nik"), "hash": ring.nik_hash(nik)} for rid, nik in rows])
        db.session.commit()
        last = rows[-1][0]


def _users_and_token(db):
    from shelter.api.auth import issue_token
    from shelter.auth import service as auth
    from shelter.auth.models import Role
    from shelter.facilities.models import Facility

    def facilities(ids):
        return db.session.scalars(sa.select(Facility).where(Facility.id.in_(ids))).all()

    admin = auth.create_user(email="admin@bench.shelter.test", full_name="Admin Uji", password=PASSWORD,
                             roles=[Role.ADMIN])
    intake = auth.create_user(email="petugas@bench.shelter.test", full_name="Petugas Uji", password=PASSWORD,
                              roles=[Role.INTAKE_STAFF], facilities=facilities(INTAKE_FACILITIES))
    case_manager = auth.create_user(email="manajer.kasus@bench.shelter.test", full_name="Manajer Kasus Uji",
                                    password=PASSWORD, roles=[Role.CASE_MANAGER],
                                    facilities=facilities(CASE_MANAGER_FACILITIES))
    db.session.flush()
    token = issue_token(case_manager, "bench")
    # Admins need two-step sign-in: the bench admin is enrolled and the harness's "browser" remembered
    # (the trusted-browser cookie), so it logs in with the password as before.
    import pyotp

    from shelter.auth import twostep
    from shelter.auth.models import TwoStep
    from shelter.db import utcnow

    # Users of a Rumah Aman need it too (the case manager's facilities include one): every bench user
    # is enrolled, each with a remembered browser of its own.
    trusted = {}
    for role, user in (("admin", admin), ("case_manager", case_manager), ("intake_staff", intake)):
        db.session.add(TwoStep(user_id=user.id, secret=pyotp.random_base32(), confirmed_at=utcnow()))
        trusted[role] = twostep.trust_browser(user)
    users = {"admin": admin.email, "intake_staff": intake.email, "case_manager": case_manager.email,
             "case_manager_id": case_manager.id, "intake_staff_id": intake.id, "trusted_browser": trusted["admin"],
             "trusted_browsers": trusted}
    db.session.commit()
    db.session.close()  # no open transaction (on SQLite: no write lock) while the bulk load goes on
    return users, token


def _holds(db, d: Dialect, size: Size, beds, users, info) -> None:
    from shelter.stays.models import BedHold

    now = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=info["now_s"])
    by = users["case_manager_id"]
    rows = []
    for b in beds:
        if b["state"] == "held":
            rows.append({"bed_id": b["id"], "held_by_id": by, "reason": "Rujukan (bench)",
                         "created_at": now - timedelta(hours=2), "expires_at": now + timedelta(hours=22),
                         "released_at": None, "release_reason": None})
        elif b["stale_hold"]:  # expired, never released: must not count as held
            rows.append({"bed_id": b["id"], "held_by_id": by, "reason": "Rujukan kedaluwarsa (bench)",
                         "created_at": now - timedelta(days=3), "expires_at": now - timedelta(days=2),
                         "released_at": None, "release_reason": None})
    n = max(1, size.stays // 20)
    prefix, src = d.with_series(n)
    i = "s.i"
    created = f"({info['t0_s']} + ((s.i - 1) * {SPAN_DAYS * 86400}) / {n})"
    with db.engine.begin() as conn:
        if rows:
            conn.execute(BedHold.__table__.insert(), rows)
        conn.execute(sa.text(f"""{prefix}
            INSERT INTO bed_holds (bed_id, held_by_id, reason, created_at, expires_at, released_at, release_reason)
            SELECT {h(i, 18, size.beds)} + 1, {by}, 'Rujukan ' || {d.pad(i, 7)}, {d.ts(created)},
                   {d.ts(created + ' + 86400')}, {d.ts(created + ' + 43200')},
                   {pick(h(i, 20, 3), ['used', 'cancelled', 'expired'])}
            FROM {src}
        """))


def _finish(db, d: Dialect) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE bench_beds"))
        conn.execute(sa.text("DROP TABLE bench_open"))
        if d.pg:
            for table in ("facilities", "rooms", "beds", "residents", "stays"):
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    if d.pg:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _describe(db, url, size: Size, seed, users, token) -> Dataset:
    q = lambda sql, **kw: db.session.execute(sa.text(sql), kw)  # noqa: E731
    counts = {t: q(f"SELECT count(*) FROM {t}").scalar() for t in (
        "facilities", "rooms", "beds", "residents", "stays", "bed_assignments", "bed_holds", "resident_categories")}
    counts["open_stays"] = q("SELECT count(*) FROM stays WHERE discharged_at IS NULL").scalar()
    counts["open_assignments"] = q("SELECT count(*) FROM bed_assignments WHERE ended_at IS NULL").scalar()
    counts["active_holds"] = q("SELECT count(*) FROM bed_holds WHERE released_at IS NULL AND expires_at > :now",
                               now=datetime.now(timezone.utc).replace(tzinfo=None)).scalar()
    counts["out_of_service"] = q("SELECT count(*) FROM beds WHERE out_of_service_reason IS NOT NULL").scalar()
    managed = ", ".join(str(i) for i in CASE_MANAGER_FACILITIES)
    counts["case_manager_open_stays"] = q(f"SELECT count(*) FROM stays WHERE discharged_at IS NULL "
                                          f"AND facility_id IN ({managed})").scalar()
    ids = ", ".join(str(i) for i in INTAKE_FACILITIES)
    resident_ids = [r for (r,) in q(f"SELECT resident_id FROM stays WHERE discharged_at IS NULL "
                                    f"AND facility_id IN ({ids}) ORDER BY id LIMIT 200")]
    heavy = q(f"SELECT resident_id, count(*) AS n FROM stays WHERE resident_id <= {FREQUENT_RESIDENTS} "
              "GROUP BY resident_id ORDER BY n DESC, resident_id LIMIT 1").first()
    counts["heavy_resident_stays"] = heavy[1] if heavy else 0
    db.session.rollback()
    return Dataset(url=url, size=asdict(size), seed=seed, password=PASSWORD, users=users, api_token=token,
                   counts=counts, resident_ids=resident_ids, heavy_resident_id=heavy[0] if heavy else None,
                   typical_resident_id=resident_ids[0] if resident_ids else None)


def load_existing(url: str, size: Size, seed: int) -> Dataset | None:
    """The dataset described in bench/out/ if it was built with the same parameters (for --reuse)."""
    import json

    path = meta_path(url)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("size") != asdict(size) or data.get("seed") != seed or data.get("url") != url:
        return None
    if "trusted_browsers" not in data.get("users", {}) or not _schema_is_current(url):
        print(f"not reusing {path.name}: built by an older bench or schema; building it again", flush=True)
        return None
    return Dataset(**data)


def _schema_is_current(url: str) -> bool:
    """The database is at the migrations' head (a data set built before a new table lacks it)."""
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(BENCH_DIR.parent / "migrations")).get_heads())
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return current == heads


def trusted_browser(users: dict, role: str) -> str | None:
    """The remembered-browser token of the bench user of ``role`` (data sets built before every user
    was enrolled know only the admin's)."""
    return (users.get("trusted_browsers") or {}).get(role) or (users.get("trusted_browser") if role == "admin" else None)


if __name__ == "__main__":  # python bench/datagen.py URL F B S
    import sys

    url_, f_, b_, s_ = sys.argv[1], *map(int, sys.argv[2:5])
    ds = generate(url_, Size(f_, b_, s_))
    print(ds.counts)
    os._exit(0)

