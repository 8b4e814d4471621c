"""Two models on the same scored examples, in words (components/page/examples_verdict.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components.page.examples_verdict import default_pair, examples_verdict, score_matrix, scored_models


def _results(scores: dict[str, list[float]], failed: dict[str, set[int]] | None = None) -> pd.DataFrame:
    """Rows as the validation tab scores them: one per example and model, a failed answer unscored."""
    rows = []
    for label, values in scores.items():
        for line, value in enumerate(values, start=1):
            bad = line in (failed or {}).get(label, set())
            rows.append(
                {
                    "line": line,
                    "model_label": label,
                    "token_f1": np.nan if bad else value,
                    "exact_match": pd.NA if bad else value == 1.0,
                    "error": "timeout" if bad else "",
                }
            )
    return pd.DataFrame(rows).astype({"exact_match": "boolean"})


def test_the_matrix_keeps_the_models_order_and_leaves_failed_answers_unscored():
    results = _results({"Final model": [0.5] * 12, "Step 240": [1.0] * 12}, {"Step 240": {3}})
    matrix = score_matrix(results, "token_f1")
    assert list(matrix.columns) == ["Final model", "Step 240"]
    assert np.isnan(matrix.loc[3, "Step 240"]) and matrix.loc[4, "Step 240"] == 1.0
    assert score_matrix(results, "exact_match").loc[4].tolist() == [0.0, 1.0]


def test_two_models_under_one_label_are_told_apart_by_their_names():
    results = _results({"Replacement": [1.0] * 12, "Other": [0.0] * 12})
    results["model"] = ["llama3.1:8b"] * 12 + ["qwen2.5:7b"] * 12
    results["model_label"] = "Replacement"
    matrix = score_matrix(results, "token_f1")
    assert list(matrix.columns) == ["Replacement · llama3.1:8b", "Replacement · qwen2.5:7b"]


def test_a_clear_winner_and_an_unclear_pair_in_words():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.3, 0.8, 40)
    results = _results(
        {
            "Checkpoint at step 240": list(np.clip(base + 0.08 + rng.normal(0, 0.1, 40), 0, 1)),
            "Final model": list(base),
            "Base model": list(np.clip(base + rng.normal(0, 0.05, 40), 0, 1)),
        }
    )
    matrix = score_matrix(results, "token_f1")
    assert default_pair(matrix, "Final model") == ("Checkpoint at step 240", "Final model")
    clear = examples_verdict(matrix, ("Checkpoint at step 240", "Final model"), "token_f1", "Final model")
    assert clear.verdict.startswith("Checkpoint at step 240 beats Final model by ")
    assert "points of token F1, 95 % interval" in clear.verdict
    assert clear.power is None  # a clear answer needs no more examples
    assert clear.method.startswith("t interval over 40 paired examples")
    assert clear.wins.startswith("Checkpoint at step 240 scores higher on ")
    assert clear.wins.endswith("the same on 0 %.")
    unclear = examples_verdict(matrix, ("Base model", "Final model"), "token_f1", "Final model")
    assert unclear.verdict.startswith("No clear difference between Base model and Final model")
    assert "would take about" in unclear.power
    assert len(clear.against) == 2 and "Holm's method" in clear.holm
    assert clear.against[0].endswith(").") and "Clear after Holm's adjustment" in clear.against[0]
    assert "Not clear after Holm's adjustment" in clear.against[1]
    # A lead of 8 points over 40 examples is no luck: the best of three needs no discount.
    assert clear.optimism == (
        "Chosen as the best of 3 on these examples by a lead luck does not explain: expect about the same."
    )


def test_the_best_of_alike_models_is_discounted():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.3, 0.8, 30)
    alike = {f"Checkpoint {k}": list(np.clip(base + rng.normal(0, 0.1, 30), 0, 1)) for k in range(4)}
    matrix = score_matrix(_results(alike), "token_f1")
    verdict = examples_verdict(matrix, ("Checkpoint 0", "Checkpoint 1"), "token_f1", None)
    assert verdict.optimism.startswith("Expect about 1.")
    assert verdict.optimism.endswith(
        "points less on new data: chosen as the best of 4 on these examples, it "
        "looks better here partly by luck."
    )


def test_two_models_have_no_holm_and_one_model_no_pair():
    results = _results({"A": [1.0, 0.0] * 6, "B": [0.0, 1.0] * 6})
    matrix = score_matrix(results, "exact_match")
    verdict = examples_verdict(matrix, ("A", "B"), "exact_match", "B")
    assert verdict.against == () and verdict.holm is None
    assert verdict.verdict.startswith("No clear difference between A and B")
    only = score_matrix(_results({"A": [1.0] * 12, "B": [np.nan] * 12}), "token_f1")
    assert scored_models(only) == ["A"]
