"""Recorded answer sets as files: chat JSONL to train a replacement on (and to open the set again), and the
prompts a user uploads to record answers to.

**The set as chat JSONL.** One line per answer: the prompt's messages, then the model's answer as the
assistant message, so the file is a conversational dataset as TRL's ``SFTTrainer`` (and most trainers) read
it. Each line also carries ``metadata``: the set, the prompt's key and expected answer, the model and how it
was asked and answered, so :func:`read_set_jsonl` opens the same set again. Failed answers are not training
examples and are left out (the CSV keeps them); a prompt no model answered, or a model that answered
nothing, is therefore not in the file either.

**Prompts to record.** One chat conversation per line, ``{"messages": [...]}``; when the last message is the
assistant's, it is the expected answer and the rest is the prompt. Both files come from outside: read within
a byte limit, at most :data:`MAX_PROMPTS` prompts, every field checked; anything wrong is a
:class:`SetFileError` naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from components.api.chat import content_text
from components.domain.answers import (
    ROLES,
    AnswerParams,
    AnswerSet,
    RecordedAnswer,
    SetModel,
    SetPrompt,
)
from components.errors import MalformedDataError
from components.export.schema import check_document
from components.wording import count

SET_FORMAT = "ft-checkpoint-dashboard-answers"
SET_VERSION = 1
MAX_PROMPTS = 500
"""Prompts in one set: 50 validation examples and a few hundred of one's own fit; more is a batch job."""
MAX_SET_LINES = MAX_PROMPTS * 16  # every prompt answered by up to 16 models
MAX_MESSAGES = 64
MAX_MESSAGE_CHARS = 100_000
MAX_NAME_CHARS = 200
MAX_MODEL_CHARS = 256
MODEL_KINDS = ("checkpoint", "final", "base", "replacement")


class SetFileError(MalformedDataError):
    """A JSONL file that cannot be read as chat prompts or as a recorded set; the message names the line."""


def _need(condition: bool, line: int | str, problem: str) -> None:
    """``line``: the file's line, or in words where the problem is (a set in an export document)."""
    if not condition:
        where = f"Line {line:,}" if isinstance(line, int) else line
        raise SetFileError(f"{where} cannot be read: {problem}.")


# ---- Writing ----------------------------------------------------------------------------------------------


def _stamp(value: pd.Timestamp) -> str:
    return value.tz_convert("UTC").isoformat()


def _params(params: AnswerParams) -> dict[str, Any]:
    return {"temperature": params.temperature, "max_tokens": params.max_tokens, "seed": params.seed}


def _metadata(answer_set: AnswerSet, prompt: SetPrompt, model: SetModel, answer: RecordedAnswer) -> dict:
    return {
        "format": SET_FORMAT,
        "version": SET_VERSION,
        "set": {
            "id": answer_set.set_id,
            "name": answer_set.name,
            "run": answer_set.run_key,
            "created_at": _stamp(answer_set.created_at),
            "params": _params(answer_set.params),
        },
        "prompt": {
            "key": prompt.key,
            "position": answer_set.prompts.index(prompt),
            "expected": prompt.expected,
        },
        "model": {
            "model": model.model,
            "label": model.label,
            "kind": model.kind,
            "source": model.source,
            "endpoint": model.endpoint,
            "step": model.step,
            "checkpoint_id": model.checkpoint_id,
            "position": answer_set.models.index(model),
        },
        "answer": {
            "answered_at": _stamp(answer.answered_at),
            "seconds": answer.seconds,
            "params": _params(answer.params),
            "finish_reason": answer.finish_reason,
            "tokens_in": answer.tokens_in,
            "tokens_out": answer.tokens_out,
            "usage_reported": answer.usage_reported,
            "request_id": answer.request_id,
        },
    }


