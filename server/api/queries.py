"""Query and path parameters shared by the routes: ids, sequence numbers, the billing lists' days.

Every text parameter is a `contracts.wire.common.Line` (the input policy: no control character, no
lone surrogate) with a length cap; every integer has bounds within a signed 64-bit column.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query

from contracts.wire.common import MAX_BIGINT, Line

# An id in an address: a UUID, read as text and refused past 64 characters.
IdPath = Annotated[Line, Path(max_length=64)]
# An event or message sequence number (BIGINT).
SeqQuery = Annotated[int | None, Query(ge=0, le=MAX_BIGINT)]

StatusQuery = Annotated[Line | None, Query(alias="status", max_length=20)]
DayFromQuery = Annotated[date | None, Query(alias="from", description="Premier jour (AAAA-MM-JJ, Paris)")]
DayToQuery = Annotated[date | None, Query(alias="to", description="Dernier jour inclus (AAAA-MM-JJ, Paris)")]
ListLimitQuery = Annotated[int, Query(ge=1, le=500)]
