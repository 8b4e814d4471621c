"""The archive's first schema: stored runs, their tables as blobs, and the store's fingerprint key.

Revision ID: 0001
Revises:
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "archive_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.bulk_insert(meta, [{"name": "fingerprint_key", "value": secrets.token_hex(32)}])
    op.create_table(
        "archived_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("archive_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("sort_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_label", sa.String(100), nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("history_rows", sa.Integer, nullable=False),
        sa.Column("checkpoint_rows", sa.Integer, nullable=False),
        sa.Column("stored_bytes", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("owner", "source", "run_id", name="uq_archived_runs_owner_ref"),
    )
    op.create_index("ix_archived_runs_sort_time", "archived_runs", ["sort_time"])
    op.create_table(
        "archived_frames",
        sa.Column(
            "run_pk", sa.Integer, sa.ForeignKey("archived_runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("codec", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("archived_frames")
    op.drop_table("archived_runs")
    op.drop_table("archive_meta")
