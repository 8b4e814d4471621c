"""``python -m components.archive``: store every finished run of every configured API source, now.

It lists every job of each source (all pages: ceil(N/100) requests for N OpenAI or Azure jobs), skips the
runs already in the archive and those not finished, and reads each other run exactly as the page does (so a
run costs the requests of one load), storing it whole in its own transaction. What is stored stays stored:
an interrupted run of the command is resumed by running it again. A lock keeps two commands on one store
from working at once, so it is safe to run from cron (``--quiet`` prints only failures).

Exit status: 0 when every run was stored or skipped, 1 when any run (or a source's list) failed, 2 when
nothing could be done (no store, no API source, the store unreachable), 3 when another command holds the
lock, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from components.api import make_http_client
from components.domain import RunRef, RunSummary
from components.errors import DashboardError
from components.sources import open_source, resolve_sources
from components.sources.base import SourceKind
from components.sources.registry import SourceConfig
from components.store import (
    ArchiveStore,
    Saved,
    StoreError,
    archivable_problem,
    credential_material,
    open_store,
    resolve_store,
)
from components.store.locks import command_lock
from components.text import MESSAGE_CHARS, clean
from components.wording import count

OK, FAILED, UNUSABLE, LOCKED, INTERRUPTED = 0, 1, 2, 3, 130
API_SOURCES = ("openai", "azure", "together")
MAX_LIST_PAGES = 10_000
DEFAULT_SECRETS = Path(".streamlit/secrets.toml")
EPILOG = """\
Settings come from the environment, then from the secrets file, as the dashboard reads them:
OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT / AZURE_OPENAI_API_KEY, TOGETHER_API_KEY, DASHBOARD_STORE,
DASHBOARD_STORE_SHARED. Runs opened from files are not archived here (the page saves them on request).

Exit status: 0 all stored or skipped, 1 a run or a source's list failed, 2 nothing could be done,
3 another archive command is running, 130 interrupted (run it again to continue).

From cron, every night at 03:15, quiet unless something failed:
  15 3 * * *  cd /srv/dashboard && .venv/bin/python -m components.archive --quiet
"""


# ---- Counting what arrives -------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the command has done so far."""

    pages: int = 0
    listed: int = 0
    done: int = 0
    total: int = 0
    bytes_read: int = 0
    bytes_stored: int = 0
    stored: int = 0
    already: int = 0
    unfinished: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


class _CountedStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, tally: Tally) -> None:
        self._stream = stream
        self._tally = tally

    def __iter__(self) -> Any:
        for chunk in self._stream:
            self._tally.bytes_read += len(chunk)
            yield chunk

    def close(self) -> None:
        self._stream.close()


class CountingTransport(httpx.BaseTransport):
    """An HTTP transport that adds the bytes of every answer body to a :class:`Tally`."""

    def __init__(self, tally: Tally, inner: httpx.BaseTransport | None = None) -> None:
        self._inner = inner or httpx.HTTPTransport()
        self._tally = tally

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _CountedStream(response.stream, self._tally)
        return response

    def close(self) -> None:
        self._inner.close()


# ---- Showing progress ------------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    """A byte count in words: ``812 kB``, ``4.1 MB``."""
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f} MB"


class ProgressDisplay:
    """Progress as a bar on a terminal, one plain line per step elsewhere (a log, cron), or nothing."""

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        self._stream = stream
        self._quiet = quiet
        self._bar = not quiet and stream.isatty()

    def _line(self, text: str) -> None:
        if self._quiet:
            return
        if self._bar:
            width = max(20, shutil.get_terminal_size((100, 20)).columns - 1)
            self._stream.write("\r" + text[:width].ljust(width))
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def listed(self, label: str, tally: Tally) -> None:
        self._line(f"Listing {label}: {count(tally.pages, 'page')}, {count(tally.listed, 'run')}")

    def step(self, tally: Tally, ref: RunRef, outcome: str) -> None:
        amounts = (
            f"{count(tally.pages, 'page')} · {_megabytes(tally.bytes_read)} read · "
            f"{_megabytes(tally.bytes_stored)} stored"
        )
        if self._bar:
            filled = round(20 * tally.done / tally.total) if tally.total else 20
            bar = "#" * filled + "-" * (20 - filled)
            self._line(f"[{bar}] {tally.done}/{tally.total} runs · {amounts} · {ref} {outcome}")
        else:
            self._line(f"{tally.done}/{tally.total} {ref}: {outcome} ({amounts})")

    def end(self) -> None:
        if self._bar:
            self._stream.write("\n")
            self._stream.flush()


