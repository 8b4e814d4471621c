"""Validation examples through chosen models: the cost before, the answers, and their scores after.

Two simple scores per answer, against the example's expected answer:

- **exact match**: the answer equals the expected one once surrounding whitespace is trimmed;
- **token F1**: the overlap of their lower-cased word tokens (``\\w+``), as SQuAD scores answers: precision
  is the share of the answer's tokens found in the expected one, recall the share of the expected tokens
  found in the answer (each token counted as often as it occurs), F1 their harmonic mean.

An answer that failed (its :class:`ChatError`) is left out of a model's means and counted as an error:
a timeout is not a wrong answer. Results are one tidy row per example and model; the CSV goes through
``components.export.csv_file`` so no cell runs as a spreadsheet formula.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.api.chat import (
    CHARS_PER_TOKEN,
    TOKENS_PER_MESSAGE,
    ChatAnswer,
    ChatClient,
    ChatRequest,
    estimate_prompt_tokens,
    estimate_tokens,
)
from components.export.csv_file import export_csv
from components.inference.models import ModelChoice
from components.inference.side_by_side import DEFAULT_WORKERS, ChatEvent, answer_all
from components.inference.validation import Example

_WORD = re.compile(r"\w+")
HOW_ESTIMATED = (
    f"Tokens are estimated from characters: one per {CHARS_PER_TOKEN} characters, plus "
    f"{TOKENS_PER_MESSAGE} per message; the answers are assumed as long as the expected ones (at most "
    "max tokens)."
)
TOTAL = "All models"
RESULT_COLUMNS = (
    "line",
    "model_label",
    "model",
    "question",
    "expected",
    "answer",
    "exact_match",
    "token_f1",
    "error",
    "seconds",
    "tokens_in",
    "tokens_out",
    "usage_reported",
)
SUMMARY_COLUMNS = (
    "model_label",
    "model",
    "answered",
    "errors",
    "exact_match",
    "token_f1",
    "tokens_in",
    "tokens_out",
)


def exact_match(answer: str, expected: str) -> bool:
    """Whether the answer is the expected one, surrounding whitespace aside."""
    return answer.strip() == expected.strip()


def token_f1(answer: str, expected: str) -> float:
    """The F1 of the two texts' lower-cased word tokens (1.0 when both have none)."""
    said, wanted = _WORD.findall(answer.lower()), _WORD.findall(expected.lower())
    if not said or not wanted:
        return float(said == wanted)
    common = sum((Counter(said) & Counter(wanted)).values())
    if not common:
        return 0.0
    precision, recall = common / len(said), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class CostEstimate:
    """What a run of examples through models will send, before it is sent."""

    requests: int
    prompt_tokens: int
    output_tokens: int  # expected answers' length, each at most max tokens
    max_output_tokens: int | None  # the most the answers can be, when max tokens is set
    how: str = HOW_ESTIMATED


def estimate_cost(examples: Sequence[Example], models: int, *, max_tokens: int | None = None) -> CostEstimate:
    """Requests (examples × models) and tokens, estimated from characters (:data:`HOW_ESTIMATED`)."""
    prompt = sum(estimate_prompt_tokens(example.prompt) for example in examples)
    answers = [estimate_tokens(example.expected) for example in examples]
    if max_tokens is not None:
        answers = [min(tokens, max_tokens) for tokens in answers]
    return CostEstimate(
        requests=len(examples) * models,
        prompt_tokens=prompt * models,
        output_tokens=sum(answers) * models,
        max_output_tokens=None if max_tokens is None else max_tokens * len(examples) * models,
    )


@dataclass(frozen=True)
class ValidationRun:
    """The answers of every model to every example, scored."""

    results: pd.DataFrame  # one row per example and model, RESULT_COLUMNS
    summary: pd.DataFrame  # one row per model, then TOTAL, SUMMARY_COLUMNS

    def csv(self) -> str:
        """The results as a CSV a spreadsheet opens safely."""
        return export_csv(self.results)


@dataclass(frozen=True)
class ValidationOptions:
    """How every example is asked: the same sampling for each request, and how many are in flight at once."""

    temperature: float | None = 0.0
    max_tokens: int | None = None
    max_workers: int = DEFAULT_WORKERS


def run_validation(
    client: ChatClient,
    examples: Sequence[Example],
    models: Sequence[ModelChoice],
    *,
    options: ValidationOptions = ValidationOptions(),
    on_progress: Callable[[int, int], None] | None = None,
) -> ValidationRun:
    """Ask every model every example (unstreamed, ``options.max_workers`` at a time) and score the answers.

    ``on_progress(done, total)`` is called on the calling thread after each answer arrives.
    """
    pairs = [(example, choice) for example in examples for choice in models]
    requests = [
        ChatRequest(
            choice.model,
            example.prompt,
            temperature=options.temperature,
            max_tokens=options.max_tokens,
            stream=False,
        )
        for example, choice in pairs
    ]
    progress = _counting(len(requests), on_progress)
    answers = answer_all(client, requests, max_workers=options.max_workers, on_event=progress)
    rows = [
        _result_row(example, choice, answer) for (example, choice), answer in zip(pairs, answers, strict=True)
    ]
    results = pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).astype(
        {"exact_match": "boolean", "token_f1": "float64", "tokens_in": "Int64", "tokens_out": "Int64"}
    )
    return ValidationRun(results, summarize(results))


def _counting(total: int, on_progress: Callable[[int, int], None] | None) -> Callable[[ChatEvent], None]:
    """An ``on_event`` that counts finished answers and reports ``(done, total)`` after each one."""
    done = 0

    def progress(event: ChatEvent) -> None:
        nonlocal done
        if event.done:
            done += 1
            if on_progress is not None:
                on_progress(done, total)

    return progress


def _result_row(example: Example, choice: ModelChoice, answer: ChatAnswer) -> dict[str, object]:
    """One example's answer by one model, scored (a failed answer has no scores, only its error)."""
    ok = answer.error is None
    return {
        "line": example.line,
        "model_label": choice.label,
        "model": choice.model,
        "question": example.question,
        "expected": example.expected,
        "answer": answer.text,
        "exact_match": exact_match(answer.text, example.expected) if ok else pd.NA,
        "token_f1": token_f1(answer.text, example.expected) if ok else np.nan,
        "error": answer.error.message if answer.error is not None else "",
        "seconds": answer.total_seconds,
        "tokens_in": answer.tokens_in,
        "tokens_out": answer.tokens_out,
        "usage_reported": answer.usage_reported,
    }


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per model (in the order asked) and in total: answers, errors, mean exact match and mean token F1."""

    def row(frame: pd.DataFrame, label: str, model: str) -> dict[str, object]:
        answered = frame[frame["error"] == ""]
        return {
            "model_label": label,
            "model": model,
            "answered": len(answered),
            "errors": len(frame) - len(answered),
            "exact_match": float(answered["exact_match"].astype(float).mean()) if len(answered) else np.nan,
            "token_f1": float(answered["token_f1"].mean()) if len(answered) else np.nan,
            "tokens_in": int(frame["tokens_in"].sum()),
            "tokens_out": int(frame["tokens_out"].sum()),
        }

    rows = [
        row(frame, str(frame["model_label"].iloc[0]), str(model))
        for model, frame in results.groupby("model", sort=False)
    ]
    rows.append(row(results, TOTAL, ""))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
