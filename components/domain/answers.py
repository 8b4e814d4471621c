"""Recorded answers: what chosen models of a run answered to a set of prompts, kept after the models are gone.

An :class:`AnswerSet` belongs to one run (``run_key``: the run's id under the archive, the same whether it
was opened from its provider or from the archive) and holds its prompts, the models asked and every answer
that arrived, each with how it was asked (temperature, max tokens, seed), its usage, latency, time and any
error. An answer is identified by (set, model, prompt), so a recording that stopped part-way knows what is
still missing. Everything here is plain data: no I/O, picklable, and the text in it came from outside
(prompts from files, answers and errors from providers): whoever shows it escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

PromptOrigin = Literal["validation", "upload"]
ModelKind = Literal["checkpoint", "final", "base", "replacement"]
ROLES = ("system", "developer", "user", "assistant")


@dataclass(frozen=True)
class AnswerParams:
    """How every prompt of a set is asked: temperature 0 answers the most likely way every time."""

    temperature: float | None = 0.0
    max_tokens: int | None = 256
    seed: int | None = 0  # sent where the provider takes one (OpenAI, Azure, Together and most servers)


@dataclass(frozen=True)
class SetPrompt:
    """One prompt of a set: the conversation sent, and the answer it should get when one is known.

    ``key`` names it within the set (``validation:12`` for line 12 of the validation file, ``upload:3``
    for line 3 of an uploaded file) and stays the same when the set is exported and read back.
    """

    key: str
    messages: tuple[Mapping[str, str], ...]  # {"role": …, "content": text}, roles in ROLES
    expected: str | None = None

    @property
    def origin(self) -> str:
        return self.key.partition(":")[0]

    @property
    def line(self) -> int | None:
        """The line of the file it came from, when its key says (``validation:12`` → 12)."""
        tail = self.key.partition(":")[2]
        return int(tail) if tail.isdigit() else None

    @property
    def question(self) -> str:
        """The last user message, to show beside the answers."""
        return next((m["content"] for m in reversed(self.messages) if m.get("role") == "user"), "")


@dataclass(frozen=True)
class SetModel:
    """One model asked: what was sent as ``model``, through which source, and what it is to the run."""

    model: str
    label: str  # in words: "Checkpoint at step 360", "Final model", "Replacement: llama3.1:8b"
    kind: ModelKind
    source: str  # the source it was asked through: openai, azure, together, demo, compatible
    endpoint: str = ""  # the base URL asked, safe to show (no credential)
    step: int | None = None
    checkpoint_id: str | None = None

    @property
    def key(self) -> str:
        """Names the model within its set: its source and name (the same name on two endpoints differs)."""
        return f"{self.source}|{self.model}"


@dataclass(frozen=True)
class RecordedAnswer:
    """One model's answer to one prompt, or why there is none (``error``), as it was asked and arrived."""

    prompt_key: str
    model_key: str
    text: str
    answered_at: pd.Timestamp  # UTC
    seconds: float  # from asking to the end of the answer
    params: AnswerParams = AnswerParams()
    error: str | None = None  # the provider's message (redacted) or ours: untrusted text
    error_kind: str | None = None  # status, timeout, connection, …
    status: int | None = None
    request_id: str | None = None
    finish_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    usage_reported: bool = False  # False: the tokens are estimates

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class AnswerSet:
    """A run's recorded answers: the prompts, the models asked and every answer stored so far."""

    set_id: str
    run_key: str
    name: str
    created_at: pd.Timestamp
    params: AnswerParams
    prompts: tuple[SetPrompt, ...]
    models: tuple[SetModel, ...]
    answers: tuple[RecordedAnswer, ...] = ()

    def answer(self, model_key: str, prompt_key: str) -> RecordedAnswer | None:
        return self._by_pair().get((model_key, prompt_key))

    def _by_pair(self) -> dict[tuple[str, str], RecordedAnswer]:
        return {(answer.model_key, answer.prompt_key): answer for answer in self.answers}

    def missing(self, models: tuple[SetModel, ...] | None = None) -> list[tuple[SetModel, SetPrompt]]:
        """What is still to ask, model by model: every pair with no answer, or only a failed one."""
        have = self._by_pair()
        wanted = self.models if models is None else models
        return [
            (model, prompt)
            for model in wanted
            for prompt in self.prompts
            if (found := have.get((model.key, prompt.key))) is None or not found.ok
        ]

    def in_order(self) -> AnswerSet:
        """The same set with its answers model by model, prompt by prompt (the order it is shown in)."""
        models = {model.key: index for index, model in enumerate(self.models)}
        prompts = {prompt.key: index for index, prompt in enumerate(self.prompts)}
        ordered = sorted(
            self.answers, key=lambda a: (models.get(a.model_key, len(models)), prompts.get(a.prompt_key, 0))
        )
        return replace(self, answers=tuple(ordered))

    def model(self, key: str) -> SetModel | None:
        return next((model for model in self.models if model.key == key), None)

    @property
    def answered(self) -> int:
        return sum(answer.ok for answer in self.answers)

    @property
    def failed(self) -> int:
        return sum(not answer.ok for answer in self.answers)

    @property
    def total(self) -> int:
        return len(self.prompts) * len(self.models)


@dataclass(frozen=True)
class AnswerSetInfo:
    """A set as a list of sets shows it, without its prompts and answers."""

    set_id: str
    name: str
    created_at: pd.Timestamp
    prompts: int
    models: int
    answered: int
    failed: int