def summary_text(tally: Tally, labels: Sequence[str], interrupted: bool = False) -> str:
    """The closing summary: what was listed, stored, skipped and failed (with reasons)."""
    lines = [
        f"Listed {count(tally.listed, 'run')} in {count(tally.pages, 'page')} from {', '.join(labels)}.",
        f"Stored {tally.stored} ({_megabytes(tally.bytes_stored)}, {_megabytes(tally.bytes_read)} read); "
        f"skipped {tally.already + tally.unfinished} ({tally.already} already in the archive, "
        f"{tally.unfinished} not finished); failed {len(tally.failures)}" + (":" if tally.failures else "."),
    ]
    lines += [f"  {what}: {why}" for what, why in tally.failures]
    if interrupted:
        lines.append("Interrupted: what was stored stays stored; run the command again to continue.")
    return "\n".join(lines)


# ---- Archiving -------------------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    return clean(str(exc), MESSAGE_CHARS)


def _list_all(config: SourceConfig, source: Any, tally: Tally, display: ProgressDisplay) -> list[RunSummary]:
    """Every run of one source, every page; a list that fails is a failure of that source, kept so far."""
    runs: list[RunSummary] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_LIST_PAGES):
        try:
            page = source.list_runs(cursor)
        except DashboardError as exc:
            tally.failures.append((f"{config.label} job list", _reason(exc)))
            break
        tally.pages += 1
        runs.extend(page.runs)
        tally.listed += len(page.runs)
        display.listed(config.label, tally)
        if page.next_cursor is None or page.next_cursor in seen:
            break
        seen.add(page.next_cursor)
        cursor = page.next_cursor
    return runs


def _archive_run(store: ArchiveStore, source: Any, owner: str, run: RunSummary, tally: Tally) -> str:
    """Read and store one run; what happened, in a few words."""
    try:
        data = source.load_run(run.run_id)
    except DashboardError as exc:
        tally.failures.append((str(run.ref), _reason(exc)))
        return "failed"
    if problem := archivable_problem(data):
        if not data.summary.is_terminal:
            tally.unfinished += 1
            return "not finished"
        tally.failures.append((str(run.ref), problem + (f" {data.notes[-1].text}" if data.notes else "")))
        return "failed"
    result = store.save(data, owner, replace=False)
    if result.outcome is Saved.ALREADY:
        tally.already += 1
        return "already in the archive"
    tally.stored += 1
    tally.bytes_stored += result.stored_bytes
    return "stored"


@dataclass(frozen=True)
class _Planned:
    config: SourceConfig
    source: Any
    owner: str
    runs: list[RunSummary]


def _plan(
    store: ArchiveStore,
    configs: Sequence[SourceConfig],
    tally: Tally,
    display: ProgressDisplay,
    http: list[httpx.Client],
) -> list[_Planned]:
    plans = []
    for config in configs:
        assert config.api is not None
        client = make_http_client(
            config.api.base_url,
            read_timeout=config.limits.read_timeout,
            max_retries=config.limits.max_retries,
            transport=CountingTransport(tally),
        )
        http.append(client)
        source = open_source(config, client)
        material = credential_material(config.api)
        listed = _list_all(config, source, tally, display)
        finished = [run for run in listed if run.is_terminal]
        tally.unfinished += len(listed) - len(finished)
        stored = store.stored_refs([run.ref for run in finished], store.viewer([material]))
        tally.already += len(stored)
        todo = [run for run in finished if run.ref not in stored]
        tally.total += len(todo)
        plans.append(_Planned(config, source, store.fingerprint(material), todo))
    return plans


