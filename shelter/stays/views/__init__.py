"""Admission, transfer, discharge and bed holds: the ``stays`` blueprint.

Each form opens in the bed board's side panel (htmx) or as a page of its own (plain requests, and
links from a resident's page). Every view looks its records up through the scope checks (a bed,
stay or hold outside the user's facilities, or an action the user's role does not allow there, is a
404), calls one service function, commits once, and maps the domain errors to messages.

``origin=board`` says the form was opened on the board: success then answers with a short message
for the panel plus the changed bed and the facility's counters out of band (admission, holds), or
asks the board to refresh itself (``HX-Trigger: boardStale``: transfers and discharges touch more
than one bed). Otherwise the user goes back to the resident's page (or the board).

No resident name, NIK or address goes into a URL (ids only), a message meant for a log, or the
board: the admission form shows names only in its search results, to staff who may open them.

One module a story, all adding their routes to the one blueprint (endpoints ``stays.<function>``):
``admission`` (the admit form and its search), ``stay`` (a stay's panel, transfer, discharge),
``holds``; ``placement`` ranks the free beds both forms offer; ``common`` holds the blueprint, the
lookups and the answers they share. Importing this package registers every route.
"""

from __future__ import annotations

from shelter.stays.views import admission, holds, stay  # noqa: F401 (each adds its routes to bp)
from shelter.stays.views.common import bp

__all__ = ["bp"]
