"""Downloads of the full data (never the thinned display data): a run or a comparison as one file that this
dashboard opens again, and the per-step and checkpoint tables as CSV.

Every file is built when its button is clicked (``st.download_button`` with a callable), on a thread of its
own, never while the page draws: the run file took 0.1-1.1 s of a page's run, right after the chart, while
the browser drew it. The run file is JSON or Parquet, the smaller as told from the run's size
(``components.export.download.planned_format``), so its button names the format before it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import streamlit as st

from components.domain import RunData
from components.domain.answers import AnswerSet
from components.export.csv_file import export_csv
from components.export.download import export_file, planned_format, planned_name

RUN_FILE_HELP = (
    "The whole run (summary, notes, every step and checkpoint, its recorded answers) as one {format} file, "
    "the smaller of this dashboard's two formats. Upload it or put it in the runs folder to open it again "
    "with the same curves and numbers."
)
COMPARISON_FILE_HELP = (
    "Every run of this comparison, whole, in one {format} file, the smaller of this dashboard's two formats. "
    "Upload it or put it in the runs folder to open the runs again."
)


def export_bytes(runs: Sequence[RunData], answer_sets: Sequence[AnswerSet] = ()) -> bytes:
    """The export file of ``runs`` (with their recorded ``answer_sets``) in its planned format: what a click
    on the button downloads."""
    return export_file(list(runs), prefer=planned_format(runs), answer_sets=answer_sets).data


def _file_button(
    runs: Sequence[RunData],
    answer_sets: Sequence[AnswerSet],
    label: str,
    help_text: str,
    key: str | None = None,
) -> None:
    kind = planned_format(runs)
    st.download_button(
        f"{label} ({kind.value.upper()})",
        data=partial(export_bytes, tuple(runs), tuple(answer_sets)),  # built on click
        file_name=planned_name(runs),
        mime=kind.mime,
        on_click="ignore",
        icon=":material/download:",
        help=help_text.format(format=kind.value.upper()),
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
        _file_button([run], answer_sets, "Run file", RUN_FILE_HELP)
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
    _file_button(runs, (), "Comparison file", COMPARISON_FILE_HELP, key=key)
