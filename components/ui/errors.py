"""Every failure as a clear message in the page: a title, what happened, what to do. No traceback."""

from __future__ import annotations

import logging

import streamlit as st

from components.api import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    CredentialError,
    DeadlineExceededError,
    InvalidJobIdError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    PlatformClosedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from components.data.trainer_state import TrainerStateError
from components.domain import InvalidRunRefError
from components.errors import DashboardError, MalformedDataError
from components.page.retirement import CLOSED_TITLE, closed_platform_words
from components.sources.file_kinds import formats_read
from components.sources.run_files import NotARunFileError, RunFileError
from components.text import NOTE_CHARS, markdown_literal
from components.ui.retirement import today

logger = logging.getLogger(__name__)

UNEXPECTED_TITLE = "Something unexpected went wrong"
CLOSED_ICON = ":material/door_front:"

# First match wins, so a subclass comes before its base.
_ADVICE: list[tuple[type[Exception], str, str]] = [
    (InvalidJobIdError, "That is not a job ID", "Job IDs look like `ftjob-abc123`."),
    (
        InvalidRunRefError,
        "That is not a run",
        "Runs are written `source:id`, for example `openai:ftjob-abc123`.",
    ),
    (
        CredentialError,
        "Could not sign in",
        "Azure OpenAI without `AZURE_OPENAI_API_KEY` signs in with Microsoft Entra ID (azure-identity): sign "
        "the server in (for example `az login`), give it a managed identity, or set the key.",
    ),
    (
        AuthenticationError,
        "The API key was refused",
        "Check `OPENAI_API_KEY` (or the key typed in the sidebar): it may be mistyped, revoked, or meant "
        "for another API base URL.",
    ),
    (
        PermissionDeniedError,
        "This key may not read that job",
        "The job may belong to another organisation or project: set `OPENAI_ORG_ID` / "
        "`OPENAI_PROJECT_ID`, or use a key of the project that ran it.",
    ),
    (
        NotFoundError,
        "No such job",
        "Check the ID, and that the key belongs to the organisation and project that ran the job.",
    ),
    (
        RateLimitError,
        "Rate limited",
        "The API answered 429 (too many requests) after the retries it allowed. Wait as long as it asks, "
        "or a minute, then Refresh.",
    ),
    (ServerError, "The API had a server error", "It failed after the retries; try Refresh in a moment."),
    (
        DeadlineExceededError,
        "The API did not answer in time",
        "The load stopped at its time limit. The server may be overloaded; try Refresh, or raise "
        "`DASHBOARD_LOAD_DEADLINE` if this job is very large.",
    ),
    (APITimeoutError, "The API did not answer in time", "The server may be overloaded; try Refresh."),
    (
        APIConnectionError,
        "Could not reach the API",
        "Check the network and `OPENAI_BASE_URL` (shown in the sidebar).",
    ),
    (
        MalformedResponseError,
        "The API sent an answer that is not the documented shape",
        "If `OPENAI_BASE_URL` points at a proxy or a compatible server, it may not implement this endpoint.",
    ),
    (
        ResponseTooLargeError,
        "The API sent more data than the dashboard reads at once",
        "Raise `DASHBOARD_MAX_RESPONSE_MB` (lists and the job) or `DASHBOARD_MAX_FILE_MB` (result files) if "
        "this job really is that large.",
    ),
    # A file's errors (uploaded or in the runs folder) come before the API's: no API setting, key or
    # Refresh changes what a file holds. Its message says what the file was recognised as.
    (NotARunFileError, "This file is not in a format the dashboard reads", ""),
    (TrainerStateError, "The trainer state could not be read", f"The dashboard reads {formats_read()}."),
    (RunFileError, "The file or folder could not be read", ""),
    (
        MalformedDataError,
        "The job's data is not in the documented shape",
        "If `OPENAI_BASE_URL` points at a proxy or a compatible server, it may not implement this endpoint.",
    ),
    (
        PaginationError,
        "An API list never ended",
        "A proxy in front of the API seems to ignore the `after` cursor; the dashboard stopped instead of "
        "looping.",
    ),
    (APIStatusError, "The API refused the request", ""),
    (ConfigError, "Configuration problem", ""),
    (DashboardError, "The job could not be read", "Try Refresh."),
]


def describe(exc: Exception) -> tuple[str, str, str]:
    """(title, what happened, what to do) for an exception; unknown ones say little on purpose."""
    if isinstance(exc, PlatformClosedError):  # what it means comes first, the API's words after
        return CLOSED_TITLE, str(exc), closed_platform_words(today())
    for kind, title, advice in _ADVICE:
        if isinstance(exc, kind):
            return title, str(exc), advice
    return UNEXPECTED_TITLE, type(exc).__name__, "Try Refresh; if it persists, report it."


def closed_message(exc: PlatformClosedError) -> str:
    """The platform closing, in words (a notice, not a failed request); the API's own text after it,
    escaped."""
    title, detail, words = describe(exc)
    return f"**{title}.** {words}\n\nThe API said: {markdown_literal(detail, NOTE_CHARS)}"


def show_error(exc: Exception) -> None:
    """Show ``exc`` as a message; log unexpected ones server-side, where a traceback may help. The
    fine-tuning platform closing is said as a notice, not as an error."""
    if isinstance(exc, PlatformClosedError):
        st.info(closed_message(exc), icon=CLOSED_ICON)
        return
    title, detail, advice = describe(exc)
    if title == UNEXPECTED_TITLE:
        logger.exception("Unexpected error while showing a job")
    # The title and advice are ours; the detail carries the server's message or the typed input.
    st.error(
        f"**{title}**\n\n{markdown_literal(detail, NOTE_CHARS)}" + (f"\n\n{advice}" if advice else ""),
        icon=":material/error:",
    )
