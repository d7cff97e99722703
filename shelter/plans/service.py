"""The rules of rehabilitation plans, as the UI, the API, the listeners and the tests call them
(``service.approve(…)``): a façade only, holding no rule of its own. The functions add to the current
transaction, raise ``PlanError`` subclasses with a stable ``code``, and never commit.

Each rule lives in the module of its story, and the modules of this package import from there:
``rules`` (errors, limits, who may do what, the locked read of a plan), ``lifecycle`` (create, submit,
approve, send back, close), ``goals``, ``reviews`` and ``versions`` (the frozen copy of the goals
that every approval and review writes, and what changed between two).
"""

from __future__ import annotations

from shelter.localtime import local_date, local_today, zone  # noqa: F401
from shelter.plans.goals import (GOAL_FIELDS, GoalInput, add_goal, facility_workers, goal_problems,  # noqa: F401
                                 update_goal)
from shelter.plans.lifecycle import approve, close, close_for_stay, create_plan, send_back, submit  # noqa: F401
from shelter.plans.reviews import (GoalProgress, ReviewInput, plan_started_on, record_review,  # noqa: F401
                                   review_days, review_due_on, review_problems)
from shelter.plans.rules import (DESCRIPTION_MAX, INTERVENTIONS_MAX, MAX_GOALS, NOTE_MAX, READ_ROLES,  # noqa: F401
                                 SUMMARY_MAX, Invalid, NoGoals, NotAllowed, PlanError, PlanExists, PlanNotActive,
                                 StayNotOpen, TooManyGoals, WrongStatus, active_plan, may_approve, may_read,
                                 may_write)
from shelter.plans.versions import COMPARED, Change, changes, snapshot  # noqa: F401
