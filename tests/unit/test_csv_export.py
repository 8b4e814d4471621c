"""CSV downloads open in a spreadsheet as data: formula-like text cells are quoted, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd

from components.data.checkpoints import checkpoints_frame
from components.export.csv_file import export_csv
from tests.hostile import HOSTILE


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_line_break_inside_a_cell_cannot_start_a_row() -> None:
    frame = pd.DataFrame({"model": ["ok\r=cmd|' /C calc'!A0", "ok\n@SUM(A1)"], "step": [1, 2]})
    assert [row["model"] for row in _rows(export_csv(frame))] == list(frame["model"])


def test_formula_like_text_cells_get_a_leading_quote_and_nothing_else_changes() -> None:
    frame = checkpoints_frame(
        [
            {
                "id": '=HYPERLINK("http://evil.example")',
                "step_number": 1,
                "fine_tuned_model_checkpoint": "+1",
            },
            {
                "id": "ftckpt_ok",
                "step_number": 2,
                "fine_tuned_model_checkpoint": HOSTILE["spreadsheet formula"],
            },
            {"id": "@SUM(A1)", "step_number": 3, "fine_tuned_model_checkpoint": "-2+3"},
            {"id": "\tx", "step_number": 4, "fine_tuned_model_checkpoint": "\r=1"},
        ]
    ).assign(train_loss=[-0.5, 1.25, float("nan"), 2.0])
    rows = _rows(export_csv(frame))
    assert [row["checkpoint_id"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example")',
        "ftckpt_ok",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert [row["model"] for row in rows] == ["'+1", "'=cmd|' /C calc'!A0", "'-2+3", "'\r=1"]
    assert [row["train_loss"] for row in rows] == ["-0.5", "1.25", "", "2.0"]  # numbers, never quoted
    assert [row["step"] for row in rows] == ["1", "2", "3", "4"]


def test_the_export_is_the_full_text_not_the_cleaned_or_cut_one() -> None:
    long_name = "ft:" + "x" * 1_000 + "\u202e"
    frame = pd.DataFrame({"model": pd.Series([long_name, None], dtype="string"), "step": [1, 2]})
    rows = _rows(export_csv(frame))
    assert rows[0]["model"] == long_name
    assert rows[1]["model"] == ""
