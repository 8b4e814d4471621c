"""The demo job's models answering prompts, from built-in examples: no network, the same answer every time.

The demo job (``ftjob-demo``) is a support-ticket router: its validation file (a fixture) pairs customer
messages with ``team: reason`` answers. Asked one of those messages, each model answers as a checkpoint of
such a run would: the checkpoint at step 360 most often word for word, step 240 often in its own words,
step 480 and the final model (the same weights) overfit and sometimes repeat another ticket's answer, and
the base model explains itself in a sentence. Which way a model answers a message is fixed by a hash of
both. Any other message is routed by its keywords. The answers go out in the API's shapes (streamed as
server-sent events, or whole) through the demo transport (``components.demo.demo_transport``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from components.api.chat import content_text, estimate_prompt_tokens

FIXTURES = Path(__file__).with_name("fixtures")
VALIDATION_FILE = "file-vGWt1hSqUtA9QHH95dvM5X"
TEAMS = ("billing", "account", "technical", "shipping")
KEYWORDS: dict[str, tuple[str, ...]] = {
    "billing": ("charge", "invoice", "refund", "bill", "price", "payment", "card", "subscription", "paid"),
    "account": ("log in", "login", "password", "account", "email", "two-factor", "2fa", "profile", "sign in"),
    "technical": ("crash", "error", "bug", "slow", "load", "sync", "upload", "export", "app", "broken link"),
    "shipping": ("parcel", "package", "deliver", "shipping", "ship", "tracking", "box", "arrived", "courier"),
}
# How each model answers a known message, in 100 (word for word, in its own words, wrong team, another
# ticket's answer); the rest is the base model's sentence.
PROFILES: dict[str, tuple[int, int, int, int]] = {
    "240": (50, 35, 10, 5),
    "360": (65, 20, 10, 5),
    "480": (45, 10, 15, 30),
}
_STEP = re.compile(r"ckpt-step-(\d+)$")
_PIECE = re.compile(r"\S+\s*")


@cache
def _fixtures() -> tuple[dict[str, str], tuple[str, ...], frozenset[str], str]:
    """(message -> expected answer, the answers in file order, the models, the fine-tuned model)."""
    expected: dict[str, str] = {}
    for line in (FIXTURES / f"{VALIDATION_FILE}.jsonl").read_text().splitlines():
        messages = json.loads(line)["messages"]
        expected[messages[-2]["content"]] = messages[-1]["content"]
    job = json.loads((FIXTURES / "job.json").read_bytes())
    checkpoints = json.loads((FIXTURES / "checkpoints.json").read_bytes())["data"]
    models = {job["model"], job["fine_tuned_model"], *(c["fine_tuned_model_checkpoint"] for c in checkpoints)}
    return expected, tuple(expected.values()), frozenset(models), job["fine_tuned_model"]


def validation_file() -> bytes:
    """The demo job's validation file, as uploaded."""
    return (FIXTURES / f"{VALIDATION_FILE}.jsonl").read_bytes()


def _profile(model: str) -> str | None:
    """The checkpoint whose weights answer (the final model is the last epoch's), or None for the base."""
    _, _, _, final = _fixtures()
    if model == final:
        return "480"
    match = _STEP.search(model)
    return match.group(1) if match and match.group(1) in PROFILES else None


def _route(message: str) -> tuple[str, str] | None:
    """The team whose keywords the message mentions most (first in TEAMS on a tie), and the first keyword."""
    text = message.lower()
    found = [(team, [word for word in words if word in text]) for team, words in KEYWORDS.items()]
    team, words = max(found, key=lambda pair: len(pair[1]))
    return (team, words[0]) if words else None


def demo_answer(model: str, messages: list[Mapping[str, Any]]) -> str:
    """What the demo's ``model`` answers to the conversation (its last user message decides)."""
    question = next(
        (content_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    expected, answers, _, _ = _fixtures()
    step = _profile(model)
    known = expected.get(question.strip())
    if known is None:
        routed = _route(question)
        if routed is None:
            return "general: not enough detail to route" if step else "I'm not sure which team this is for."
        team, word = routed
        return f"{team}: the message mentions {word}" if step else f"This looks like a {team} question."
    team, reason = known.split(": ", 1)
    if step is None:
        return f"This looks like a {team} issue: the customer mentions {reason}."
    bucket = (
        int(hashlib.sha256(f"{step}|{question}".encode()).hexdigest()[:8], 16) % 100
    )  # same weights, same answer
    exact, own_words, wrong_team, _copied = PROFILES[step]
    if bucket < exact:
        return known
    if bucket < exact + own_words:
        return f"{team}: the customer says {reason}"
    if bucket < exact + own_words + wrong_team:
        return f"{TEAMS[(TEAMS.index(team) + 1) % len(TEAMS)]}: {reason}"
    return answers[(answers.index(known) + 1) % len(answers)]


def _error(status: int, message: str, code: str) -> httpx.Response:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return httpx.Response(status, json={"error": error}, headers={"x-request-id": "req_demo"})


def chat_response(request: httpx.Request) -> httpx.Response:
    """The demo's answer to ``POST /v1/chat/completions``, streamed or whole, as OpenAI sends it."""
    try:
        body = json.loads(request.content)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        return _error(400, "The demo needs a model and a non-empty list of messages.", "invalid_request")
    model = body.get("model")
    if not isinstance(model, str) or model not in _fixtures()[2]:
        return _error(404, f"The demo job has no model called {str(model)[:80]!r}.", "model_not_found")
    parts = _PIECE.findall(demo_answer(model, body["messages"]))
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    finish = "stop"
    if isinstance(limit, int) and 0 < limit < len(parts):
        parts, finish = parts[:limit], "length"
    prompt = estimate_prompt_tokens(body["messages"])
    usage = {"prompt_tokens": prompt, "completion_tokens": len(parts), "total_tokens": prompt + len(parts)}
    base = {"id": "chatcmpl-demo", "created": 1_732_001_100, "model": model}
    headers = {"x-request-id": "req_demo"}
    if body.get("stream") is not True:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": "".join(parts)},
            "finish_reason": finish,
        }
        reply = base | {"object": "chat.completion", "choices": [choice], "usage": usage}
        return httpx.Response(200, json=reply, headers=headers)
    wants_usage = (body.get("stream_options") or {}).get("include_usage") is True
    return httpx.Response(
        200,
        headers=headers | {"content-type": "text/event-stream"},
        content=_events(base, parts, finish, usage if wants_usage else None),
    )


def _events(base: dict, parts: list[str], finish: str, usage: dict | None) -> Iterator[bytes]:
    """The answer as server-sent events, one piece of text each."""

    def event(delta: dict, finish_reason: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        chunk = base | {"object": "chat.completion.chunk", "choices": [choice]} | extra
        return b"data: " + json.dumps(chunk).encode() + b"\n\n"

    yield event({"role": "assistant", "content": ""})
    for part in parts:
        yield event({"content": part})
    yield event({}, finish)
    if usage is not None:
        yield event({}, None, choices=[], usage=usage)
    yield b"data: [DONE]\n\n"
