"""The monthly report as PDF: WeasyPrint renders the printable page's own HTML (the same template, so
the PDF cannot disagree with it), with its print stylesheet and the inline SVG charts.

Nothing is fetched from the network: the fetcher serves our static files from disk (the stylesheet)
and ``data:`` URLs, and refuses every other URL, whatever the page links to.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.security import safe_join

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in the page resolve against this made-up origin; the fetcher never contacts it.
BASE_URL = "http://shelter.invalid/"


class StaticFilesOnly(URLFetcher):
    """Our ``static/`` folder from disk, and ``data:`` URLs; anything else is refused."""

    def __init__(self, folder: str, url_path: str):
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.folder = folder
        self.prefix = url_path.rstrip("/") + "/"

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory (urllib's DataHandler)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(self.prefix):
            raise ValueError("only the app's static files are fetched")
        found = safe_join(self.folder, unquote(parts.path[len(self.prefix):]))
        if found is None or not Path(found).is_file():
            raise ValueError("no such static file")
        mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": mime})


def render_pdf(html: str) -> bytes:
    app = current_app
    fetcher = StaticFilesOnly(app.static_folder or "static", app.static_url_path or "/static")
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print").write_pdf()
