"""retention: events purged by age, the audit log sealed into a hash chain and archived

Revision ID: 0008
Revises: 0007

- `user_events.created_at` indexed (housekeeping deletes events past the resume window);
- `audit_log.chain_seq` (unique) and `audit_log.prev_hash`: the hash chain, filled by housekeeping
  (entries written before this revision are sealed at the first run, in the order of their ids);
- `audit_archive`: entries past the online period, moved whole;
- `audit_chain`: the head of the chain (one row, created here: sequence 0, the genesis hash).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_events_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_chain_seq"), ["chain_seq"])

    op.create_table(
        "audit_archive",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain_seq"),
    )
    with op.batch_alter_table("audit_archive", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_archive_at"), ["at"], unique=False)

    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The head exists from the start: processes sealing at once lock it, never race to create it.
    op.bulk_insert(chain, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_archive", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_archive_at"))
    op.drop_table("audit_archive")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_chain_seq"), type_="unique")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_events_created_at"))
