"""The archive's one error type: what could not be done, safe to show; the driver's words stay in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from components.errors import DashboardError
from components.text import MESSAGE_CHARS, clean

logger = logging.getLogger(__name__)


class StoreError(DashboardError):
    """The archive could not be read or written. The message is safe for the page; ``detail`` (the database
    driver's own first line, password cut out) is for an operator's terminal and the server log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _first_line(exc: BaseException) -> str:
    """The driver's own message (SQLAlchemy wraps it with the statement, which may hold data)."""
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


@contextmanager
def store_errors(action: str, shown: str, secrets: Sequence[str]) -> Iterator[None]:
    """Turn a database or file-system failure while ``action`` into a :class:`StoreError`.

    ``shown`` names the store without its password; ``secrets`` are cut from the detail before it is logged.
    """
    try:
        yield
    except StoreError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        detail = clean(redact(_first_line(exc), secrets), MESSAGE_CHARS)
        logger.warning("The archive %s could not %s: %s", redact(shown, secrets), action, detail)
        kind = type(getattr(exc, "orig", None) or exc).__name__
        raise StoreError(f"The archive could not {action} ({kind}).", detail) from None
