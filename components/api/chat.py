"""Chat completions: one model's answer to one conversation, streamed or not, with its cost and timing.

``POST /chat/completions`` is the same call on OpenAI, Azure OpenAI's v1 API and Together AI (all
OpenAI-compatible); Azure's dated API names the deployment in the path instead
(``/openai/deployments/{deployment}/chat/completions?api-version=``). What differs is a
:class:`ChatDialect`. A streamed answer arrives as server-sent events (``data: {chunk}`` lines, then
``data: [DONE]``); its usage comes in a last chunk when ``stream_options.include_usage`` is asked for (OpenAI,
Azure), or on the last chunk unasked (Together, UNCONFIRMED), and is estimated when none arrives.

:meth:`ChatClient.answer` never raises for what the API or the network does: every failure becomes the
answer's own :class:`ChatError` (typed, redacted, safe to show), so several models can answer side by side
and one failing leaves the others going. Every answer has its own deadline (``DASHBOARD_INFERENCE_DEADLINE``)
and byte limit (``DASHBOARD_MAX_RESPONSE_MB``, the streamed body included); nothing is cached and nothing is
sent but by a call.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.api.client import ApiClient
from components.api.config import ApiConfig
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    FineTuningAPIError,
    MalformedResponseError,
    ResponseTooLargeError,
    redact,
)
from components.errors import DashboardError
from components.text import MESSAGE_CHARS, clean

logger = logging.getLogger(__name__)

Message = Mapping[str, Any]
"""One chat message as the API takes it: ``{"role": "user", "content": "…"}``."""
DeltaCallback = Callable[[str], None]

CHARS_PER_TOKEN = 4
"""OpenAI's rule of thumb for English text: a token is about four characters."""
TOKENS_PER_MESSAGE = 4
"""What each message adds for its role and framing (OpenAI's cookbook counts 3 to 4)."""
_DEPLOYMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` estimated from its length: one per four characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_prompt_tokens(messages: Iterable[Message]) -> int:
    """Tokens of a conversation estimated from characters, plus each message's framing."""
    return sum(
        TOKENS_PER_MESSAGE + estimate_tokens(content_text(message.get("content"))) for message in messages
    )


def content_text(content: Any) -> str:
    """A message's text: a string as sent, or the text parts of a list of parts (images, audio left out)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str)
        )
    return ""


@dataclass(frozen=True)
class ChatDialect:
    """How one provider takes a chat completion."""

    deployment_in_path: bool = (
        False  # Azure's dated API: /deployments/{name}/chat/completions, no model in body
    )
    usage_option: bool = True  # ask for the usage chunk with stream_options.include_usage
    max_tokens_key: str = "max_completion_tokens"  # OpenAI deprecated max_tokens; Together still takes it


OPENAI_CHAT = ChatDialect()
AZURE_DATED_CHAT = ChatDialect(deployment_in_path=True, max_tokens_key="max_tokens")
TOGETHER_CHAT = ChatDialect(usage_option=False, max_tokens_key="max_tokens")


def chat_dialect(source: str, config: ApiConfig) -> ChatDialect:
    """The dialect of a source (``openai``, ``azure``, ``together``, ``demo``) as configured.

    Azure's v1 API (``…/openai/v1``) takes the deployment as ``model`` like OpenAI; a dated ``api-version``
    selects the dated paths (see ``components.api.config.azure_base_url``).
    """
    if source == "together":
        return TOGETHER_CHAT
    if source == "azure" and not config.base_url.rstrip("/").endswith("/v1"):
        return AZURE_DATED_CHAT
    return OPENAI_CHAT


@dataclass(frozen=True)
class ChatRequest:
    """One conversation for one model. ``model`` is what the provider calls it (on Azure: the deployment)."""

    model: str
    messages: tuple[Message, ...]
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    seed: int | None = None  # best-effort determinism, where the provider takes it

    def body(self, dialect: ChatDialect) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": [dict(message) for message in self.messages]}
        if not dialect.deployment_in_path:
            body["model"] = self.model
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body[dialect.max_tokens_key] = self.max_tokens
        if self.seed is not None:
            body["seed"] = self.seed
        if self.stream:
            body["stream"] = True
            if dialect.usage_option:
                body["stream_options"] = {"include_usage": True}
        return body


def prompt_messages(user: str, system: str | None = None) -> tuple[Message, ...]:
    """A one-question conversation: the optional system message, then the user's prompt."""
    messages: list[Message] = []
    if system and system.strip():
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": user})
    return tuple(messages)


ErrorKind = Literal[
    "status", "stream", "timeout", "connection", "too_large", "malformed", "refused", "unexpected"
]


class StreamError(FineTuningAPIError):
    """The provider sent an error object instead of (or in the middle of) an answer."""


@dataclass(frozen=True)
class ChatError:
    """Why one answer failed, safe to show: the provider's own message (redacted), status and request id."""

    kind: ErrorKind
    message: str
    status: int | None = None
    request_id: str | None = None
    code: str | None = None

    @classmethod
    def of(cls, exc: DashboardError) -> ChatError:
        """The error of a failed answer; anything but the API's own kinds (no credential…) is "refused"."""
        if isinstance(exc, APIStatusError):
            return cls("status", str(exc), exc.status, exc.request_id, exc.code)
        kinds: tuple[tuple[type[DashboardError], ErrorKind], ...] = (
            (StreamError, "stream"),
            (APITimeoutError, "timeout"),
            (APIConnectionError, "connection"),
            (ResponseTooLargeError, "too_large"),
            (MalformedResponseError, "malformed"),
        )
        kind = next((kind for error_type, kind in kinds if isinstance(exc, error_type)), "refused")
        return cls(kind, str(exc))


UNEXPECTED = ChatError(
    "unexpected", "Something unexpected went wrong with this answer; the server log has it."
)


@dataclass(frozen=True)
class ChatAnswer:
    """One model's answer, or as much of it as arrived before ``error``.

    ``tokens_in``/``tokens_out`` are the provider's usage when ``usage_reported``, else estimates: the prompt
    from its characters (:func:`estimate_prompt_tokens`), the answer by its streamed chunks (one token each)
    or, unstreamed, from its characters. ``first_token_seconds`` is when the first text arrived (for an
    unstreamed answer, the whole answer: the same as ``total_seconds``).
    """

    model: str
    text: str = ""
    finish_reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    usage_reported: bool = False
    first_token_seconds: float | None = None
    total_seconds: float = 0.0
    streamed: bool = False
    error: ChatError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Reading:
    """An answer while it arrives."""

    model: str
    prompt_tokens: int
    streamed: bool
    started: float
    parts: list[str] = field(default_factory=list)
    chunks: int = 0
    first: float | None = None
    finish_reason: str | None = None
    usage: tuple[int | None, int | None] | None = None
    done: bool = False

    def answer(self, now: float, error: ChatError | None = None) -> ChatAnswer:
        text = "".join(self.parts)
        tokens_in, tokens_out = self.usage or (None, None)
        if error is None or text or self.usage is not None:  # a failure before any answer cost nothing
            estimated_out = self.chunks if self.streamed else estimate_tokens(text)
            tokens_in = tokens_in if tokens_in is not None else self.prompt_tokens
            tokens_out = tokens_out if tokens_out is not None else estimated_out
        return ChatAnswer(
            model=self.model,
            text=text,
            finish_reason=self.finish_reason,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            usage_reported=self.usage is not None and None not in self.usage,
            first_token_seconds=None if self.first is None else self.first - self.started,
            total_seconds=now - self.started,
            streamed=self.streamed,
            error=error,
        )


class ChatClient:
    """Asks one provider's models for answers with one credential; thread-safe (one answer per call)."""

    def __init__(
        self,
        api: ApiClient,
        dialect: ChatDialect = OPENAI_CHAT,
        *,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._api = api
        self._dialect = dialect
        self._timer = timer

    @property
    def api(self) -> ApiClient:
        """The API client underneath (files, e.g. a job's validation file, are read through it)."""
        return self._api

    @property
    def dialect(self) -> ChatDialect:
        return self._dialect

    def path(self, model: str) -> str:
        if not self._dialect.deployment_in_path:
            return "chat/completions"
        if not _DEPLOYMENT.fullmatch(model):
            raise ValueError("not a deployment name")
        return f"deployments/{model}/chat/completions"

    def answer(
        self,
        request: ChatRequest,
        on_delta: DeltaCallback | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> ChatAnswer:
        """The model's answer; a streamed one calls ``on_delta`` with each piece of text as it arrives.

        ``stop`` ends a stream early (the answer so far is kept, ``finish_reason`` "stopped"). Never raises
        for what the API or network does: see :class:`ChatAnswer.error`.
        """
        reading = _Reading(
            request.model, estimate_prompt_tokens(request.messages), request.stream, self._timer()
        )
        try:
            path = self.path(request.model)
        except ValueError:
            message = (
                "An Azure deployment name is letters, digits, '.', '-' and '_' (up to 64 characters); "
                "this one cannot be sent."
            )
            return reading.answer(self._timer(), ChatError("refused", message))
        api = self._api.start_answer()
        try:
            if request.stream:
                self._stream(api, path, request, reading, on_delta, stop)
            else:
                self._whole(api, path, request, reading)
        except DashboardError as exc:  # the API's errors, and a credential that cannot be had (Entra ID)
            return reading.answer(self._timer(), ChatError.of(exc))
        except Exception:  # a bug must not take the other answers down, nor reach the page
            logger.exception("Unexpected failure while asking %s for an answer", request.model)
            return reading.answer(self._timer(), UNEXPECTED)
        return reading.answer(self._timer())

    def _whole(self, api: ApiClient, path: str, request: ChatRequest, reading: _Reading) -> None:
        body = api.json_object(path, method="POST", json=request.body(self._dialect))
        choice = _first_choice(body)
        message = choice.get("message") if isinstance(choice, Mapping) else None
        text = content_text(message.get("content")) if isinstance(message, Mapping) else ""
        reading.parts.append(text)
        reading.first = self._timer()
        reading.finish_reason = _text(choice.get("finish_reason")) if isinstance(choice, Mapping) else None
        reading.usage = _usage(body)
        self._raise_error_object(body)

    def _stream(
        self,
        api: ApiClient,
        path: str,
        request: ChatRequest,
        reading: _Reading,
        on_delta: DeltaCallback | None,
        stop: threading.Event | None,
    ) -> None:
        lines = api.stream_lines("POST", path, json=request.body(self._dialect))
        try:
            for data in _sse_data(lines):
                if data == "[DONE]":
                    reading.done = True
                    break
                self._chunk(data, reading, on_delta)
                if stop is not None and stop.is_set():
                    reading.finish_reason = "stopped"
                    return
        finally:
            lines.close()
        if not reading.done and reading.finish_reason is None:
            raise APIConnectionError(
                f"{api.config.display_base_url} ended the stream before the answer was complete."
            )

    def _chunk(self, data: str, reading: _Reading, on_delta: DeltaCallback | None) -> None:
        try:
            chunk = json.loads(data)
        except (ValueError, RecursionError):
            raise MalformedResponseError("The answer stream sent a chunk that is not valid JSON.") from None
        if not isinstance(chunk, dict):
            raise MalformedResponseError("The answer stream sent a chunk that is not a JSON object.")
        self._raise_error_object(chunk)
        if (usage := _usage(chunk)) is not None:
            reading.usage = usage
        choice = _first_choice(chunk)
        if not isinstance(choice, Mapping):
            return  # Azure's content-filter results and the usage chunk carry no choice
        delta = choice.get("delta")
        piece = content_text(delta.get("content")) if isinstance(delta, Mapping) else ""
        if piece:
            reading.chunks += 1
            reading.parts.append(piece)
            if reading.first is None:
                reading.first = self._timer()
            if on_delta is not None:
                on_delta(piece)
        if finish := _text(choice.get("finish_reason")):
            reading.finish_reason = finish

    def _raise_error_object(self, body: Mapping[str, Any]) -> None:
        """An ``{"error": {...}}`` inside a 200 answer (OpenAI sends one mid-stream) as a typed error."""
        error = body.get("error")
        if error is None:
            return
        message = error.get("message") if isinstance(error, Mapping) else error
        text = clean(redact(str(message), *self._api.config.auth.secrets()), MESSAGE_CHARS)
        raise StreamError(f"The model stopped with an error: {text or 'no message'}")


def _sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The data of each server-sent event (its ``data:`` lines joined), as the SSE standard reads them."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive)
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value.removeprefix(" "))
    if data:
        yield "\n".join(data)


def _first_choice(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9 else None


def _usage(body: Mapping[str, Any]) -> tuple[int | None, int | None] | None:
    usage = body.get("usage")
    if not isinstance(usage, Mapping):
        return None
    return _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))


def requests_for(models: Sequence[str], messages: tuple[Message, ...], **options: Any) -> list[ChatRequest]:
    """One request per model for the same conversation (``options``: temperature, max_tokens, stream)."""
    return [ChatRequest(model, messages, **options) for model in models]
