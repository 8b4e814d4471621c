"""Downloads of runs: one run or a comparison as one file, in whichever of this tool's two export formats is
smaller, under a file name that says which runs it holds (and, for a chart, which metric).

JSON (``components.export.json_file``) is smaller for short runs, Parquet
(``components.export.parquet_file``) for long ones (a 100,000-step run: about 2 MB against 20). Both read back
to the same curves and numbers, and the file sources open both. No Streamlit here: the page's download
buttons call these.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from components.domain import RunData, RunRef
from components.domain.answers import AnswerSet
from components.export.json_file import answer_sets_from_export, to_export
from components.export.parquet_file import answer_sets_from_parquet, to_parquet_export
from components.export.schema import export_runs

MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
JSON_BYTES_PER_CELL = 2  # the least a cell takes in the JSON export: one digit and a comma
PARQUET_FROM_CELLS = 2_000
"""Above this many cells (history and checkpoints) Parquet is the smaller file: JSON takes about 6.5 bytes a
cell, Parquet about 10 KB of schema and 1.2-3 bytes a cell, so they meet near 1,700 cells (a run of about 150
logged steps; 100 steps: JSON 10 KB, Parquet 12 KB; 300 steps: 24 KB against 17 KB)."""


class ExportFormat(StrEnum):
    JSON = "json"
    PARQUET = "parquet"

    @property
    def mime(self) -> str:
        return "application/json" if self is ExportFormat.JSON else "application/vnd.apache.parquet"


@dataclass(frozen=True)
class ExportFile:
    """A file ready to download: its safe name, its bytes and their format."""

    name: str
    data: bytes
    format: ExportFormat

    @property
    def mime(self) -> str:
        return self.format.mime


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-_")


def download_name(refs: Sequence[RunRef | str], what: str = "", extension: str = "json") -> str:
    """A file name of letters, digits, ``-``, ``_`` and one ``.``: the run (``openai-ftjob-abc``), or the runs
    of a comparison joined by ``_`` (the first ones and a short hash of all when too long), then ``what``
    (e.g. ``loss`` for a chart), then the extension. A run named by a bare id (a page that knows no
    source) is named by that id."""
    if not refs:
        raise ValueError("a download names at least one run")
    parts = [f"{ref.source}-{ref.run_id}" if isinstance(ref, RunRef) else _slug(ref) for ref in refs]
    base = "_".join(parts) if len(refs) == 1 else "compare_" + "_".join(parts)
    tail = f"_{_slug(what)}" if _slug(what) else ""
    if len(base) + len(tail) > MAX_NAME_CHARS:
        digest = hashlib.sha256("\n".join(map(str, refs)).encode()).hexdigest()[:8]
        more = f"_and-{len(refs) - 1}-more-{digest}"
        room = MAX_NAME_CHARS - len(tail) - len(more)
        base = (base[:room].rstrip("-_") if len(refs) > 1 else base[:room]) + more
    return f"{base}{tail}.{_slug(extension) or 'bin'}"


def chart_image_name(refs: Sequence[RunRef | str], metric: str | None) -> str:
    """The name plotly gives a chart's PNG (it adds ``.png`` itself): the run or runs, then the metric the
    chart is read by, e.g. ``openai-ftjob-abc_full_valid_loss``."""
    return download_name(refs, what=metric or "", extension="png").removesuffix(".png")


def _cells(runs: Sequence[RunData]) -> int:
    return sum(frame.size for run in runs for frame in (run.history, run.checkpoints))


def export_file(
    runs: RunData | Sequence[RunData],
    prefer: ExportFormat | None = None,
    answer_sets: Sequence[AnswerSet] = (),
) -> ExportFile:
    """One run or a comparison (with the runs' recorded ``answer_sets``) as the smaller of the two formats
    (or as ``prefer``).

    When the Parquet file is smaller than the least the JSON could take (two bytes a cell), the JSON is not
    built at all, so a long run costs one encoding.
    """
    chosen = export_runs(runs)
    refs = [run.summary.ref for run in chosen]
    if prefer is ExportFormat.JSON:
        data = to_export(chosen, answer_sets)
        return ExportFile(download_name(refs, extension="json"), data, ExportFormat.JSON)
    parquet = to_parquet_export(chosen, answer_sets)
    if prefer is ExportFormat.PARQUET or len(parquet) < JSON_BYTES_PER_CELL * _cells(chosen):
        return ExportFile(download_name(refs, extension="parquet"), parquet, ExportFormat.PARQUET)
    json_data = to_export(chosen, answer_sets)
    if len(json_data) <= len(parquet):
        return ExportFile(download_name(refs, extension="json"), json_data, ExportFormat.JSON)
    return ExportFile(download_name(refs, extension="parquet"), parquet, ExportFormat.PARQUET)


def planned_format(runs: RunData | Sequence[RunData]) -> ExportFormat:
    """The format of the smaller file told from the runs' size alone (:data:`PARQUET_FROM_CELLS`), without
    encoding them, so a page can name a download before a click builds it with ``export_file(runs,
    prefer=…)``. Near the boundary the two differ by a few KB, and both open alike."""
    return ExportFormat.PARQUET if _cells(export_runs(runs)) > PARQUET_FROM_CELLS else ExportFormat.JSON


def planned_name(runs: RunData | Sequence[RunData]) -> str:
    """The file name of the runs' export in their :func:`planned_format`."""
    refs = [run.summary.ref for run in export_runs(runs)]
    return download_name(refs, extension=planned_format(runs).value)


def answer_sets_in(data: bytes) -> tuple[AnswerSet, ...]:
    """The recorded answer sets an export file (Parquet or JSON, told by its first bytes) carries."""
    return answer_sets_from_parquet(data) if data.startswith(b"PAR1") else answer_sets_from_export(data)
