"""gdpr erasure log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gdpr_erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("contacts_erased", sa.Integer(), nullable=False),
        sa.Column("orders_kept", sa.Integer(), nullable=False),
        sa.Column("refunds_kept", sa.Integer(), nullable=False),
        sa.Column("notes_cleared", sa.Integer(), nullable=False),
        sa.Column("other_rows_anonymised", sa.Integer(), nullable=False),
        sa.Column("markers", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gdpr_erasure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gdpr_erasure_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gdpr_erasure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gdpr_erasure_person_id"))
    op.drop_table("gdpr_erasure")