def set_jsonl(answer_set: AnswerSet, model_key: str | None = None) -> bytes:
    """The set's answers (of one model, given ``model_key``) as chat JSONL, prompt by prompt, in the set's
    order of models."""
    lines = []
    for model in answer_set.models:
        if model_key is not None and model.key != model_key:
            continue
        for prompt in answer_set.prompts:
            answer = answer_set.answer(model.key, prompt.key)
            if answer is None or not answer.ok:
                continue
            messages = [*map(dict, prompt.messages), {"role": "assistant", "content": answer.text}]
            line = {"messages": messages, "metadata": _metadata(answer_set, prompt, model, answer)}
            lines.append(
                json.dumps(line, ensure_ascii=True, allow_nan=False)
            )  # no raw U+2028 to split a line
    return "".join(line + "\n" for line in lines).encode()


# ---- Reading ----------------------------------------------------------------------------------------------


def _json_lines(data: bytes, max_lines: int) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's JSON, numbered from 1; SetFileError for text that is not UTF-8 JSON lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SetFileError("The file is not UTF-8 text, so not chat JSONL.") from None
    seen = 0
    # Lines end at "\n" only (JSON Lines): str.splitlines would also split inside a string at U+2028 or \x85.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        seen += 1
        if seen > max_lines:
            raise SetFileError(
                f"The file has more than {max_lines:,} lines; this dashboard reads at most that."
            )
        try:
            yield number, json.loads(line)
        except (ValueError, RecursionError):
            raise SetFileError(f"Line {number:,} is not valid JSON.") from None


def _messages(raw: Any, line: int | str) -> list[dict[str, str]]:
    """A conversation's messages as ``{"role", "content"}`` with text content, checked."""
    _need(isinstance(raw, list) and 1 <= len(raw) <= MAX_MESSAGES, line, "it has no list of messages")
    messages = []
    for message in raw:
        _need(isinstance(message, Mapping), line, "a message is not an object")
        role = message.get("role")
        _need(role in ROLES, line, f"a message's role is not one of {', '.join(ROLES)}")
        text = content_text(message.get("content"))
        _need(
            len(text) <= MAX_MESSAGE_CHARS, line, f"a message is longer than {MAX_MESSAGE_CHARS:,} characters"
        )
        messages.append({"role": role, "content": text})
    return messages


def _split(messages: list[dict[str, str]], line: int | str) -> tuple[tuple[dict[str, str], ...], str | None]:
    """The prompt (it must ask something) and, when the conversation ends with the assistant, its answer."""
    expected = messages[-1]["content"] if messages[-1]["role"] == "assistant" else None
    prompt = tuple(messages[:-1] if expected is not None else messages)
    _need(any(m["role"] == "user" for m in prompt), line, "its prompt has no user message")
    return prompt, expected


@dataclass(frozen=True)
class PromptFile:
    """The prompts of an uploaded file, each keyed ``upload:<line>``."""

    prompts: tuple[SetPrompt, ...]
    with_expected: int


def parse_prompt_file(data: bytes) -> PromptFile:
    """The chat prompts of a JSONL file (at most :data:`MAX_PROMPTS`); SetFileError naming a bad line."""
    prompts = []
    for line, obj in _json_lines(data, MAX_PROMPTS):
        _need(isinstance(obj, Mapping), line, 'it is not an object such as {"messages": [...]}')
        prompt, expected = _split(_messages(obj.get("messages"), line), line)
        prompts.append(SetPrompt(f"upload:{line}", prompt, expected))
    if not prompts:
        raise SetFileError('The file holds no prompt: one {"messages": [...]} per line is expected.')
    return PromptFile(tuple(prompts), sum(prompt.expected is not None for prompt in prompts))


def _text(
    value: Any, line: int | str, what: str, limit: int = MAX_NAME_CHARS, *, optional: bool = False
) -> Any:
    if value is None and optional:
        return None
    _need(isinstance(value, str) and len(value) <= limit, line, f"its {what} is not text")
    return value


def _whole(value: Any, line: int | str, what: str, high: int = 10**9) -> int | None:
    if value is None:
        return None
    _need(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high,
        line,
        f"its {what} is not a count",
    )
    return value


def _real(value: Any, line: int | str, what: str) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10**6
    _need(ok, line, f"its {what} is not a number")
    return float(value)


