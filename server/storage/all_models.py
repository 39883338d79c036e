"""Imports every model module so that `metadata` knows every table (Alembic, tests)."""

from __future__ import annotations

import server.storage.models_attachments  # noqa: F401  (issue 4 tables)
import server.storage.models_billing as _billing  # noqa: F401  (issue 6 tables)
import server.storage.models_calls as _calls  # noqa: F401  (issue 5 table)
from server.storage import models, models_invitations  # noqa: F401  (issue 3 tables)
from server.storage.models import Base

metadata = Base.metadata

__all__ = ["metadata", "models"]
