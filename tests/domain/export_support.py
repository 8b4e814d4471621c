"""Reading an export file back in tests: the app opens exports through the file sources
(``components.sources.run_files.run_from_bytes``), which re-address the run; these give it back as written."""

from __future__ import annotations

from components.domain import RunData
from components.export.json_file import runs_from_export
from components.export.parquet_file import runs_from_parquet
from components.export.schema import need
from components.sources.file_kinds import FileKind, sniff


def read_export(data: bytes) -> tuple[RunData, ...]:
    """Every run of an export file, JSON or Parquet (told apart by their first bytes, never by a name)."""
    return runs_from_parquet(data) if sniff(data) is FileKind.PARQUET_EXPORT else runs_from_export(data)


def from_export(data: bytes) -> RunData:
    """The one run of a JSON export file; a comparison of several raises."""
    runs = runs_from_export(data)
    need(len(runs) == 1, f"it holds a comparison of {len(runs)} runs, not one")
    return runs[0]
