"""Search and lookup without reading every summary: a case-folded ``search_text`` column, filled from the
runs already stored, and indexes for opening a run by its address or its archive id.

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEARCHED = ("ref", "name", "base_model", "fine_tuned_model", "suffix")


def search_text(summary: dict) -> str:
    """The fields a job-list search looks in (components.domain.listing), case-folded, one per line."""
    ref = str(summary.get("ref") or "")
    fields = (ref.partition(":")[2], *(summary.get(name) for name in SEARCHED[1:]))
    return "\n".join(str(field).casefold() for field in fields if field)


def upgrade() -> None:
    with op.batch_alter_table("archived_runs") as batch:
        batch.add_column(sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    runs = sa.table("archived_runs", sa.column("id"), sa.column("summary"), sa.column("search_text"))
    connection = op.get_bind()
    for run_pk, summary in connection.execute(sa.select(runs.c.id, runs.c.summary)).all():
        text = search_text(json.loads(summary))
        connection.execute(runs.update().where(runs.c.id == run_pk).values(search_text=text))
    op.create_index("ix_archived_runs_archive_id", "archived_runs", ["archive_id"])
    op.create_index("ix_archived_runs_ref", "archived_runs", ["source", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_archived_runs_ref", "archived_runs")
    op.drop_index("ix_archived_runs_archive_id", "archived_runs")
    with op.batch_alter_table("archived_runs") as batch:
        batch.drop_column("search_text")
