"""How a run is addressed: ``source:id``, as in ``?run=openai:ftjob-abc``.

Both parts come from outside (a link, a list answer, a file name), so both are checked before anything is
built from them: the source is a short lower-case name, the id one safe segment (letters, digits, ``-``
and ``_``) that can go into a URL path or a cache key and never be more than one segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.errors import DashboardError
from components.text import ECHO_CHARS, clip

SEPARATOR = ":"
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""A run id every source can use as one URL path segment: OpenAI's ``ftjob-…``, Azure's, Together's
``ft-<uuid>``, and the ids the file sources make up (see ``components.sources.files``)."""
SOURCE_PATTERN = re.compile(r"[a-z][a-z0-9]{1,19}")


class InvalidRunRefError(DashboardError, ValueError):
    """A run address or run id that is not ``source:id`` with a safe id; the message says what is wrong."""


def check_run_id(value: object, what: str = "run ID") -> str:
    """The id without surrounding blanks, or raise: an id becomes one URL path segment, nothing more."""
    text = value.strip() if isinstance(value, str) else ""
    if not RUN_ID_PATTERN.fullmatch(text):
        raise InvalidRunRefError(
            f"{clip(text, ECHO_CHARS)!r} is not a valid {what}: use only letters, digits, '-' and '_' "
            "(for example ftjob-abc123)."
            if text
            else f"Enter a {what} (for example ftjob-abc123)."
        )
    return text


def check_source_name(value: object) -> str:
    """A source name: 2 to 20 lower-case letters and digits, starting with a letter."""
    text = value.strip() if isinstance(value, str) else ""
    if not SOURCE_PATTERN.fullmatch(text):
        shown = f"{clip(text, ECHO_CHARS)!r} is not" if text else "An empty name is not"
        raise InvalidRunRefError(f"{shown} a source name (for example openai, azure, together, files).")
    return text


@dataclass(frozen=True, order=True)
class RunRef:
    """One run of one source; ``str()`` gives ``source:id`` and :meth:`parse` reads it back."""

    source: str
    run_id: str

    def __post_init__(self) -> None:
        if check_source_name(self.source) != self.source or check_run_id(self.run_id) != self.run_id:
            raise InvalidRunRefError("A run address must not have blanks around its parts.")

    def __str__(self) -> str:
        return f"{self.source}{SEPARATOR}{self.run_id}"

    @classmethod
    def parse(cls, text: object) -> RunRef:
        """``openai:ftjob-abc`` -> RunRef("openai", "ftjob-abc"); anything else raises InvalidRunRefError."""
        raw = text.strip() if isinstance(text, str) else ""
        source, separator, run_id = raw.partition(SEPARATOR)
        if not separator:
            example = (
                f"openai:{clip(raw, ECHO_CHARS)}" if RUN_ID_PATTERN.fullmatch(raw) else "openai:ftjob-abc"
            )
            raise InvalidRunRefError(
                f"A run is written source:id, for example {example}." if raw else "Enter a run (source:id)."
            )
        return cls(check_source_name(source), check_run_id(run_id))