def _time(value: Any, line: int | str, what: str) -> pd.Timestamp:
    try:
        when = pd.Timestamp(_text(value, line, what, 64))
    except (ValueError, TypeError, OverflowError):
        when = None
    _need(
        when is not None and when is not pd.NaT and when.tzinfo is not None, line, f"its {what} is not a time"
    )
    return when.tz_convert("UTC")


def _read_params(raw: Any, line: int | str) -> AnswerParams:
    _need(isinstance(raw, Mapping), line, "its parameters are not an object")
    seed = raw.get("seed")
    _need(
        seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and abs(seed) < 2**63),
        line,
        "its seed is not a whole number",
    )
    return AnswerParams(
        _real(raw.get("temperature"), line, "temperature"),
        _whole(raw.get("max_tokens"), line, "max tokens"),
        seed,
    )


def _section(meta: Mapping[str, Any], name: str, line: int | str) -> Mapping[str, Any]:
    section = meta.get(name)
    _need(isinstance(section, Mapping), line, f"its metadata has no {name}")
    return section


def _read_model(raw: Mapping[str, Any], line: int | str) -> tuple[int, SetModel]:
    kind = raw.get("kind")
    _need(kind in MODEL_KINDS, line, "its model kind is unknown")
    model = SetModel(
        model=_text(raw.get("model"), line, "model", MAX_MODEL_CHARS),
        label=_text(raw.get("label"), line, "model label", 300),
        kind=kind,
        source=_text(raw.get("source"), line, "model source", 32),
        endpoint=_text(raw.get("endpoint"), line, "endpoint", 2_000),
        step=_whole(raw.get("step"), line, "step"),
        checkpoint_id=_text(raw.get("checkpoint_id"), line, "checkpoint id", 128, optional=True),
    )
    return _whole(raw.get("position"), line, "model position", MAX_SET_LINES) or 0, model


def _read_answer(
    raw: Mapping[str, Any], line: int | str, prompt_key: str, model: SetModel, text: str
) -> RecordedAnswer:
    return RecordedAnswer(
        prompt_key=prompt_key,
        model_key=model.key,
        text=text,
        answered_at=_time(raw.get("answered_at"), line, "answer time"),
        seconds=_real(raw.get("seconds"), line, "latency") or 0.0,
        params=_read_params(raw.get("params"), line),
        finish_reason=_text(raw.get("finish_reason"), line, "finish reason", 32, optional=True),
        tokens_in=_whole(raw.get("tokens_in"), line, "tokens in"),
        tokens_out=_whole(raw.get("tokens_out"), line, "tokens out"),
        usage_reported=raw.get("usage_reported") is True,
        request_id=_text(raw.get("request_id"), line, "request id", 128, optional=True),
    )


@dataclass
class _Collected:
    """What the lines of one set file say, gathered before the set is built."""

    head: tuple[str, str, str, pd.Timestamp, AnswerParams] | None = None
    prompts: dict[str, tuple[int, SetPrompt]] | None = None
    models: dict[str, tuple[int, SetModel]] | None = None
    answers: dict[tuple[str, str], RecordedAnswer] | None = None


