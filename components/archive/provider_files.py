"""A run's files as its provider serves them, read for the archive: its result files, its training and
validation files, and its events (kept as JSON lines, in the order the provider sent them).

Every request gets its own deadline (``DASHBOARD_LOAD_DEADLINE``) and the retry policy of
``components.api``, so a save of hundreds of runs is bounded request by request rather than by one clock.
A file is asked about first (``GET /files/{id}``: its size and name); one larger than the store's file limit
is recorded as skipped with that size, without reading it. A file the provider no longer has (404) is
recorded as missing; any other failure as failed, which the next save tries again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar

import httpx

from components.api import FineTuningClient, ListProgress
from components.api.client import ApiClient, segment
from components.api.errors import (
    InvalidJobIdError,
    MalformedResponseError,
    NotFoundError,
    ResponseTooLargeError,
)
from components.api.pagination import Item
from components.api.together import TogetherClient
from components.data.job import result_file_ids
from components.domain.ref import RUN_ID_PATTERN
from components.errors import DashboardError
from components.sources.registry import SourceConfig
from components.sources.together import TOGETHER
from components.store import FileRole, FileState, FileToKeep, kept_bytes, not_kept
from components.store.kept_files import EVENTS_FILE
from components.text import MESSAGE_CHARS, clean

MEGABYTE = 1_000_000
MAX_SIZE = 2**53  # a byte count a file could have; a larger "bytes" is not one (and would not fit a column)
EVENTS_NAME = "events.jsonl"
LIMIT_SETTING = "DASHBOARD_SAVE_FILE_LIMIT_MB"


class ProviderFiles(Protocol):
    """What a provider serves of one job beyond its run: the job object, its events and its files."""

    @property
    def client(self) -> ApiClient: ...

    def job(self, job_id: str) -> dict[str, Any]: ...

    def event_pages(self, job_id: str) -> Iterator[list[Item]]: ...

    def file_ids(self, job: Mapping[str, Any]) -> list[tuple[FileRole, str]]: ...


def _named(job: Mapping[str, Any], *roles: FileRole) -> list[tuple[FileRole, str]]:
    """The job's ``training_file`` and ``validation_file`` (when it names them) for ``roles``."""
    found = [(role, job.get(f"{role.value}_file")) for role in roles]
    return [(role, file_id) for role, file_id in found if isinstance(file_id, str) and file_id]


Client = TypeVar("Client", FineTuningClient, TogetherClient)


class _JobFiles(Generic[Client]):
    """What both providers' readers share: their client, and a job read with a deadline of its own."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def client(self) -> ApiClient:
        return self._client

    def job(self, job_id: str) -> dict[str, Any]:
        return self._client.start_load().get_job(job_id)


class OpenAIFiles(_JobFiles[FineTuningClient]):
    """OpenAI's (and Azure OpenAI's) job: result files, training and validation files, paged events."""

    def event_pages(self, job_id: str) -> Iterator[list[Item]]:
        """Every page of events, each with a deadline of its own (the cursor rules of ``ApiClient.pages``)."""
        progress = ListProgress()
        while not progress.complete:
            progress, data = next(self._client.start_load().event_pages(job_id, progress))
            yield data

    def file_ids(self, job: Mapping[str, Any]) -> list[tuple[FileRole, str]]:
        results = [(FileRole.RESULT, file_id) for file_id in result_file_ids(job)]
        return results + _named(job, FileRole.TRAINING, FileRole.VALIDATION)


class TogetherFiles(_JobFiles[TogetherClient]):
    """Together AI's job: training and validation files, and ``GET /fine-tunes/{id}/events`` (one list)."""

    def event_pages(self, job_id: str) -> Iterator[list[Item]]:
        path = f"fine-tunes/{segment(job_id)}/events"
        items = self._client.start_load().json_object(path).get("data")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise MalformedResponseError(f"{path} answered with a 'data' that is not a list of objects.")
        yield items

    def file_ids(self, job: Mapping[str, Any]) -> list[tuple[FileRole, str]]:
        return _named(job, FileRole.TRAINING, FileRole.VALIDATION)


def _reason(exc: BaseException) -> str:
    return clean(str(exc), MESSAGE_CHARS)


def _over(limit: int) -> str:
    return f"larger than {limit / MEGABYTE:g} MB, the most a save keeps of one file ({LIMIT_SETTING})"


def read_events(files: ProviderFiles, job_id: str, limit: int) -> FileToKeep:
    """The job's events as one JSON-lines file, in the order they came; given up (skipped, with the size
    read so far) as soon as they outgrow ``limit``, so a list of any length costs at most that much memory."""
    lines: list[bytes] = []
    size = 0
    try:
        for page in files.event_pages(job_id):
            encoded = [
                (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8", "replace") for item in page
            ]
            lines += encoded
            size += sum(map(len, encoded))
            if size > limit:
                reason = f"The events are {_over(limit)}."
                return not_kept(FileRole.EVENTS, EVENTS_FILE, FileState.SKIPPED, reason, size)
    except DashboardError as exc:
        reason = f"They could not be read ({_reason(exc)})."
        return not_kept(FileRole.EVENTS, EVENTS_FILE, FileState.FAILED, reason)
    return kept_bytes(FileRole.EVENTS, EVENTS_FILE, EVENTS_NAME, b"".join(lines))


def _size(described: Mapping[str, Any]) -> int | None:
    """The file's size as its object gives it, when that is a plausible byte count."""
    size = described.get("bytes")
    plausible = isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= MAX_SIZE
    return size if plausible else None


def read_file(client: ApiClient, role: FileRole, file_id: str, limit: int) -> FileToKeep:
    """One file: its object first (size, name), then its bytes when it fits ``limit``."""
    if not RUN_ID_PATTERN.fullmatch(file_id):
        return not_kept(role, "", FileState.MISSING, "The job names a file whose id is not a plain id.")
    path = f"files/{segment(file_id, 'file ID')}"
    size: int | None = None
    try:
        described = client.start_load().json_object(path)
        size, name = _size(described), described.get("filename")
        if size is not None and size > limit:
            return not_kept(role, file_id, FileState.SKIPPED, f"The file is {_over(limit)}.", size)
        answer = client.start_load().request(
            "GET", f"{path}/content", accept="application/binary", max_bytes=limit
        )
    except ResponseTooLargeError:  # its object gave no size, or a wrong one: more than the limit, at least
        return not_kept(role, file_id, FileState.SKIPPED, f"The file is {_over(limit)}.", limit + 1)
    except (NotFoundError, InvalidJobIdError) as exc:
        return not_kept(role, file_id, FileState.MISSING, f"The provider no longer has it ({_reason(exc)}).")
    except DashboardError as exc:
        return not_kept(role, file_id, FileState.FAILED, f"It could not be read ({_reason(exc)}).")
    return kept_bytes(
        role, file_id, name if isinstance(name, str) and name.strip() else file_id, answer.content
    )


def provider_files(config: SourceConfig, http: httpx.Client) -> ProviderFiles:
    """The files reader of an API source, reading through ``http`` with the source's credential."""
    assert config.api is not None, config.name
    if config.name == TOGETHER:
        return TogetherFiles(TogetherClient(http, config.api))
    return OpenAIFiles(FineTuningClient(http, config.api))
