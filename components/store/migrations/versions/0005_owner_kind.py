"""Whose a stored run is: ``owner_kind`` says what its ``owner`` fingerprint is a fingerprint of, a
credential (``key``), a signed-in user (``user``) or nobody (``none``: saved by a visitor with neither).

Rows stored before are a credential's, except those stored with no credential.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: SQLite's batch mode would copy the table, and dropping the old
    # one would cascade to its frames and files.
    kind = sa.Column("owner_kind", sa.String(8), nullable=False, server_default="key")
    op.add_column("archived_runs", kind)
    op.execute("UPDATE archived_runs SET owner_kind = 'none' WHERE owner = 'none'")


def downgrade() -> None:
    op.drop_column("archived_runs", "owner_kind")
