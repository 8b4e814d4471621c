"""A run written as the code of an older schema revision wrote it (raw rows, no ``owner_kind``), so migration
tests do not depend on today's ``ArchiveStore.save`` fitting an old schema."""

from __future__ import annotations

import json

from sqlalchemy import Engine, insert

from components.domain import RunData
from components.export.parquet_file import frame_to_parquet
from components.export.schema import run_body, summary_body
from components.store.schema import archived_frames, archived_runs


def write_old_run(engine: Engine, run: RunData, owner: str, *, search_text: bool = True) -> None:
    """Store ``run`` under ``owner`` as revisions 0002 to 0004 did (0001 without ``search_text``)."""
    body = run_body(run, lambda _name, frame: {"rows": len(frame), "codec": "parquet-zstd"})
    body.pop("summary")
    saved = run.provenance.fetched_at.to_pydatetime()
    ref = run.summary.ref
    row = {
        "owner": owner,
        "source": ref.source,
        "run_id": ref.run_id,
        "archive_id": f"{ref.source}-{ref.run_id}",
        "status": run.summary.status.value,
        "created_at": saved,
        "sort_time": saved,
        "saved_at": saved,
        "fetched_at": saved,
        "source_label": run.provenance.label,
        "endpoint": run.provenance.endpoint,
        "summary": json.dumps(summary_body(run.summary)),
        "body": json.dumps(body),
        "history_rows": len(run.history),
        "checkpoint_rows": len(run.checkpoints),
        "stored_bytes": 1,
    } | ({"search_text": ref.run_id.casefold()} if search_text else {})
    with engine.begin() as connection:
        statement = insert(archived_runs).values(**row).returning(archived_runs.c.id)
        run_pk = connection.execute(statement).scalar_one()
        for name, frame in (("history", run.history), ("checkpoints", run.checkpoints)):
            blob = frame_to_parquet(frame)
            connection.execute(
                insert(archived_frames).values(run_pk=run_pk, name=name, codec="parquet-zstd", data=blob)
            )
