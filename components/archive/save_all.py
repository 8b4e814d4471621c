"""Save every run of a source into the archive, with its files: the service behind the job list's "Save all
runs of this source" and ``python -m components.archive``. No Streamlit here.

It lists every job of the source (all pages: ceil(N/100) requests for N OpenAI or Azure jobs), then, for
each finished run, reads it exactly as the page does (``RunSource.load_run``) and its files
(``components.archive.provider_files``: result, training and validation files up to the store's file limit,
and its events), and stores the run and its files in one transaction. What is stored stays stored, so a
save that stops (a failure, a closed tab, a killed command) is continued by saving again: a run stored with
all its files is "already there" and costs no request; a run stored without them (opened in the page, or
a file that failed) costs only its files. Each request has its own deadline and the retry policy of
``components.api``; after :data:`FAILED_IN_A_ROW` failed runs in a row the source is given up for this time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from components.api import make_http_client
from components.archive.provider_files import ProviderFiles, provider_files, read_events, read_file
from components.archive.transport import CountingTransport, ReadOnce, WireCount
from components.domain import RunData, RunRef, RunSummary
from components.errors import DashboardError
from components.sources import RunSource, open_source
from components.sources.registry import SourceConfig
from components.store import (
    ArchiveStore,
    FileRole,
    FileState,
    FileToKeep,
    Kept,
    KeptFile,
    StoreError,
    Viewer,
    archivable_problem,
    credential_material,
)
from components.store.kept_files import EVENTS_FILE, settled
from components.text import MESSAGE_CHARS, clean
from components.wording import count

MAX_LIST_PAGES = 10_000
FAILED_IN_A_ROW = 10
"""Runs failing one after another mean the provider, not the runs: stop and say so, rather than spend every
run's deadline on it; the next save continues."""


class Outcome(StrEnum):
    """What saving one run did."""

    SAVED = "saved"  # the run and its files
    FILES_ADDED = "files added"  # the run was in the archive without its files; they are kept now
    ALREADY = "already there"
    NOT_FINISHED = "not finished"
    FAILED = "failed"


@dataclass(frozen=True)
class Failure:
    """A run (or a source's list) that could not be saved: what, why (safe to show, untrusted text quoted),
    and the database's own words for an operator's terminal (never the page)."""

    what: str
    reason: str
    detail: str = ""


@dataclass
class Tally:
    """What a save has done so far: runs (``total`` finished ones listed, ``done`` of them, those already
    there counted done at once), what went over the wire, and what was stored."""

    pages: int = 0
    listed: int = 0
    total: int = 0
    done: int = 0
    wire: WireCount = field(default_factory=WireCount)
    bytes_stored: int = 0
    saved: int = 0
    files_added: int = 0
    already: int = 0
    unfinished: int = 0
    files_skipped: int = 0  # files over the size limit, recorded with their size
    failures: list[Failure] = field(default_factory=list)
    stopped: str | None = None  # why a source was given up before its end

    def record(self, outcome: Outcome) -> None:
        if outcome is Outcome.SAVED:
            self.saved += 1
        elif outcome is Outcome.FILES_ADDED:
            self.files_added += 1
        elif outcome is Outcome.NOT_FINISHED:
            self.unfinished += 1


