"""What the stand-in's models answer, and the validation file of every job it serves.

Every job's validation file holds the same kind of task, generated from the job id: chat examples
``{"messages": [system, user, assistant]}`` (some with an earlier exchange) asking for the sum of two
numbers, answered ``"{a} plus {b} is {a+b}."``. A model answers from its name and the question alone, so a
test can compute every answer, and hence every score, without the dashboard's code:

- a checkpoint (``…:ckpt-step-N``, Together's ``{job}:{step}``) is right on 40-80 % of questions, by step;
- a fine-tuned model (``ft:…``, Azure's ``….ft-…``, Together's ``user/…``) on 85 %;
- any other model (a base model) on 10 %;
- a wrong answer is "near" (the sum off by one) for half of the rest, else "chatty" ("The answer is {sum}.").

Which questions a model gets right is fixed by a hash of its name and the question.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

VALIDATION_EXAMPLES = 60
SYSTEM = "You are a careful calculator. Answer in one sentence."
UNKNOWN_TASK = "I can only add two numbers."
_QUESTION = re.compile(r"What is (\d+) plus (\d+)\?")
_CHECKPOINT_STEP = re.compile(r"(?:ckpt-step-|:)(\d+)$")
_PIECE = re.compile(r"\S+\s*")


def _question(a: int, b: int) -> str:
    return f"What is {a} plus {b}?"


def right_answer(a: int, b: int) -> str:
    return f"{a} plus {b} is {a + b}."


def validation_examples(job_id: str, n: int = VALIDATION_EXAMPLES) -> list[dict[str, Any]]:
    """The job's validation examples, the same for the same id; every fifth has an earlier exchange."""
    rng = random.Random(f"validation:{job_id}")
    examples = []
    for index in range(n):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        messages: list[dict[str, str]] = [{"role": "system", "content": SYSTEM}]
        if index % 5 == 4:
            c, d = rng.randint(2, 9), rng.randint(2, 9)
            messages += [
                {"role": "user", "content": _question(c, d)},
                {"role": "assistant", "content": right_answer(c, d)},
            ]
        messages += [
            {"role": "user", "content": _question(a, b)},
            {"role": "assistant", "content": right_answer(a, b)},
        ]
        examples.append({"messages": messages})
    return examples


def validation_jsonl(job_id: str, n: int = VALIDATION_EXAMPLES) -> bytes:
    """The job's validation file as uploaded: one JSON object per line."""
    return "".join(json.dumps(example) + "\n" for example in validation_examples(job_id, n)).encode()


def skill(model: str) -> int:
    """How many questions in 100 the model answers exactly right."""
    if match := _CHECKPOINT_STEP.search(model):
        return 40 + int(match.group(1)) * 7 % 41
    if model.startswith(("ft:", "user/")) or ".ft-" in model:
        return 85
    return 10


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def answer(model: str, messages: Sequence[Mapping[str, Any]]) -> str:
    """What ``model`` answers to the conversation (its last user message decides)."""
    question = _last_user_text(messages)
    match = _QUESTION.fullmatch(question.strip())
    if match is None:
        return UNKNOWN_TASK
    a, b = int(match.group(1)), int(match.group(2))
    bucket = int(hashlib.sha256(f"{model}\n{question}".encode()).hexdigest()[:8], 16) % 100
    right = skill(model)
    if bucket < right:
        return right_answer(a, b)
    if bucket < right + (100 - right) // 2:
        return f"{a} plus {b} is {a + b + 1}."
    return f"The answer is {a + b}."


def pieces(text: str) -> list[str]:
    """The answer as streamed: one word (with its trailing space) per chunk."""
    return _PIECE.findall(text)


def prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """The usage the stand-in reports for a prompt: its words, plus three per message."""
    return sum(
        3 + len(str(message.get("content", "")).split())
        for message in messages
        if isinstance(message, Mapping)
    )
