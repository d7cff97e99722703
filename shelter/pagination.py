"""One page of a list: the lists of facilities, residents and users share it."""

from __future__ import annotations

import math
from dataclasses import dataclass


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def clamp_page(requested: int, total: int, per_page: int) -> int:
    """The page to show: a page number beyond the last shows the last one, below 1 the first."""
    return min(max(requested, 1), page_count(total, per_page))


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
