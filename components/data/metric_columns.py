"""How many logged metrics a run keeps: every one, under its logged name, up to a bound on the total.

A trainer logs what it logs (``eval_f1``, ``eval_chat_loss``, ``rewards/margins``,
``rewards/reward_keyword/mean``…): each numeric series is a column of the run's per-step frame, never a
capped handful of "extras". Only the total is bounded, so that a file with thousands of columns cannot make
a run of millions of cells; beyond it the columns with the fewest values go, and a note says how many.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from components.domain.note import Note, left_out

# A column's name is shown in tables and exports: a plain metric name, never markup or a path.
METRIC_COLUMN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,63}")
# Ten times the most a real trainer state of the corpus logs (GRPO: about 60 series with its evaluations).
MAX_METRIC_COLUMNS = 200


def kept_columns(values: Mapping[str, int], notes: list[Note] | None, what: str) -> list[str]:
    """The names of ``values`` (name -> how many values it has, in the order first seen) to keep: all of
    them, or the ``MAX_METRIC_COLUMNS`` with the most values (first seen first among equals), in their
    order; a note in ``notes`` says how many were left out of ``what``."""
    names = list(values)
    if len(names) <= MAX_METRIC_COLUMNS:
        return names
    ranked = sorted(range(len(names)), key=lambda position: (-values[names[position]], position))
    kept = sorted(ranked[:MAX_METRIC_COLUMNS])
    if notes is not None:
        left_out(
            notes,
            f"The {what} has {len(names):,} metrics, more than the {MAX_METRIC_COLUMNS} the dashboard keeps: "
            f"left out the {len(names) - MAX_METRIC_COLUMNS:,} with the fewest values.",
        )
    return [names[position] for position in kept]
