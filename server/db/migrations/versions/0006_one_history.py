"""one history: the feature branches (invitations, attachments, billing, calls) joined

Revision ID: 0006
Revises: 0002_invitations, 0004, 0005_calls

The first migrations grew one branch per feature off 0001 (0004, billing, depends on 0003,
attachments). This merge joins the three heads, so the schema
has one head again and every later migration follows it in one line. A database already at
those heads moves here without any change to its tables.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006"
down_revision: str | Sequence[str] | None = ("0002_invitations", "0004", "0005_calls")  # 0004 needs 0003
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the histories."""


def downgrade() -> None:
    """Nothing to change: the merge only joins the histories."""
