"""How :func:`run_validation` asks: every request carries the options' sampling, unstreamed."""

from __future__ import annotations

import threading
from collections.abc import Callable

from components.api.chat import ChatAnswer, ChatRequest
from components.inference import ModelChoice, ValidationOptions, run_validation
from components.inference.validation import Example


class Recorder:
    """A chat client that echoes the expected answer and keeps every request it was sent."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []
        self._lock = threading.Lock()

    def answer(
        self, request: ChatRequest, on_delta: Callable[[str], None] | None = None, *, stop=None
    ) -> ChatAnswer:
        with self._lock:
            self.requests.append(request)
        return ChatAnswer(request.model, text="yes", tokens_in=1, tokens_out=1)


EXAMPLES = [Example(line, ({"role": "user", "content": f"q{line}"},), "yes") for line in (1, 2)]
MODELS = [ModelChoice("m1", "checkpoint", "One"), ModelChoice("m2", "base", "Two")]


def test_the_default_options_ask_at_temperature_zero_without_a_limit() -> None:
    chat = Recorder()
    progress: list[tuple[int, int]] = []
    result = run_validation(chat, EXAMPLES, MODELS, on_progress=lambda *done: progress.append(done))
    assert {(r.temperature, r.max_tokens, r.stream) for r in chat.requests} == {(0.0, None, False)}
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.results["model"].tolist() == ["m1", "m2", "m1", "m2"]
    assert result.summary["exact_match"].tolist() == [1.0, 1.0, 1.0]


def test_the_options_reach_every_request() -> None:
    chat = Recorder()
    options = ValidationOptions(temperature=None, max_tokens=7, max_workers=1)
    run_validation(chat, EXAMPLES, MODELS, options=options)
    assert len(chat.requests) == 4
    assert {(r.temperature, r.max_tokens) for r in chat.requests} == {(None, 7)}
