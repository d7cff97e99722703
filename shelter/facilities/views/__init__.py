"""Facilities, rooms and beds (the ``facilities`` blueprint): pages for everyone in scope, changes for
admins and facility managers.

Every view: look the record up through a scope check (404 outside it), validate the form, call one
service function, commit once (or roll back and show the message next to the field). htmx requests
get the fragment alone (``_room.html``, ``_rooms.html``, ``_bed_row.html``); plain requests get the
page, so everything also works without JavaScript.

One module a story, all adding their routes to the one blueprint (endpoints ``facilities.<function>``):
``facility`` (the list, a facility's page and its changes), ``rooms``, ``beds``; ``common`` holds the
blueprint, the lookups and the rendering they share. Importing this package registers every route.
"""

from __future__ import annotations

from shelter.facilities.views import beds, facility, rooms  # noqa: F401 (each adds its routes to bp)
from shelter.facilities.views.common import bp

__all__ = ["bp"]
