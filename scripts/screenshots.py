"""Screenshots of the main pages, per role, at 390 px (a phone) and 1280 px, on the invented demo data.

    make screenshots            # PNGs into screenshots/<role>/<width>-<page>.png (gitignored)

A throwaway SQLite database in a temporary directory: migrated, the demo loaded, served on a free local
port for the length of the run; Chromium is Debian's /usr/bin/chromium, driven by Playwright. The pages are
those of each role's menu and bottom bar, plus the first record each list leads to (a resident, a facility...).
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.phone import DESKTOP, PHONE, menu_links  # noqa: E402
from tests.browser.test_phone_layout import RECORD  # noqa: E402

OUT = ROOT / "screenshots"


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def main() -> int:
    import flask_migrate
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from shelter import create_app, demo
    from shelter.config import Config
    from shelter.extensions import db
    from tests.browser.fixtures import CHROMIUM, CHROMIUM_ARGS
    from tests.conftest import remembered_for_two_step

    tmp = tempfile.TemporaryDirectory(prefix="shelter-screenshots-")
    app = create_app(Config.for_tests(f"sqlite:///{tmp.name}/demo.sqlite3"))
    with app.app_context():
        flask_migrate.upgrade()
        logins = demo.load()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    count = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for role, email, password in logins:
                context = browser.new_context(base_url=base)
                token = remembered_for_two_step(app, email)
                if token:
                    from shelter.auth.twostep import TRUST_COOKIE
                    context.add_cookies([{"name": TRUST_COOKIE, "value": token, "url": base}])
                page = context.new_page()
                page.goto("/login")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", password)
                with page.expect_navigation():
                    page.click("form:has(input[name=password]) button[type=submit]")
                paths = menu_links(page)
                for path in list(paths):
                    page.goto(path)
                    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => new URL(e.href).pathname)")
                    paths += [h for h in hrefs if re.match(RECORD, h)][:1]
                paths = list(dict.fromkeys(paths))
                folder = OUT / role
                folder.mkdir(parents=True, exist_ok=True)
                for size in (PHONE, DESKTOP):
                    page.set_viewport_size(size)
                    for path in paths:
                        page.goto(path)
                        page.wait_for_load_state("networkidle")
                        page.screenshot(path=str(folder / f"{size['width']}-{slug(path)}.png"), full_page=True)
                        count += 1
                    if size is PHONE:  # the menu opened, once
                        page.goto("/")
                        page.click(".menu > summary")
                        page.screenshot(path=str(folder / f"{size['width']}-menu-open.png"))
                        count += 1
                context.close()
            browser.close()
    finally:
        server.shutdown()
        tmp.cleanup()
    print(f"{count} screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