class Report(Protocol):
    """Where progress goes: a terminal, a log, the page."""

    def listed(self, label: str, tally: Tally) -> None: ...

    def step(self, tally: Tally, ref: RunRef, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class Saver:
    """One source's save: the store and whose runs these are, the source (the page's own loader) and its
    files reader, and the memory that answers a run's second reads of one URL."""

    store: ArchiveStore
    config: SourceConfig
    owner: str
    viewer: Viewer
    source: RunSource
    files: ProviderFiles
    memo: ReadOnce


@contextmanager
def saver_for(store: ArchiveStore, config: SourceConfig, viewer: Viewer, tally: Tally) -> Iterator[Saver]:
    """A :class:`Saver` for the API source ``config``, its HTTP client closed afterwards."""
    assert config.api is not None, config.name
    limits = config.limits
    memo = ReadOnce(CountingTransport(tally.wire), budget=limits.max_file_bytes)
    http = make_http_client(
        config.api.base_url, read_timeout=limits.read_timeout, max_retries=limits.max_retries, transport=memo
    )
    owner = store.fingerprint(credential_material(config.api))
    try:
        yield Saver(
            store, config, owner, viewer, open_source(config, http), provider_files(config, http), memo
        )
    finally:
        http.close()


def _reason(exc: BaseException) -> str:
    return clean(str(exc), MESSAGE_CHARS)


def list_everything(saver: Saver, tally: Tally, report: Report) -> list[RunSummary]:
    """Every run of the source, every page, each once; a list that fails is a failure, kept so far."""
    runs: dict[RunRef, RunSummary] = {}
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_LIST_PAGES):
        try:
            page = saver.source.list_runs(cursor)
        except DashboardError as exc:
            tally.failures.append(Failure(f"{saver.config.label} job list", _reason(exc)))
            break
        tally.pages += 1
        runs.update((run.ref, run) for run in page.runs if run.ref not in runs)
        tally.listed = len(runs)
        report.listed(saver.config.label, tally)
        if page.next_cursor is None or page.next_cursor in seen:
            break
        seen.add(page.next_cursor)
        cursor = page.next_cursor
    return list(runs.values())


def plan(saver: Saver, runs: Sequence[RunSummary], tally: Tally) -> list[tuple[RunSummary, Kept | None]]:
    """The finished runs still to save, each with what the archive holds of it (None: nothing)."""
    finished = [run for run in runs if run.is_terminal]
    tally.unfinished += len(runs) - len(finished)
    states = saver.store.save_states([run.ref for run in finished], saver.viewer, saver.owner)
    todo = [(run, states.get(run.ref)) for run in finished if states.get(run.ref) is not Kept.WHOLE]
    tally.total += len(finished)
    tally.already += len(finished) - len(todo)
    tally.done += len(finished) - len(todo)
    return todo


def read_files(saver: Saver, job_id: str, have: Sequence[KeptFile]) -> list[FileToKeep]:
    """The run's files not settled in ``have`` (kept, missing, or skipped and still over the limit): its
    events, and each file of the job, read unless this owner already keeps it with another run."""
    limit = saver.store.config.file_limit
    done = {(file.role, file.file_id) for file in have if settled(file, limit)}
    named = dict.fromkeys(saver.files.file_ids(saver.files.job(job_id)))
    wanted = [pair for pair in named if pair not in done]
    known = saver.store.known_files(saver.owner, saver.config.name, [file_id for _, file_id in wanted])
    files = [] if (FileRole.EVENTS, EVENTS_FILE) in done else [read_events(saver.files, job_id, limit)]
    for role, file_id in wanted:
        if file_id in known:
            files.append(FileToKeep(replace(known[file_id], role=role)))  # its bytes are stored already
        else:
            files.append(read_file(saver.files.client, role, file_id, limit))
    return files


def _unfit(data: RunData, problem: str, ref: RunRef, tally: Tally) -> Outcome:
    """A run read but not archivable: not finished after all, or only partly read (a failure)."""
    if not data.summary.is_terminal:
        return Outcome.NOT_FINISHED
    tally.failures.append(Failure(str(ref), problem + (f" {data.notes[-1].text}" if data.notes else "")))
    return Outcome.FAILED


def _stored(
    saver: Saver, run: RunSummary, kept: Kept | None, tally: Tally
) -> tuple[Outcome, list[FileToKeep]]:
    """Read and store one run (or only its files, when its run is stored); raises what reading raises."""
    ref, owner = run.ref, saver.owner
    if kept is Kept.RUN_ONLY:
        files = read_files(saver, run.run_id, saver.store.own_files(ref, owner))
        tally.bytes_stored += saver.store.add_files(ref, owner, files)
        return Outcome.FILES_ADDED, files
    data = saver.source.load_run(run.run_id)
    if problem := archivable_problem(data):
        return _unfit(data, problem, ref, tally), []
    files = read_files(saver, run.run_id, [])
    tally.bytes_stored += saver.store.save(data, owner, replace=False, files=files).stored_bytes
    return Outcome.SAVED, files


