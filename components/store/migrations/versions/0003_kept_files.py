"""The files kept with a run by "Save all runs": one row per file of a stored run (kept, skipped, missing or
failed) and the kept bytes, compressed and addressed by their SHA-256 so a file shared by runs is stored once.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archived_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "archived_files",
        sa.Column(
            "run_pk", sa.Integer, sa.ForeignKey("archived_runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("file_id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(1000)),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("archived_blobs.sha256")),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_archived_files_file_id", "archived_files", ["file_id"])
    op.create_index("ix_archived_files_sha256", "archived_files", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_archived_files_sha256", "archived_files")
    op.drop_index("ix_archived_files_file_id", "archived_files")
    op.drop_table("archived_files")
    op.drop_table("archived_blobs")
