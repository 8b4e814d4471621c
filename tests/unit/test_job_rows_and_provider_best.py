"""The job list's rows (values cleaned, unknowns empty, never made up), its caption (a cut is never
silent), and the provider's best checkpoint beside ours in one line."""

from __future__ import annotations

from datetime import date

import pandas as pd

from components.data.recommend import Basis
from components.domain import ProviderBest, RunRef, RunStatus, RunSummary
from components.page.job_rows import COLUMNS, job_rows, listed_caption, status_label
from components.page.provider_best import provider_best_line
from components.page.recommendation import Strip, Tone


def test_rows_keep_order_and_clean_outside_text() -> None:
    runs = [
        RunSummary(
            RunRef("openai", "ftjob-b"),
            RunStatus.SUCCEEDED,
            provider_status="succeeded",
            base_model="gpt-4o-mini\u202e",
            suffix="line\nbreak",
            created_at=pd.Timestamp("2026-01-02", tz="UTC"),
            trained_tokens=1234,
        ),
        RunSummary(RunRef("files", "run-a"), RunStatus.UNKNOWN, name="out/run-a"),
    ]
    frame = job_rows(runs, date(2026, 12, 7))
    assert list(frame.columns) == list(COLUMNS)
    first, second = frame.to_dict("records")
    assert first["Run"] == "ftjob-b" and first["Base model"] == "gpt-4o-mini"
    # a base model carrying a bidi control is no model the table of dates names: no date, not a guess
    assert first["Answers until"] == "" and second["Answers until"] == ""
    assert first["Model or suffix"] == "line break" and first["Trained tokens"] == 1234
    assert second["Status"] == "unknown" and second["Model or suffix"] == "out/run-a"
    # an unknown text is an empty cell, not a missing one (which the table writes as a grey "None")
    assert second["Base model"] == second["Method"] == ""
    assert pd.isna(second["Created"]) and pd.isna(second["Trained tokens"])
    empty = job_rows([], date(2026, 12, 7))
    assert empty.empty and list(empty.columns) == list(COLUMNS)


def test_the_caption_says_how_many_are_listed_and_whether_more_exist() -> None:
    assert (
        listed_caption(100, 1, True, 100)
        == "100 runs listed (1 page read); more exist: Load more reads the next page."
    )
    assert listed_caption(250, 3, False, 250) == "250 runs listed (3 pages read); that is all of them."
    assert listed_caption(2, 0, False, 1) == "Showing 1 of 2 runs listed; that is all of them."
    assert status_label(RunStatus.FAILED, {RunStatus.FAILED: 1200}) == "failed (1,200)"


def _strip(step: int, checkpoint_id: str) -> Strip:
    return Strip(
        "Recommended",
        "full_valid_loss",
        checkpoint_id,
        "m",
        step,
        "full_valid_loss",
        "0.5",
        "why",
        "go",
        Tone.GO,
        Basis.FULL_VALIDATION,
        "",
        None,
        None,
        (),
    )


def test_the_providers_pick_agrees_or_not_in_one_line() -> None:
    best = ProviderBest("The trainer's best_model_checkpoint", "checkpoint-150", 150, "eval_loss", 0.61)
    assert provider_best_line(None, _strip(150, "checkpoint-150")) is None
    assert provider_best_line(best, _strip(150, "checkpoint-150")) == (
        "The trainer's best_model_checkpoint: step 150 (eval_loss 0.61); we recommend the same checkpoint."
    )
    assert provider_best_line(best, _strip(200, "checkpoint-200")).endswith(
        "we recommend step 200 instead, for the reason given above."
    )
    assert provider_best_line(best, None).endswith("there is no recommendation of ours to compare it with.")
    unsaved = ProviderBest("Together AI's early-stopping best step", None, 40)
    assert provider_best_line(unsaved, _strip(40, "ft-x:40")).startswith(
        "Together AI's early-stopping best step: step 40;"
    )
