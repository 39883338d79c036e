"""Imports every model module so that `metadata` knows every table (Alembic, tests)."""

from __future__ import annotations

from server.accounts import models as accounts  # noqa: F401
from server.attachments import models as attachments  # noqa: F401
from server.billing import models as billing  # noqa: F401
from server.calls import models as calls  # noqa: F401
from server.conversations import models as conversations  # noqa: F401
from server.db.base import Base
from server.delivery import models as delivery  # noqa: F401
from server.invitations import models as invitations  # noqa: F401
from server.kernel import models as kernel  # noqa: F401
from server.payments import models as payments  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