def archive_all(
    store: ArchiveStore, configs: Sequence[SourceConfig], display: ProgressDisplay, tally: Tally
) -> None:
    """List every source, then store each finished run not yet stored, showing progress as it goes."""
    http: list[httpx.Client] = []
    try:
        for plan in _plan(store, configs, tally, display, http):
            for run in plan.runs:
                try:
                    outcome = _archive_run(store, plan.source, plan.owner, run, tally)
                except StoreError as exc:
                    tally.failures.append((str(run.ref), f"{exc} {exc.detail}".strip()))
                    outcome = "failed"
                tally.done += 1
                display.step(tally, run.ref, outcome)
    finally:
        for client in http:
            client.close()


# ---- The command -----------------------------------------------------------------------------------------


def read_secrets(path: Path) -> Mapping[str, Any]:
    """The dashboard's secrets file (``.streamlit/secrets.toml``), or nothing when it is absent."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DashboardError(f"The secrets file {path} cannot be read ({type(exc).__name__}).") from None


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m components.archive",
        description=(
            "Store every finished run of every configured API source (OpenAI, Azure OpenAI, Together AI)\n"
            "in the dashboard's archive (DASHBOARD_STORE), so it stays readable after the provider stops\n"
            "serving it. Runs already archived are skipped: an interrupted run resumes where it stopped.\n"
            "Each run costs the requests of opening it once in the page; listing N jobs costs ceil(N/100)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--source",
        action="append",
        choices=API_SOURCES,
        help="archive only this source (repeatable; default: every configured API source)",
    )
    command.add_argument(
        "--secrets",
        type=Path,
        default=DEFAULT_SECRETS,
        help="the dashboard's secrets file (default: .streamlit/secrets.toml)",
    )
    command.add_argument(
        "--quiet", action="store_true", help="print nothing unless something failed (for cron)"
    )
    return command


def _terminate(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = parser().parse_args(argv)
    env = os.environ if env is None else env
    out, err = sys.stdout, sys.stderr
    try:
        secrets = read_secrets(args.secrets)
        store_config = resolve_store(env, secrets)
    except DashboardError as exc:
        print(f"archive: {exc}", file=err)
        return UNUSABLE
    if store_config is None:
        print("archive: DASHBOARD_STORE is off: there is no archive to store runs in.", file=err)
        return UNUSABLE
    registry = resolve_sources(env, secrets)
    wanted = set(args.source or API_SOURCES)
    configs = [
        config for config in registry.configs if config.kind is SourceKind.API and config.name in wanted
    ]
    # A source whose settings are wrong is a failure; the runs folder's are not this command's business.
    tally = Tally(failures=[(p.label, p.message) for p in registry.problems if p.name in wanted])
    if not configs:
        print(
            "archive: no API source is configured (OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, TOGETHER_API_KEY).",
            file=err,
        )
        return UNUSABLE
    try:
        store = open_store(store_config)
    except StoreError as exc:
        print(f"archive: {exc} {exc.detail}".rstrip(), file=err)
        return UNUSABLE
    display = ProgressDisplay(out, quiet=args.quiet)
    interrupted = False
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with command_lock(store) as held:
            if not held:
                print(
                    "archive: another archive command is working on this archive; try again later.", file=err
                )
                return LOCKED
            try:
                archive_all(store, configs, display, tally)
            except KeyboardInterrupt:
                interrupted = True
            display.end()
    finally:
        signal.signal(signal.SIGTERM, previous)
        store.engine.dispose()
    if not args.quiet or tally.failures or interrupted:
        print(summary_text(tally, [config.label for config in configs], interrupted), file=out)
    if interrupted:
        return INTERRUPTED
    return FAILED if tally.failures else OK
