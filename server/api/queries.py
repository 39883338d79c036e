"""Query parameters shared by the billing lists (claims, payment requests): French calendar days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

StatusQuery = Annotated[str | None, Query(alias="status", max_length=20)]
DayFromQuery = Annotated[date | None, Query(alias="from", description="Premier jour (AAAA-MM-JJ, Paris)")]
DayToQuery = Annotated[date | None, Query(alias="to", description="Dernier jour inclus (AAAA-MM-JJ, Paris)")]
ListLimitQuery = Annotated[int, Query(ge=1, le=500)]
