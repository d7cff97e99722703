"""Response headers for every response: CSP without inline code, no framing, no caching, HSTS in production.

Two layers set them. The ``after_request`` hook covers every response Flask finishes, error pages
included. A WSGI middleware around the whole app is the last line: when Flask cannot finish a response
(the database is down while the user is loaded and the error page needs it too), the exception would
reach the server, which answers with a bare 500 without any of these headers. The middleware answers
instead with a static page, and fills in any header a response still lacks.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask, current_app, request

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Pages may carry residents' data: never store them in a browser or proxy cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# The last resort cannot count on templates or Babel (they may be what failed): both languages, no data.
FALLBACK_PAGE = (
    b'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Shelter</title></head><body>'
    b"<h1>Terjadi kesalahan / Something went wrong</h1>"
    b"<p>Coba lagi sebentar lagi; jika terus terjadi, hubungi administrator Anda.<br>"
    b"Please try again in a moment; if it keeps happening, tell your administrator.</p></body></html>"
)


def fixed_headers(app: Flask) -> dict[str, str]:
    """The headers every response carries, static files included."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    max_age = app.config["SHELTER"].hsts_max_age
    if max_age > 0:
        # Only ever sent over the HTTPS the production set-up requires; browsers ignore it over http.
        headers["Strict-Transport-Security"] = f"max-age={max_age}"
    return headers


def add_security_headers(response):
    headers = response.headers
    for name, value in fixed_headers(current_app).items():
        headers.setdefault(name, value)
    if request.endpoint != "static":
        headers.update(NO_STORE)
        headers.add("Vary", "Cookie")
    return response


class SecurityHeadersMiddleware:
    """WSGI middleware: the headers on every response, and a static 500 for what escapes Flask."""

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.static_prefix = (app.static_url_path or "/static") + "/"

    def _complete(self, headers: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
        present = {name.lower() for name, _value in headers}
        missing = dict(fixed_headers(self.app))
        if not path.startswith(self.static_prefix):
            missing.update(NO_STORE)
            missing["Vary"] = "Cookie"
        return headers + [(name, value) for name, value in missing.items() if name.lower() not in present]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")

        started = []

        def start(status, headers, exc_info=None):
            started.append(status)
            return start_response(status, self._complete(list(headers), path), exc_info)

        try:
            return self.wsgi_app(environ, start)
        except Exception as error:
            if self._propagates():
                raise
            # The class only: the message may carry a statement's values or a connection string.
            log.error("request failed and its error page too: %s", type(error).__name__)
            # exc_info only when a status was already given: the server then re-raises if it is too late.
            start("500 INTERNAL SERVER ERROR",
                  [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(FALLBACK_PAGE)))],
                  sys.exc_info() if started else None)
            return [FALLBACK_PAGE]

    def _propagates(self) -> bool:
        # Flask's own rule: tests and the debugger want the exception itself.
        propagate = self.app.config.get("PROPAGATE_EXCEPTIONS")
        return bool(self.app.testing or self.app.debug) if propagate is None else bool(propagate)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.wsgi_app = SecurityHeadersMiddleware(app)
