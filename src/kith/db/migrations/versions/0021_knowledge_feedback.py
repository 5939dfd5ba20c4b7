"""knowledge answers and their feedback (issue 17: the dashboard's source)

Revision ID: 0021_knowledge_feedback
Revises: 0020_access_generation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_knowledge_feedback"
down_revision = "0020_access_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_key", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("engine", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("space_ids", sa.JSON(), nullable=False),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("ticket_id", sa.String(length=32), nullable=True),
        sa.Column("asked_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_answers")),
    )
    op.create_index(op.f("ix_knowledge_answers_tenant_id"), "knowledge_answers", ["tenant_id"])
    op.create_index(
        "ix_knowledge_answers_tenant_created", "knowledge_answers", ["tenant_id", "created_at"]
    )
    op.create_table(
        "knowledge_feedback",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("answer_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["knowledge_answers.id"],
            name=op.f("fk_knowledge_feedback_answer_id_knowledge_answers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_feedback")),
    )
    op.create_index(op.f("ix_knowledge_feedback_tenant_id"), "knowledge_feedback", ["tenant_id"])
    op.create_index(op.f("ix_knowledge_feedback_answer_id"), "knowledge_feedback", ["answer_id"])


def downgrade() -> None:
    op.drop_table("knowledge_feedback")
    op.drop_table("knowledge_answers")
