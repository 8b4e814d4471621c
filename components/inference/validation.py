"""A job's validation examples: read from its validation file, split into prompt and expected answer, sampled.

The file is chat JSONL, one training example per line: ``{"messages": [...]}`` (supervised), or
``{"input": {"messages": [...]}, "preferred_output": [...]}`` (preference, DPO). Each example becomes the
prompt (every message before the last assistant message) and the expected answer (that message's text).
Lines that are not such examples (no answer to compare, tools the prompt would need, broken JSON) are
skipped and counted. The file comes from outside: it is read within ``DASHBOARD_MAX_FILE_MB`` and at most
:data:`MAX_LINES` lines are looked at.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.api.chat import Message, content_text
from components.api.client import ApiClient
from components.domain import RunData
from components.errors import DashboardError, MalformedDataError
from components.text import ECHO_CHARS, clip
from components.wording import count

MAX_EXAMPLES = 50
DEFAULT_EXAMPLES = 10
DEFAULT_SEED = 0
MAX_LINES = 100_000
PROMPT_ROLES = frozenset({"system", "developer", "user", "assistant"})
_LISTED_LINES = 5


class ValidationUnavailableError(DashboardError):
    """The run has no validation file this dashboard can read (none was given, or not chat JSONL)."""


@dataclass(frozen=True)
class Example:
    """One validation example: what is sent, and the answer the model was trained to give."""

    line: int  # its line in the file, from 1
    prompt: tuple[Message, ...]
    expected: str

    @property
    def question(self) -> str:
        """The last user message, to show beside the answers."""
        return next(
            (content_text(m.get("content")) for m in reversed(self.prompt) if m.get("role") == "user"), ""
        )


@dataclass(frozen=True)
class ValidationSet:
    """Every usable example of a validation file, and what was left out."""

    examples: tuple[Example, ...]
    lines: int  # non-blank lines looked at
    skipped: int
    notes: tuple[str, ...] = ()
    file_id: str | None = None


def split_example(obj: Any) -> tuple[tuple[Message, ...], str] | None:
    """The prompt and the expected answer of one example, or None when it is not a chat example with one."""
    if not isinstance(obj, Mapping):
        return None
    messages = obj.get("messages")
    preferred = obj.get("preferred_output")
    asked = obj["input"].get("messages") if isinstance(obj.get("input"), Mapping) else None
    if messages is None and isinstance(asked, list) and isinstance(preferred, list):
        messages = [*asked, *preferred[:1]]  # DPO: the preferred answer is the one to compare
    if not isinstance(messages, list):
        return None
    cleaned: list[Message] = []
    for message in messages:
        if not isinstance(message, Mapping) or message.get("role") not in PROMPT_ROLES:
            return None  # a tool result or a broken message: the prompt could not be sent as it is
        cleaned.append({"role": message["role"], "content": content_text(message.get("content"))})
    last = max((i for i, message in enumerate(cleaned) if message["role"] == "assistant"), default=None)
    if last is None or not cleaned[last]["content"].strip():
        return None
    prompt = tuple(cleaned[:last])
    if not any(message["role"] == "user" for message in prompt):
        return None
    return prompt, cleaned[last]["content"]


def parse_validation_file(data: bytes, *, file_id: str | None = None) -> ValidationSet:
    """The examples of a chat JSONL file; MalformedDataError when it is not text or not JSONL at all."""
    if data.startswith(b"PAR1"):
        raise MalformedDataError(
            "The validation file is a Parquet file; the dashboard reads chat JSONL validation files only."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedDataError("The validation file is not UTF-8 text, so not chat JSONL.") from None
    examples: list[Example] = []
    skipped: list[int] = []
    looked = 0
    notes: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if looked == MAX_LINES:
            notes.append(f"Only the first {MAX_LINES:,} lines of the validation file were read.")
            break
        looked += 1
        try:
            split = split_example(json.loads(line))
        except (ValueError, RecursionError):
            split = None
        if split is None:
            skipped.append(number)
        else:
            examples.append(Example(number, *split))
    if looked and not examples:
        raise MalformedDataError(
            f"None of the {count(looked, 'line')} of the validation file is a chat example with an answer "
            '({"messages": [..., {"role": "assistant", ...}]}).'
        )
    if skipped:
        shown = ", ".join(str(line) for line in skipped[:_LISTED_LINES]) + ("…" if len(skipped) > 5 else "")
        notes.insert(
            0,
            f"Skipped {count(len(skipped), 'line')} that {'is' if len(skipped) == 1 else 'are'} not a chat "
            f"example with an answer to compare (line {shown}).",
        )
    return ValidationSet(tuple(examples), looked, len(skipped), tuple(notes), file_id)


def sample_examples(
    examples: Sequence[Example],
    n: int = DEFAULT_EXAMPLES,
    seed: int = DEFAULT_SEED,
    *,
    most: int = MAX_EXAMPLES,
) -> tuple[Example, ...]:
    """``n`` examples (at most ``most``) drawn with ``seed``, in file order: the same draw every time, so
    runs of different checkpoints answer the same questions (a recording of n ≤ 50 draws the tab's)."""
    n = max(0, min(n, most, len(examples)))
    chosen = sorted(random.Random(seed).sample(range(len(examples)), n))
    return tuple(examples[index] for index in chosen)


def read_validation_set(api: ApiClient, run: RunData) -> ValidationSet:
    """The run's validation file, read (one request, within ``DASHBOARD_MAX_FILE_MB``) and parsed.

    Raises ValidationUnavailableError when the job names none, and the API's own errors as they are.
    """
    file_id = run.summary.validation_file
    if not file_id:
        raise ValidationUnavailableError(
            "This job was trained without a validation file, so there are no validation examples to try."
        )
    data = api.file_content(file_id)
    try:
        return parse_validation_file(data, file_id=file_id)
    except MalformedDataError as exc:
        raise ValidationUnavailableError(
            f"The validation file {clip(file_id, ECHO_CHARS)} cannot be used: {exc}"
        ) from None
