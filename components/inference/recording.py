"""Recording answers: chosen models of a run answer a set of prompts, each answer stored as it arrives.

- :func:`run_key`: the key a run's sets are kept under, the same from its provider and from the archive;
- :func:`set_model`, :func:`validation_prompts`, :func:`new_set`: what a set is made of;
- :func:`estimate_pending`: the requests and tokens still to send, before anything is sent;
- :func:`record`: ask what is missing (bounded threads, the client's retry policy), handing each answer to
  the caller (which stores it) on the calling thread; a recording stopped part-way is resumed by calling it
  again with :meth:`AnswerSet.missing`, which never holds an answer already stored;
- :func:`set_results`, :func:`set_csv`: a set scored as the validation tab scores examples.

No Streamlit and no store here: the archive-level service (``components.archive.recordings``) stores, the
page draws.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.api.chat import ChatAnswer, ChatClient, ChatRequest, estimate_prompt_tokens, estimate_tokens
from components.domain import RunData, RunRef
from components.domain.answers import (
    AnswerParams,
    AnswerSet,
    RecordedAnswer,
    SetModel,
    SetPrompt,
)
from components.export.csv_file import export_csv
from components.inference.models import ModelChoice
from components.inference.scoring import RESULT_COLUMNS, CostEstimate, exact_match, summarize, token_f1
from components.inference.side_by_side import DEFAULT_WORKERS, iter_answers
from components.inference.validation import Example
from components.store import archive_id
from components.text import MESSAGE_CHARS, clip

ARCHIVE_SOURCE = "archive"
HOW_ESTIMATED = (
    "Tokens are estimated from characters (one per 4, plus 4 per message); an answer is assumed as long as "
    "the expected one, or max tokens when there is none."
)
SET_CSV_COLUMNS = ("prompt_key", *RESULT_COLUMNS, "finish_reason", "answered_at", "request_id")


def run_key(ref: RunRef) -> str:
    """The key a run's answer sets are kept under: its archive id (``openai-ftjob-abc``), which is also the
    run id of the same run opened from the archive (``archive:openai-ftjob-abc``)."""
    return ref.run_id if ref.source == ARCHIVE_SOURCE else archive_id(ref)


def set_model(choice: ModelChoice, source: str, endpoint: str) -> SetModel:
    """A model picked in the page as a model of a set, asked through ``source`` at ``endpoint``."""
    return SetModel(
        model=choice.model,
        label=choice.label,
        kind=choice.kind,
        source=source,
        endpoint=endpoint,
        step=choice.step,
        checkpoint_id=choice.checkpoint_id,
    )


def replacement_model(model: str, source: str, endpoint: str) -> SetModel:
    """A model that may replace the run's: any model a configured source or the compatible endpoint serves."""
    return SetModel(
        model=model, label=f"Replacement: {model}", kind="replacement", source=source, endpoint=endpoint
    )


def validation_prompts(examples: Sequence[Example]) -> tuple[SetPrompt, ...]:
    """Validation examples as prompts of a set, keyed by their line in the validation file."""
    return tuple(
        SetPrompt(f"validation:{example.line}", tuple(dict(m) for m in example.prompt), example.expected)
        for example in examples
    )


def new_set(
    run: RunData, name: str, prompts: Sequence[SetPrompt], models: Sequence[SetModel], params: AnswerParams
) -> AnswerSet:
    """A new, empty set of ``run``'s, under a fresh random id."""
    return AnswerSet(
        set_id=secrets.token_hex(8),
        run_key=run_key(run.summary.ref),
        name=name,
        created_at=pd.Timestamp.now(tz="UTC").floor("us"),
        params=params,
        prompts=tuple(prompts),
        models=tuple(models),
    )


def estimate_pending(pending: Sequence[tuple[SetModel, SetPrompt]], max_tokens: int | None) -> CostEstimate:
    """What asking ``pending`` sends: one request each, and tokens estimated (:data:`HOW_ESTIMATED`)."""
    prompt_tokens = sum(estimate_prompt_tokens(prompt.messages) for _, prompt in pending)
    answers = [
        estimate_tokens(prompt.expected) if prompt.expected is not None else (max_tokens or 0)
        for _, prompt in pending
    ]
    if max_tokens is not None:
        answers = [min(tokens, max_tokens) for tokens in answers]
    return CostEstimate(
        requests=len(pending),
        prompt_tokens=prompt_tokens,
        output_tokens=sum(answers),
        max_output_tokens=None if max_tokens is None else max_tokens * len(pending),
        how=HOW_ESTIMATED,
    )


