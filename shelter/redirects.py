"""Where to send the browser next (``?next=`` after login, the language switch): one check for all.

An open redirect is decided by what the *browser* makes of the Location header, not by what the
string looks like to Python. Browsers (the WHATWG URL parser) drop tabs and newlines anywhere,
strip leading control characters and spaces, and read a backslash as a slash, so ``/\\t/evil``
becomes ``//evil`` (another host) although it "starts with one slash". The review found exactly
that (issue 9, 2.1), and a newline in ``next`` made Werkzeug refuse the header: a 500 after the
login had been committed (2.6).

So the rule is written as an allow-list over the cleaned, parsed value: after NFKC (a look-alike
slash or dot is judged as what it folds to, and refused when it folds to anything else), only
printable ASCII without backslashes or whitespace; ``urlsplit`` finds no scheme and no host; the
path starts with exactly one ``/``; and the path, percent-decoded once, passes the same test (so a
server or proxy that decodes it cannot turn it into ``//host`` either). Anything else goes to the
home page. The value is then returned as given: it is already in the only form we accept.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import url_for

MAX_LENGTH = 2000


def _plain(text: str) -> bool:
    """Printable ASCII only (``!`` to ``~``), no backslash: no controls, spaces or Unicode look-alikes."""
    return all("!" <= ch <= "~" and ch != "\\" for ch in text)


def is_safe_next(target: object) -> bool:
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return False
    if unicodedata.normalize("NFKC", target) != target or not _plain(target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)  # urlsplit("///x") finds no host: the raw value is checked above too
    if parts.scheme or parts.netloc:
        return False
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return False
    decoded = unquote(path)
    return _plain(decoded) and not decoded.startswith("//")


def safe_next(target: object) -> str:
    """``target`` when it is a path on this site, else the home page."""
    return target if is_safe_next(target) else url_for("home.index")  # type: ignore[return-value]
