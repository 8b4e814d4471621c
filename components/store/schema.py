"""The archive's tables as the code reads and writes them (the newest schema revision).

- ``archived_runs``: one row per stored run and owner: a fingerprint (``owner``) of the credential that read
  it, of the signed-in user who saved it, or none (``owner_kind``, revision 0005): its address, the summary
  columns a job list sorts, filters and searches by, the run's summary and the rest of its body as JSON (the
  export document's own shapes), where and when it was read, and when it was saved.
- ``archived_frames``: the run's two tables (``history``, ``checkpoints``), each one zstd-compressed Parquet
  blob. A 100,000-step history is about 2 MB this way and decodes in milliseconds; as rows it would be
  100,000 inserts to write and a large query to read back.
- ``archive_meta``: the store's own values: its fingerprint key.
- ``archived_files`` (revision 0003): the files kept with a stored run by "Save all runs": its result,
  training and validation files and its events, one row each, saying whether each was kept, skipped (larger
  than ``DASHBOARD_SAVE_FILE_LIMIT_MB``, with the size the provider gave), missing (the provider no longer
  has it) or failed (tried again by the next save). A row with no file id is the run's events.
- ``archived_blobs`` (revision 0003): the bytes of kept files, zstd-compressed, addressed by their SHA-256,
  so a training file that twenty runs share is stored once.

Changing a table means a new revision in ``components/store/migrations/versions``; the migrations never
import this module, so each keeps the schema of its own time.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

archive_meta = Table(
    "archive_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

archived_runs = Table(
    "archived_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("owner", String(64), nullable=False),  # a fingerprint (components.store.fingerprint)
    # what ``owner`` is a fingerprint of: "key" (a credential), "user" (signed in), "none" (revision 0005)
    Column("owner_kind", String(8), nullable=False, server_default="key"),
    Column("source", String(20), nullable=False),  # the RunRef it was read as
    Column("run_id", String(128), nullable=False),
    Column("archive_id", String(128), nullable=False),  # its id under the archive source
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True)),  # the run's own creation time, when known
    Column("sort_time", DateTime(timezone=True), nullable=False),  # created_at, else saved_at: newest first
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("source_label", String(100), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: components.export.schema.summary_body
    Column("body", Text, nullable=False),  # JSON: components.export.schema.run_body, tables as {"rows": n}
    Column("history_rows", Integer, nullable=False),
    Column("checkpoint_rows", Integer, nullable=False),
    Column("stored_bytes", BigInteger, nullable=False),
    Column("search_text", Text, nullable=False),  # the searched fields, case-folded (revision 0002)
    UniqueConstraint("owner", "source", "run_id", name="uq_archived_runs_owner_ref"),
    Index("ix_archived_runs_sort_time", "sort_time"),
    Index("ix_archived_runs_archive_id", "archive_id"),
    Index("ix_archived_runs_ref", "source", "run_id"),
)

archived_blobs = Table(
    "archived_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),  # of the bytes as read from the provider
    Column("size", BigInteger, nullable=False),  # the bytes as read (the blob is compressed)
    Column("codec", String(16), nullable=False),  # "zstd"
    Column("data", LargeBinary, nullable=False),
)

archived_files = Table(
    "archived_files",
    metadata,
    Column("run_pk", Integer, ForeignKey("archived_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),  # result, training, validation, events
    Column("file_id", String(128), primary_key=True),  # the provider's file id; "" for the events
    Column("name", String(255), nullable=False),  # the provider's file name, clipped (untrusted)
    Column("size", BigInteger),  # bytes as read, or as the provider gave them for a skipped file
    Column("state", String(16), nullable=False),  # kept, skipped, missing, failed
    Column("reason", String(1000)),  # why it was not kept, in words (untrusted text quoted)
    Column("sha256", String(64), ForeignKey("archived_blobs.sha256")),  # the kept bytes
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Index("ix_archived_files_file_id", "file_id"),
    Index("ix_archived_files_sha256", "sha256"),
)

archived_frames = Table(
    "archived_frames",
    metadata,
    Column("run_pk", Integer, ForeignKey("archived_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(16), primary_key=True),  # "history" or "checkpoints"
    Column("codec", String(32), nullable=False),  # "parquet-zstd"
    Column("data", LargeBinary, nullable=False),
)
