"""business inputs: marketing/sales costs, monthly visitors, survey answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "marketing_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "channel", "kind"),
    )
    with op.batch_alter_table("marketing_cost", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marketing_cost_month"), ["month"], unique=False)

    op.create_table(
        "monthly_visitors",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("visitors", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )

    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", "answered_on"),
    )
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_answer_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_survey_answer_answered_on"), ["answered_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_answer_answered_on"))
        batch_op.drop_index(batch_op.f("ix_survey_answer_email"))
    op.drop_table("survey_answer")
    op.drop_table("monthly_visitors")
    with op.batch_alter_table("marketing_cost", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketing_cost_month"))
    op.drop_table("marketing_cost")
