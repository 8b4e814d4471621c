"""Recorded answers: sets of prompts, the models asked and each model's answer to each prompt.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("set_id", sa.String(40), nullable=False, unique=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("run_key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
    )
    op.create_index("ix_answer_sets_run_key", "answer_sets", ["run_key"])
    op.create_table(
        "answer_prompts",
        sa.Column(
            "set_pk", sa.Integer, sa.ForeignKey("answer_sets.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("prompt_key", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("messages", sa.Text, nullable=False),
        sa.Column("expected", sa.Text),
    )
    op.create_table(
        "answer_models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("set_pk", sa.Integer, sa.ForeignKey("answer_sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("step", sa.Integer),
        sa.Column("checkpoint_id", sa.String(128)),
        sa.UniqueConstraint("set_pk", "source", "model", name="uq_answer_models_set_model"),
    )
    op.create_table(
        "recorded_answers",
        sa.Column(
            "model_pk", sa.Integer, sa.ForeignKey("answer_models.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("prompt_key", sa.String(64), primary_key=True),
        sa.Column("set_pk", sa.Integer, sa.ForeignKey("answer_sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("error_kind", sa.String(16)),
        sa.Column("status", sa.Integer),
        sa.Column("request_id", sa.String(128)),
        sa.Column("finish_reason", sa.String(32)),
        sa.Column("tokens_in", sa.Integer),
        sa.Column("tokens_out", sa.Integer),
        sa.Column("usage_reported", sa.Boolean, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("temperature", sa.Float),
        sa.Column("max_tokens", sa.Integer),
        sa.Column("seed", sa.Integer),
    )
    op.create_index("ix_recorded_answers_set_pk", "recorded_answers", ["set_pk"])


def downgrade() -> None:
    op.drop_table("recorded_answers")
    op.drop_table("answer_models")
    op.drop_table("answer_prompts")
    op.drop_table("answer_sets")
