"""Vendored front-end code: pinned by hash, served from our own origin."""

from __future__ import annotations

import hashlib
import re

from shelter.config import HTMX_FILE, PROJECT_ROOT

VENDOR = PROJECT_ROOT / "static" / "vendor"


def _readme_rows() -> dict[str, tuple[str, str]]:
    """file name → (version, sha256) from static/vendor/README.md."""
    text = (VENDOR / "README.md").read_text()
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|[^|]*\|\s*([^|\s]+)\s*\|\s*`([0-9a-f]{64})`\s*\|", text, re.M)
    return {name: (version, digest) for name, version, digest in rows}


def test_every_vendored_file_matches_its_recorded_hash():
    rows = _readme_rows()
    assert rows, "static/vendor/README.md lists no files"
    for name, (_version, digest) in rows.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_every_vendored_script_is_listed():
    listed = set(_readme_rows())
    scripts = {p.name for p in VENDOR.iterdir() if p.suffix in (".js", ".css")}
    assert scripts == listed


def test_the_app_uses_the_pinned_htmx():
    rows = _readme_rows()
    name = HTMX_FILE.removeprefix("vendor/")
    assert name in rows
    version, _ = rows[name]
    assert f"htmx-{version}.min.js" == name
    assert re.search(r'version:\s*"' + re.escape(version) + '"', (VENDOR / name).read_text())


def test_base_template_loads_htmx_from_static():
    base = (PROJECT_ROOT / "templates" / "base.html").read_text()
    assert "url_for('static', filename=HTMX_FILE)" in base


def test_pages_load_htmx_from_our_own_origin(client):
    html = client.get("/login").get_data(as_text=True)
    assert f'<script src="/static/{HTMX_FILE}"' in html
    response = client.get(f"/static/{HTMX_FILE}")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert hashlib.sha256(response.data).hexdigest() == _readme_rows()[HTMX_FILE.removeprefix("vendor/")][1]
    response.close()
