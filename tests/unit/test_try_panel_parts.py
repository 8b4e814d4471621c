"""The try panel's pure parts: which models start picked, when Send may be clicked, how an answer's facts
read, the answers table, the scores and the sentence naming the best model, the cost line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.api.chat import ChatAnswer
from components.inference import CostEstimate, ModelChoice, ModelMenu
from components.inference.scoring import RESULT_COLUMNS, TOTAL
from components.page.try_models import (
    answer_facts,
    can_send,
    default_models,
    recommended_label,
    send_label,
)
from components.page.validation import (
    ANSWER,
    EXACT,
    F1,
    ModelColumn,
    best_on_examples,
    cost_line,
    model_columns,
    score_table,
    side_by_side,
)

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


def test_the_recommended_checkpoints_label_is_named_only_with_a_recommendation() -> None:
    assert recommended_label(MENU, "c200") == "Checkpoint at step 200"
    assert recommended_label(MENU, None) is None and recommended_label(MENU, "c999") is None


def test_send_needs_two_models_and_a_prompt() -> None:
    two = MENU.choices[:2]
    assert can_send(two, "Hi?") and send_label(two) == "Send to 2 models"
    assert not can_send(MENU.choices[:1], "Hi?")
    assert not can_send(two, "  ")
    assert not can_send(None, "Hi?")  # an Azure deployment name is missing
    assert send_label([]) == "Send" and send_label(None) == "Send"


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


def test_the_models_columns_are_read_back_from_the_side_by_side_names() -> None:
    columns = list(side_by_side(_results()).columns)
    assert model_columns(columns) == [
        ModelColumn("Step 100: answer", "Step 100", ANSWER),
        ModelColumn("Step 100: exact", "Step 100", EXACT),
        ModelColumn("Step 100: F1", "Step 100", F1),
        ModelColumn("Step 200: answer", "Step 200", ANSWER),
        ModelColumn("Step 200: exact", "Step 200", EXACT),
        ModelColumn("Step 200: F1", "Step 200", F1),
    ]


def _summary(exact: list[float], f1: list[float]) -> pd.DataFrame:
    labels = [f"Step {100 * (i + 1)}" for i in range(len(exact))]
    return pd.DataFrame(
        {"model_label": [*labels, TOTAL], "exact_match": [*exact, 0.5], "token_f1": [*f1, 0.5]}
    )


def test_the_best_model_is_named_with_the_recommended_one_beside_it_when_it_is_not_the_best() -> None:
    summary = _summary([0.2, 0.6], [0.4, 0.71])
    sentence = best_on_examples(summary, "Step 100")
    assert sentence is not None and sentence.startswith(
        "Best on these examples: Step 200 (exact match 60%, token F1 0.71). The recommended checkpoint, "
        "picked by its loss, scores 20% and 0.40. Exact match: "
    )
    assert "recommended" not in (best_on_examples(summary, "Step 200") or "")
    assert best_on_examples(_summary([0.2, np.nan], [0.4, np.nan]), None) is None  # one model scored


def test_the_cost_line_says_what_is_sent_before_it_is() -> None:
    cost = CostEstimate(
        requests=30, prompt_tokens=1_200, output_tokens=450, max_output_tokens=None, how="Roughly."
    )
    assert cost_line(cost, 10, 3).startswith("Sends 30 requests (10 examples × 3 models, ")
    assert cost_line(cost, 10, 3).endswith(": about 1,200 prompt tokens and 450 answer tokens. Roughly.")
