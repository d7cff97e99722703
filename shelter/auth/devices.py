"""Device cookies: OWASP's answer to "anyone can lock everyone out" (issue 9, 2.2).

After a successful login the browser gets a signed cookie naming the account and an opaque random id
for this browser (``[[user id, random id], …]``, one pair per account that logged in on it, newest
first; never an email or a name). A later attempt for that account presenting a valid pair is counted
against that pair alone (``throttle`` kind ``device``): strangers' failures, which lock the account and
the shared address, do not hold it back. When a device cookie is locked in its turn, the browser is a
stranger again and the account's and address's limits apply, so a stolen cookie buys a few guesses,
not a bypass. A forged, tampered or expired cookie, or another account's pair, is simply not trusted.

The cookie is HttpOnly, SameSite=Lax, Secure in production, and lasts ``device_cookie_days``; it is
signed (itsdangerous, with the app's SECRET_KEY and its own salt) but not secret: it holds nothing
personal. It is not cleared at logout: it says which browser this is, not who is logged in.
"""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "shelter_device"
SALT = "shelter-device"
MAX_ACCOUNTS = 8  # a shared office computer: each caseworker who uses it keeps it as a known browser


def _config():
    return current_app.config["SHELTER"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _pairs(token: str | None) -> list[tuple[int, str]]:
    if not token or len(token) > 2000:
        return []
    try:
        data = _serializer().loads(token, max_age=_config().device_cookie_days * 86400)
    except BadData:
        return []
    if not isinstance(data, list):
        return []
    return [(pair[0], pair[1]) for pair in data
            if isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is int and isinstance(pair[1], str)]


def device_id(token: str | None, user) -> str | None:
    """The random id this browser has for ``user``, when its cookie is genuine and names that account."""
    if user is None:
        return None
    return next((device for user_id, device in _pairs(token) if user_id == user.id), None)


def remember(response, token: str | None, user) -> None:
    """After a successful login: (re)issue the cookie, with this account's pair first."""
    pairs = _pairs(token)
    mine = next((device for user_id, device in pairs if user_id == user.id), None) or secrets.token_urlsafe(16)
    others = [[user_id, device] for user_id, device in pairs if user_id != user.id]
    value = _serializer().dumps([[user.id, mine], *others][:MAX_ACCOUNTS])
    response.set_cookie(COOKIE_NAME, value, max_age=_config().device_cookie_days * 86400, path="/",
                        httponly=True, secure=_config().secure_cookies, samesite="Lax")
