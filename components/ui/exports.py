"""Downloads of the full data (never the thinned display data): a run or a comparison as one file that this
dashboard opens again, and the per-step and checkpoint tables as CSV.

The run file is JSON or Parquet, whichever is smaller (``components.export.download.export_file``); it is
built once per run and browser session (kept in Session State, never in a cache shared between users, since
it holds the run's data), so reruns of the page cost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import streamlit as st

from components.domain import RunData
from components.domain.answers import AnswerSet
from components.export.csv_file import export_csv
from components.export.download import ExportFile, export_file

EXPORTS_KEY = "export_files"
KEPT_EXPORTS = 2
"""Files kept per session: the run on screen and a comparison; older ones are built again if needed."""
RUN_FILE_HELP = (
    "The whole run (summary, notes, every step and checkpoint, its recorded answers) as one {format} file, "
    "the smaller of this dashboard's two formats. Upload it or put it in the runs folder to open it again "
    "with the same curves and numbers."
)
COMPARISON_FILE_HELP = (
    "Every run of this comparison, whole, in one {format} file, the smaller of this dashboard's two formats. "
    "Upload it or put it in the runs folder to open the runs again."
)


def _token(runs: Sequence[RunData]) -> tuple:
    """What identifies the runs' data: their addresses, when they were read, their sizes and state."""
    return tuple(
        (
            str(run.summary.ref),
            run.provenance.fetched_at.value,
            run.summary.status.value,
            run.is_partial,
            len(run.history),
            len(run.checkpoints),
        )
        for run in runs
    )


def session_export(runs: Sequence[RunData], answer_sets: Sequence[AnswerSet] = ()) -> ExportFile:
    """The export file of ``runs`` (with their recorded ``answer_sets``), built once per browser session
    and kept there (the last two)."""
    token = (_token(runs), tuple((s.set_id, len(s.models), len(s.answers), s.answered) for s in answer_sets))
    kept: dict = st.session_state.get(EXPORTS_KEY, {})
    if token not in kept:
        recent = list(kept.items())[-(KEPT_EXPORTS - 1) :] if KEPT_EXPORTS > 1 else []
        kept = {**dict(recent), token: export_file(list(runs), answer_sets=answer_sets)}
        st.session_state[EXPORTS_KEY] = kept
    return kept[token]


def _file_button(file: ExportFile, label: str, help_text: str, key: str | None = None) -> None:
    st.download_button(
        f"{label} ({file.format.value.upper()})",
        data=file.data,
        file_name=file.name,
        mime=file.mime,
        on_click="ignore",
        icon=":material/download:",
        help=help_text.format(format=file.format.value.upper()),
        key=key,
    )


def export_buttons(run: RunData, run_id: str, answer_sets: Sequence[AnswerSet] = ()) -> None:
    """Three buttons with short labels (they never clip): the run as one file (with its recorded answer
    sets), its per-step history and its checkpoint list as CSV.

    ``run_id`` is the checked ID the page asked for (letters, digits, ``-``, ``_``), never the ``id`` the
    API sent back, so a file name cannot carry a path or anything else a server chose; the run file is
    named by the run's checked address.
    """
    downloads = (
        ("Steps CSV", run.history, "steps"),
        ("Checkpoints CSV", run.checkpoints, "checkpoints"),
    )
    with st.container(horizontal=True, gap="small"):
        _file_button(session_export([run], answer_sets), "Run file", RUN_FILE_HELP)
        for label, frame, name in downloads:
            st.download_button(
                label,
                data=partial(export_csv, frame),  # built on click, not on every rerun
                file_name=f"{run_id}-{name}.csv",
                mime="text/csv",
                on_click="ignore",
                icon=":material/download:",
            )


def comparison_button(runs: Sequence[RunData], key: str) -> None:
    """One button: every run of a comparison in one file."""
    _file_button(session_export(runs), "Comparison file", COMPARISON_FILE_HELP, key=key)