def _read_line(obj: Any, line: int | str, found: _Collected) -> None:
    _need(isinstance(obj, Mapping), line, "it is not an object")
    meta = obj.get("metadata")
    ours = isinstance(meta, Mapping) and meta.get("format") == SET_FORMAT
    _need(ours, line, "it is not a line of a recorded set exported by this dashboard (no metadata)")
    _need(meta.get("version") == SET_VERSION, line, f"it is of another version than {SET_VERSION}")
    head = _section(meta, "set", line)
    this = (
        _text(head.get("id"), line, "set id", 40),
        _text(head.get("run"), line, "run", 128),
        _text(head.get("name"), line, "set name"),
        _time(head.get("created_at"), line, "set time"),
        _read_params(head.get("params"), line),
    )
    _need(found.head in (None, this), line, "it belongs to another set than the lines before it")
    found.head = this
    messages = _messages(obj.get("messages"), line)
    _need(messages[-1]["role"] == "assistant" and len(messages) > 1, line, "it does not end with the answer")
    prompt_meta = _section(meta, "prompt", line)
    key = _text(prompt_meta.get("key"), line, "prompt key", 64)
    expected = _text(prompt_meta.get("expected"), line, "expected answer", MAX_MESSAGE_CHARS, optional=True)
    prompt = SetPrompt(key, tuple(messages[:-1]), expected)
    position = _whole(prompt_meta.get("position"), line, "prompt position", MAX_SET_LINES) or 0
    assert found.prompts is not None and found.models is not None and found.answers is not None
    _need(
        found.prompts.setdefault(key, (position, prompt)) == (position, prompt),
        line,
        "its prompt differs from the same prompt's on an earlier line",
    )
    model_position, model = _read_model(_section(meta, "model", line), line)
    _need(
        found.models.setdefault(model.key, (model_position, model)) == (model_position, model),
        line,
        "its model differs from the same model's on an earlier line",
    )
    _need((model.key, key) not in found.answers, line, "the same model answers the same prompt twice")
    found.answers[(model.key, key)] = _read_answer(
        _section(meta, "answer", line), line, key, model, messages[-1]["content"]
    )


def read_set_jsonl(data: bytes) -> AnswerSet:
    """The recorded set a file from :func:`set_jsonl` holds; SetFileError naming the first bad line."""
    found = _Collected(None, {}, {}, {})
    for line, obj in _json_lines(data, MAX_SET_LINES):
        _read_line(obj, line, found)
    if found.head is None:
        raise SetFileError("The file holds no answer of a recorded set.")
    assert found.prompts is not None and found.models is not None and found.answers is not None
    _need(len(found.prompts) <= MAX_PROMPTS, 1, f"the set has more than {count(MAX_PROMPTS, 'prompt')}")
    set_id, run_key, name, created_at, params = found.head
    return AnswerSet(
        set_id=set_id,
        run_key=run_key,
        name=name,
        created_at=created_at,
        params=params,
        prompts=tuple(prompt for _, prompt in sorted(found.prompts.values(), key=lambda pair: pair[0])),
        models=tuple(model for _, model in sorted(found.models.values(), key=lambda pair: pair[0])),
        answers=tuple(found.answers.values()),
    ).in_order()


# ---- In the export document -------------------------------------------------------------------------------

MAX_SETS = 50
"""Recorded sets one export document holds: a run rarely has more than a handful."""
IN_DOCUMENT = "A recorded answer set of the export file"


def _answer_body(answer: RecordedAnswer, prompts: dict[str, int], models: dict[str, int]) -> dict[str, Any]:
    return {
        "prompt": prompts[answer.prompt_key],
        "model": models[answer.model_key],
        "text": answer.text,
        "error": answer.error,
        "error_kind": answer.error_kind,
        "status": answer.status,
        "request_id": answer.request_id,
        "finish_reason": answer.finish_reason,
        "tokens_in": answer.tokens_in,
        "tokens_out": answer.tokens_out,
        "usage_reported": answer.usage_reported,
        "seconds": answer.seconds,
        "answered_at": _stamp(answer.answered_at),
        "params": _params(answer.params),
    }


def answer_set_body(answer_set: AnswerSet) -> dict[str, Any]:
    """A whole set (failed answers included) as the export document holds it; :func:`answer_sets_of`
    reads it back."""
    prompts = {prompt.key: index for index, prompt in enumerate(answer_set.prompts)}
    models = {model.key: index for index, model in enumerate(answer_set.models)}
    return {
        "id": answer_set.set_id,
        "name": answer_set.name,
        "run": answer_set.run_key,
        "created_at": _stamp(answer_set.created_at),
        "params": _params(answer_set.params),
        "prompts": [
            {"key": p.key, "messages": [dict(m) for m in p.messages], "expected": p.expected}
            for p in answer_set.prompts
        ],
        "models": [
            {
                "model": m.model,
                "label": m.label,
                "kind": m.kind,
                "source": m.source,
                "endpoint": m.endpoint,
                "step": m.step,
                "checkpoint_id": m.checkpoint_id,
                "position": i,
            }
            for i, m in enumerate(answer_set.models)
        ],
        "answers": [_answer_body(answer, prompts, models) for answer in answer_set.answers],
    }


