"""What the validation tab shows of scored answers: the cost before a run, then the answers side by side,
the scores as printed and the sentence naming the best model. Pure; ``components.ui.validation_examples``
draws it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.inference import DEFAULT_WORKERS, CostEstimate
from components.inference.scoring import TOTAL
from components.wording import count

ANSWER, EXACT, F1 = ": answer", ": exact", ": F1"  # a model's columns: its label, then one of these
SCORES_EXPLAINED = (
    "Exact match: the answer equals the expected one; token F1: how many of their words they share, "
    "from 0 to 1."
)


def side_by_side(results: pd.DataFrame) -> pd.DataFrame:
    """One row per example: its question and expected answer, then each model's answer, match and F1."""
    out = results.drop_duplicates("line")[["line", "question", "expected"]].set_index("line")
    for _, frame in results.groupby("model", sort=False):
        label = str(frame["model_label"].iloc[0])
        frame = frame.set_index("line")
        failed = frame["error"] != ""
        out[f"{label}{ANSWER}"] = frame["answer"].where(~failed, "⚠ " + frame["error"])
        out[f"{label}{EXACT}"] = frame["exact_match"]
        out[f"{label}{F1}"] = frame["token_f1"]
    return out.reset_index().rename(columns={"line": "Line", "question": "Question", "expected": "Expected"})


@dataclass(frozen=True)
class ModelColumn:
    """One of a model's columns in :func:`side_by_side`: the column, the model's label, and which of
    :data:`ANSWER`, :data:`EXACT`, :data:`F1` it holds."""

    column: str
    label: str
    kind: str


def model_columns(columns: list[str]) -> list[ModelColumn]:
    """The models' columns of :func:`side_by_side`, read back from their names (the others are left out)."""
    found = []
    for column in columns:
        kind = next((kind for kind in (ANSWER, EXACT, F1) if column.endswith(kind)), None)
        if kind is not None:
            found.append(ModelColumn(column, column.rsplit(": ", 1)[0], kind))
    return found


def score_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-model scores as the page prints them: rates in per cent, F1 to two places (the models'
    names are in the picker above and in the CSV)."""
    return pd.DataFrame(
        {
            "Model": summary["model_label"],
            "Answered": summary["answered"].map("{:,}".format),
            "Errors": summary["errors"].map("{:,}".format),
            "Exact match": summary["exact_match"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
            "Token F1": summary["token_f1"].map(lambda v: "—" if pd.isna(v) else f"{v:.2f}"),
            "Tokens in / out": [
                f"{tokens_in:,} / {tokens_out:,}"
                for tokens_in, tokens_out in zip(summary["tokens_in"], summary["tokens_out"], strict=True)
            ],
        }
    )


def best_on_examples(summary: pd.DataFrame, recommended: str | None) -> str | None:
    """``Best on these examples: … (exact match 60%, token F1 0.71).``, then how the recommended checkpoint
    (``recommended`` is its label) scores when it is not the best, then what the scores mean; None with
    fewer than two models scored. Plain words: the models' labels may hold deployment names, so the UI
    escapes the sentence."""
    ranked = summary[summary["model_label"] != TOTAL].dropna(subset=["token_f1"])
    if len(ranked) < 2:
        return None
    ranked = ranked.sort_values(["exact_match", "token_f1"], ascending=False, kind="stable")
    best = ranked.iloc[0]
    words = [
        f"Best on these examples: {best['model_label']} (exact match "
        f"{best['exact_match']:.0%}, token F1 {best['token_f1']:.2f})."
    ]
    chosen = ranked[ranked["model_label"] == recommended]
    if recommended is not None and len(chosen) and best["model_label"] != recommended:
        row = chosen.iloc[0]
        words.append(
            f"The recommended checkpoint, picked by its loss, scores {row['exact_match']:.0%} and "
            f"{row['token_f1']:.2f}."
        )
    words.append(SCORES_EXPLAINED)
    return " ".join(words)


def cost_line(cost: CostEstimate, examples: int, models: int) -> str:
    """What a run of ``examples`` examples on ``models`` models sends, before anything is sent."""
    return (
        f"Sends {count(cost.requests, 'request')} ({examples} examples × {count(models, 'model')}, "
        f"{DEFAULT_WORKERS} at a time): about {cost.prompt_tokens:,} prompt tokens and "
        f"{cost.output_tokens:,} answer tokens. {cost.how}"
    )
