"""Availability: per-facility bed counts that are stored and read, not recomputed per request.

**What is stored.** One row per facility (``availability_counts``): for all beds, for each bed
category (women, girls, boys, mothers with children, men) and for wheelchair-accessible beds, the
total, occupied, held, out-of-service and available (free) counts; the open over-capacity placements;
and a ``version`` that grows by one at every refresh. And one row per room (``room_availability``):
its free beds, and of those wheelchair accessible and with a crib, which find-a-bed reads
(``lookup.free_beds_by_room``) instead of deriving every room's from assignments and holds.

**When it is written.** In the transaction of every change, by listeners of the domain events
(``shelter.events``; ``availability.listeners``): ``beds_changed`` (admission into a bed, transfer,
discharge, a hold placed, released or expired, beds added, removed, put out of or back into service)
and ``stay_admitted`` for an over-capacity placement (no bed changes, but the facility's
over-capacity count does). The listener locks the facilities' rows, then recounts them from the
source tables (``store.refresh``; the facilities' rooms too, rewritten under the same locks): a recount rather than +1/−1, so no event needs to say *what*
changed and a concurrent change in the same facility, waiting on the row lock, recounts after us.
Stays never import this package.

**Holds that expire by time.** Nothing is written when a hold's ``expires_at`` passes. So the stored
row counts a hold as *held until it is released* (by hand, by use, or by the ``expire_holds`` job),
and every read (``lookup``) corrects, in the same SQL statement, for the unreleased holds whose time
is up: they move from held to available (or to out of service, for a bed that has a reason). Those
holds are few (the job releases them every minute) and found through the partial index of unreleased
holds. The data's version (``lookup.version``) includes their number, so an ETag changes the moment a
hold's time is up, before the job runs.

**The invariant**, checked by ``tests/availability/test_equality.py`` (a hypothesis state machine on
both databases): at every committed state, what ``lookup`` returns equals ``stays.queries.availability``
(the full derivation from assignments, holds and beds), and the stored row equals ``store.derive``;
per room, ``lookup.free_beds_by_room`` equals ``stays.queries.free_beds_by_room`` and the stored rows
equal ``store.derive_rooms``. The ``check_availability`` scheduler job (``store.repair``) compares
every facility and its rooms with the derivation, rewrites any that drifted and logs how many
(counts only).

Layers: after ``stays`` (whose models and category rules it reads), before ``board``, ``alerts`` and
``api``, which read it.
"""
