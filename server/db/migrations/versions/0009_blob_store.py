"""blob store: encrypted documents kept in the database (several server machines)

Revision ID: 0009
Revises: 0008

- `blobs`: one header row per blob (the format's 28-byte header, plaintext size, record count,
  whether the upload finished, when it started);
- `blob_chunks`: one row per sealed record (≤ 64 KiB + 28 bytes). On PostgreSQL the column is
  stored EXTERNAL: out of line in TOAST but never compressed (ciphertext does not compress, and
  trying costs CPU on every write).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("header", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blobs_created_at"), ["created_at"], unique=False)
    op.create_table(
        "blob_chunks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["name"], ["blobs.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("name", "idx"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("blob_chunks")
    with op.batch_alter_table("blobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blobs_created_at"))
    op.drop_table("blobs")
