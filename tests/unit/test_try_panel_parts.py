"""The try panel's pure parts: which models start picked, how an answer's facts read, the answers table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.api.chat import ChatAnswer
from components.inference import ModelChoice, ModelMenu
from components.inference.scoring import RESULT_COLUMNS
from components.ui.try_checkpoints import answer_facts, default_models
from components.ui.validation_examples import score_table, side_by_side

MENU = ModelMenu(
    (
        ModelChoice("m:100", "checkpoint", "Checkpoint at step 100", 100, "c100"),
        ModelChoice("m:200", "checkpoint", "Checkpoint at step 200", 200, "c200"),
        ModelChoice("m:300", "checkpoint", "Checkpoint at step 300", 300, "c300"),
        ModelChoice("m", "final", "Final model"),
        ModelChoice("base", "base", "Base model (before fine-tuning)"),
    ),
    True,
)


def test_the_recommended_checkpoint_the_final_and_the_base_model_start_picked() -> None:
    assert default_models(MENU, "c200") == ["m:200", "m", "base"]


def test_without_a_recommendation_or_final_model_the_latest_checkpoints_fill_in() -> None:
    running = ModelMenu(tuple(c for c in MENU.choices if c.kind != "final"), True)
    assert default_models(running, None) == ["base", "m:300", "m:200"]


def test_an_answers_facts_say_which_token_counts_are_estimates() -> None:
    reported = ChatAnswer("m", "hi", "stop", 12, 3, True, 0.125, 0.5, streamed=True)
    assert answer_facts(reported) == "0.50 s · first token 0.12 s · 12 in / 3 out tokens"
    guessed = ChatAnswer("m", "hi", "length", 12, 3, False, None, 14.2, streamed=False)
    assert answer_facts(guessed) == "14 s · 12 in / 3 out tokens (estimated) · cut at max tokens"


def _results() -> pd.DataFrame:
    rows = []
    for line, question, expected in ((3, "q3", "a3"), (9, "q9", "a9")):
        for model, label, answer, error in (
            ("m:100", "Step 100", "a", ""),
            ("m:200", "Step 200", "", "timeout"),
        ):
            rows.append(
                {
                    "line": line,
                    "model_label": label,
                    "model": model,
                    "question": question,
                    "expected": expected,
                    "answer": answer,
                    "exact_match": pd.NA if error else answer == expected,
                    "token_f1": np.nan if error else 0.5,
                    "error": error,
                    "seconds": 0.1,
                    "tokens_in": 5,
                    "tokens_out": 1,
                    "usage_reported": True,
                }
            )
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_the_answers_table_has_one_row_per_example_and_a_failure_says_why() -> None:
    wide = side_by_side(_results())
    assert list(wide.columns) == [
        "Line",
        "Question",
        "Expected",
        "Step 100: answer",
        "Step 100: exact",
        "Step 100: F1",
        "Step 200: answer",
        "Step 200: exact",
        "Step 200: F1",
    ]
    assert list(wide["Line"]) == [3, 9] and list(wide["Step 200: answer"]) == ["⚠ timeout", "⚠ timeout"]


def test_the_printed_scores_show_a_model_without_answers_as_a_dash() -> None:
    summary = pd.DataFrame(
        {
            "model_label": ["Step 100", "Step 200", "All models"],
            "model": ["m:100", "m:200", ""],
            "answered": [2, 0, 2],
            "errors": [0, 2, 2],
            "exact_match": [0.5, np.nan, 0.5],
            "token_f1": [0.5, np.nan, 0.5],
            "tokens_in": [10, 0, 10],
            "tokens_out": [2, 0, 2],
        }
    )
    table = score_table(summary)
    assert list(table["Exact match"]) == ["50%", "—", "50%"] and list(table["Token F1"]) == [
        "0.50",
        "—",
        "0.50",
    ]
