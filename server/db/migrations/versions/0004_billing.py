"""billing: claims, notes d'honoraires with their counters, payment requests, webhook events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
# A note may link the PDF uploaded as an attachment: the attachments table must exist first. (This
# was a `depends_on` of a branch off 0001; a database at 0004 has 0003 either way.)
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = ("billing",)
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("practitioner_id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("performed_at", UTC, nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["practitioner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("billing_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_claims_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_billing_claims_practitioner_performed", ["practitioner_id", "performed_at"], unique=False
        )

    op.create_table(
        "billing_note_counters",
        sa.Column("practitioner_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["practitioner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("practitioner_id", "year"),
    )

    op.create_table(
        "billing_notes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("practitioner_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("claim_id", sa.String(length=36), nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("attachment_id", sa.String(length=36), nullable=True),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["claim_id"], ["billing_claims.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["practitioner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("practitioner_id", "year", "sequence", name="uq_billing_notes_number"),
    )
    with op.batch_alter_table("billing_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_billing_notes_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "payment_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("practitioner_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.String(length=2048), nullable=True),
        sa.Column("checkout_expires_at", UTC, nullable=True),
        sa.Column("checkouts_created", sa.Integer(), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("paid_at", UTC, nullable=True),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.Column("refunded_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["billing_claims.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["patient_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["practitioner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checkout_session_id", name="uq_payment_requests_checkout_session"),
    )
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_requests_conversation_created", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_payment_requests_practitioner_created", ["practitioner_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_requests_provider_payment_id"), ["provider_payment_id"], unique=False
        )

    op.create_table(
        "payment_webhook_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("payment_webhook_events")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_requests_provider_payment_id"))
        batch_op.drop_index("ix_payment_requests_practitioner_created")
        batch_op.drop_index("ix_payment_requests_conversation_created")
    op.drop_table("payment_requests")
    with op.batch_alter_table("billing_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_notes_conversation_id"))
    op.drop_table("billing_notes")
    op.drop_table("billing_note_counters")
    with op.batch_alter_table("billing_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_claims_practitioner_performed")
        batch_op.drop_index(batch_op.f("ix_billing_claims_conversation_id"))
    op.drop_table("billing_claims")