def _listed(value: Any, what: str, most: int) -> list[Any]:
    _need(isinstance(value, list) and len(value) <= most, IN_DOCUMENT, f"its {what} are not a list")
    return value


def _index(value: Any, size: int, what: str) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size
    _need(ok, IN_DOCUMENT, f"an answer names no {what} of the set")
    return value


def _body_answer(raw: Any, prompts: Sequence[SetPrompt], models: Sequence[SetModel]) -> RecordedAnswer:
    _need(isinstance(raw, Mapping), IN_DOCUMENT, "an answer is not an object")
    prompt = prompts[_index(raw.get("prompt"), len(prompts), "prompt")]
    model = models[_index(raw.get("model"), len(models), "model")]
    answer = _read_answer(
        raw, IN_DOCUMENT, prompt.key, model, _text(raw.get("text"), IN_DOCUMENT, "answer", MAX_MESSAGE_CHARS)
    )
    return replace(
        answer,
        error=_text(raw.get("error"), IN_DOCUMENT, "error", MAX_MESSAGE_CHARS, optional=True),
        error_kind=_text(raw.get("error_kind"), IN_DOCUMENT, "error kind", 16, optional=True),
        status=_whole(raw.get("status"), IN_DOCUMENT, "status", 999),
    )


def _body_set(raw: Any) -> AnswerSet:
    _need(isinstance(raw, Mapping), IN_DOCUMENT, "it is not an object")
    prompts = []
    for item in _listed(raw.get("prompts"), "prompts", MAX_PROMPTS):
        _need(isinstance(item, Mapping), IN_DOCUMENT, "a prompt is not an object")
        messages = tuple(_messages(item.get("messages"), IN_DOCUMENT))
        expected = _text(
            item.get("expected"), IN_DOCUMENT, "expected answer", MAX_MESSAGE_CHARS, optional=True
        )
        prompts.append(SetPrompt(_text(item.get("key"), IN_DOCUMENT, "prompt key", 64), messages, expected))
    models = []
    for item in _listed(raw.get("models"), "models", MAX_SET_LINES):
        _need(isinstance(item, Mapping), IN_DOCUMENT, "a model is not an object")
        models.append(_read_model(item, IN_DOCUMENT)[1])
    _need(len({p.key for p in prompts}) == len(prompts), IN_DOCUMENT, "a prompt key is there twice")
    _need(len({m.key for m in models}) == len(models), IN_DOCUMENT, "a model is there twice")
    answers = [
        _body_answer(item, prompts, models) for item in _listed(raw.get("answers"), "answers", MAX_SET_LINES)
    ]
    _need(
        len({(a.model_key, a.prompt_key) for a in answers}) == len(answers),
        IN_DOCUMENT,
        "an answer is there twice",
    )
    return AnswerSet(
        set_id=_text(raw.get("id"), IN_DOCUMENT, "set id", 40),
        run_key=_text(raw.get("run"), IN_DOCUMENT, "run", 128),
        name=_text(raw.get("name"), IN_DOCUMENT, "set name"),
        created_at=_time(raw.get("created_at"), IN_DOCUMENT, "set time"),
        params=_read_params(raw.get("params"), IN_DOCUMENT),
        prompts=tuple(prompts),
        models=tuple(models),
        answers=tuple(answers),
    ).in_order()


def answer_sets_of(document: Mapping[str, Any]) -> tuple[AnswerSet, ...]:
    """The recorded sets an export document carries (none in a version 1 document, which had none)."""
    check_document(document)
    raw = document.get("answer_sets", [])
    _need(isinstance(raw, list) and len(raw) <= MAX_SETS, IN_DOCUMENT, f"there are more than {MAX_SETS}")
    return tuple(_body_set(item) for item in raw)
