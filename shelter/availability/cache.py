"""Answers built from the availability data, kept per app (and so per process) by the data's version.

The board's fragment, the API's page and find-a-bed's results depend only on the data (whose version
``lookup.version`` gives in one small query) and on who asks and what they ask. Keyed by a digest of
both, an answer built once is reused until the version changes: a new version makes a new key, and old
keys fall out of the bounded LRU. Nothing else is kept: no page with a CSRF token, no resident's name
(the board shows none), and only in this process's memory. Each app has its own store (tests build an
app per database).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, TypeVar

from flask import current_app

T = TypeVar("T")
MAX_ENTRIES = 512
EXTENSION = "shelter.availability.cache"


class Store:
    def __init__(self):
        self.entries: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, build: Callable[[], T]) -> T:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]  # type: ignore[return-value]
        value = build()
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return value


_create_lock = threading.Lock()


def _store() -> Store:
    store = current_app.extensions.get(EXTENSION)
    if store is None:
        with _create_lock:
            store = current_app.extensions.setdefault(EXTENSION, Store())
    return store


def cached(key: str, build: Callable[[], T]) -> T:
    """The answer kept under ``key``, or ``build()``'s (then kept). Two requests that miss together
    both build; the second's answer is the one kept (they are equal)."""
    return _store().get(key, build)


def clear() -> None:
    """Forget every answer (a test that changes how answers are built, not the data)."""
    store = _store()
    with store.lock:
        store.entries.clear()