def files_failed(files: Sequence[KeptFile]) -> str:
    """The reason for a run whose files did not all arrive (its run and the others are stored)."""
    names = ", ".join(f"{file.role.words.lower()} {file.file_id}".strip() for file in files)
    return f"Saved without its {names}: {files[0].reason} Saving again tries again."


def save_run(saver: Saver, run: RunSummary, kept: Kept | None, tally: Tally) -> Outcome:
    """Save one run (or add its missing files), counting what happened in ``tally``."""
    saver.memo.forget()
    try:
        outcome, files = _stored(saver, run, kept, tally)
    except StoreError as exc:
        tally.failures.append(Failure(str(run.ref), str(exc), exc.detail))
        return Outcome.FAILED
    except DashboardError as exc:
        tally.failures.append(Failure(str(run.ref), _reason(exc)))
        return Outcome.FAILED
    tally.files_skipped += sum(file.record.state is FileState.SKIPPED for file in files)
    failed = [file.record for file in files if file.record.state is FileState.FAILED]
    if failed:
        tally.failures.append(Failure(str(run.ref), files_failed(failed)))
        return Outcome.FAILED
    tally.record(outcome)
    return outcome


def _save_planned(
    saver: Saver, todo: Sequence[tuple[RunSummary, Kept | None]], tally: Tally, report: Report
) -> None:
    in_a_row = 0
    for run, kept in todo:
        outcome = save_run(saver, run, kept, tally)
        tally.done += 1
        report.step(tally, run.ref, outcome)
        in_a_row = in_a_row + 1 if outcome is Outcome.FAILED else 0
        if in_a_row >= FAILED_IN_A_ROW:
            tally.stopped = (
                f"{saver.config.label}: stopped after {in_a_row} runs in a row failed; save again later to "
                "continue."
            )
            return


def save_all(
    store: ArchiveStore,
    configs: Sequence[SourceConfig],
    tally: Tally,
    report: Report,
    viewer: Viewer | None = None,
) -> None:
    """List every API source of ``configs``, then save each finished run not yet whole in the archive.

    ``viewer`` decides which stored copies count as already there (default: each source's own credential).
    """
    with ExitStack() as stack:
        plans = []
        for config in configs:
            seen_by = viewer or store.viewer([credential_material(config.api)])
            saver = stack.enter_context(saver_for(store, config, seen_by, tally))
            plans.append((saver, plan(saver, list_everything(saver, tally, report), tally)))
        for saver, todo in plans:
            _save_planned(saver, todo, tally, report)


def byte_size(size: int) -> str:
    """A byte count in words: ``640 B``, ``812 kB``, ``4.1 MB``, ``1.2 GB``."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.1f} GB"


def progress_text(tally: Tally) -> str:
    """Where a save stands, in one line: runs done of all, requests, bytes read and stored."""
    return (
        f"{tally.done} of {count(tally.total, 'run')} · {count(tally.wire.requests, 'request')} · "
        f"{byte_size(tally.wire.bytes_read)} read · {byte_size(tally.bytes_stored)} stored"
    )


def summary_lines(tally: Tally, labels: Sequence[str]) -> list[str]:
    """The closing summary in plain sentences (numbers and our words only; the failures come apart)."""
    added = f", the files of {count(tally.files_added, 'run')} archived before" if tally.files_added else ""
    lines = [
        f"Saved {count(tally.saved, 'run')} with their files{added}; {tally.already} already there; "
        f"{tally.unfinished} not finished (saved once they end); {len(tally.failures)} failed.",
        f"Listed {count(tally.listed, 'run')} in {count(tally.pages, 'page')} from {', '.join(labels)}: "
        f"{count(tally.wire.requests, 'request')}, {byte_size(tally.wire.bytes_read)} read, "
        f"{byte_size(tally.bytes_stored)} stored.",
    ]
    if tally.files_skipped:
        lines.append(
            f"{count(tally.files_skipped, 'file')} larger than the file limit "
            "(DASHBOARD_SAVE_FILE_LIMIT_MB) recorded with their size, not kept."
        )
    if tally.stopped:
        lines.append(tally.stopped)
    return lines
