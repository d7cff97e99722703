"""The staff pages of incoming referrals: the ``referrals`` blueprint (url prefix /referrals).

One module a story, all adding their routes to the one blueprint (endpoints ``referrals.<function>``):
``listing`` (the desk's list and the waitlist tab), ``record`` (a referral from a call), ``referral``
(its page: take, withdraw an offer, close), ``placement`` (find a bed, offer, waitlist), ``waiting``
(reorder, leave the waitlist), ``inbox`` (the receiving facility's offers, accept, decline);
``common`` holds the blueprint, the scoped lookups and the menu's counts. Importing this package
registers every route. Partners (``views.partners``, blueprint ``partners``) and outgoing referrals
(``views.outgoing``, blueprint ``outgoing``) have blueprints of their own.
"""

from __future__ import annotations

from shelter.referrals.views import inbox, listing, placement, record, referral, waiting  # noqa: F401
from shelter.referrals.views.common import bp

__all__ = ["bp"]