def recorded(model: SetModel, prompt: SetPrompt, answer: ChatAnswer, params: AnswerParams) -> RecordedAnswer:
    """A chat answer as the archive keeps it (an error's text is the provider's, already redacted)."""
    error = answer.error
    return RecordedAnswer(
        prompt_key=prompt.key,
        model_key=model.key,
        text=answer.text,
        answered_at=pd.Timestamp.now(tz="UTC").floor("us"),
        seconds=answer.total_seconds,
        params=params,
        error=None if error is None else clip(error.message, MESSAGE_CHARS),
        error_kind=None if error is None else error.kind,
        status=None if error is None else error.status,
        request_id=None if error is None else error.request_id,
        finish_reason=answer.finish_reason,
        tokens_in=answer.tokens_in,
        tokens_out=answer.tokens_out,
        usage_reported=answer.usage_reported,
    )


@dataclass(frozen=True)
class Progress:
    """How far a recording is: answers arrived of those asked, and how many of them failed."""

    done: int
    total: int
    failed: int


def record(
    client: ChatClient,
    pending: Sequence[tuple[SetModel, SetPrompt]],
    params: AnswerParams,
    keep: Callable[[RecordedAnswer], None],
    *,
    max_workers: int = DEFAULT_WORKERS,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Ask every pending (model, prompt) once, ``max_workers`` at a time, and hand each answer to ``keep`` on
    the calling thread as it arrives (so it is stored before the next one is waited for).

    If ``keep`` raises (the archive failing), the requests still in flight are stopped and the error goes
    up: what was kept stays kept, and the next call asks only the rest.
    """
    requests = [
        ChatRequest(
            model.model,
            prompt.messages,
            temperature=params.temperature,
            max_tokens=params.max_tokens,
            seed=params.seed,
            stream=False,
        )
        for model, prompt in pending
    ]
    done = failed = 0
    for event in iter_answers(client, requests, max_workers=max_workers):
        if event.answer is None:
            continue
        model, prompt = pending[event.index]
        answer = recorded(model, prompt, event.answer, params)
        keep(answer)
        done, failed = done + 1, failed + (not answer.ok)
        if on_progress is not None:
            on_progress(Progress(done, len(pending), failed))
    return Progress(done, len(pending), failed)


def set_results(answer_set: AnswerSet) -> pd.DataFrame:
    """One row per prompt and model, scored like validation examples (``RESULT_COLUMNS``, plus the prompt's
    key, the finish reason, when it was answered and its request id); a pair never answered is left out,
    a failed one keeps its error and no score, a prompt without an expected answer has no score either."""
    rows = []
    for model in answer_set.models:
        for position, prompt in enumerate(answer_set.prompts, start=1):
            answer = answer_set.answer(model.key, prompt.key)
            if answer is not None:
                rows.append(_row(position, prompt, model, answer))
    results = pd.DataFrame(rows, columns=list(SET_CSV_COLUMNS))
    return results.astype(
        {"exact_match": "boolean", "token_f1": "float64", "tokens_in": "Int64", "tokens_out": "Int64"}
    )


def _row(position: int, prompt: SetPrompt, model: SetModel, answer: RecordedAnswer) -> dict[str, object]:
    scored = answer.ok and prompt.expected is not None
    return {
        "prompt_key": prompt.key,
        "line": position,
        "model_label": model.label,
        "model": model.model,
        "question": prompt.question,
        "expected": prompt.expected if prompt.expected is not None else "",
        "answer": answer.text,
        "exact_match": exact_match(answer.text, prompt.expected or "") if scored else pd.NA,
        "token_f1": token_f1(answer.text, prompt.expected or "") if scored else np.nan,
        "error": answer.error or "",
        "seconds": answer.seconds,
        "tokens_in": answer.tokens_in,
        "tokens_out": answer.tokens_out,
        "usage_reported": answer.usage_reported,
        "finish_reason": answer.finish_reason or "",
        "answered_at": answer.answered_at.isoformat(),
        "request_id": answer.request_id or "",
    }


def set_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per model and in total: answers, errors, exact match and token F1 (over the prompts that have an
    expected answer), tokens."""
    return summarize(results.fillna({"tokens_in": 0, "tokens_out": 0}))


def set_csv(answer_set: AnswerSet) -> str:
    """The set as a CSV a spreadsheet opens safely: every answer and every error, scored."""
    return export_csv(set_results(answer_set))
