"""``python -m components.archive``: save every finished run of every configured API source (or of
``--source``), with its files, now: what the job list's "Save all runs of this source" does, from a shell.

It lists every job of each source (all pages: ceil(N/100) requests for N OpenAI or Azure jobs), skips the
runs already in the archive with their files and those not finished, and saves each other run with its
events, result, training and validation files (``components.archive.save_all``), each run in its own
transaction. What is stored stays stored: an interrupted run of the command is resumed by running it again.
A lock keeps two saves of one store (commands or pages) from working at once, so it is safe to run from
cron (``--quiet`` prints only failures).

Exit status: 0 when every run was saved or already there, 1 when any run (or a source's list) failed, 2 when
nothing could be done (no store, no API source, the store unreachable), 3 when another save holds the
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
from pathlib import Path
from typing import Any, TextIO

from components.archive.save_all import Failure, Outcome, Tally, byte_size, save_all, summary_lines
from components.domain import RunRef
from components.errors import DashboardError
from components.sources import resolve_sources
from components.sources.base import SourceKind
from components.store import StoreError, open_store, resolve_store
from components.store.locks import command_lock
from components.wording import count

OK, FAILED, UNUSABLE, LOCKED, INTERRUPTED = 0, 1, 2, 3, 130
API_SOURCES = ("openai", "azure", "together")
DEFAULT_SECRETS = Path(".streamlit/secrets.toml")
EPILOG = """\
Settings come from the environment, then from the secrets file, as the dashboard reads them:
OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT / AZURE_OPENAI_API_KEY, TOGETHER_API_KEY, DASHBOARD_STORE,
DASHBOARD_STORE_SHARED, DASHBOARD_SAVE_FILE_LIMIT_MB (the largest file kept with a run, default 50; a
larger one is recorded with its size). Runs opened from files are not archived here (the page saves them
on request).

Exit status: 0 all saved or already there, 1 a run or a source's list failed, 2 nothing could be done,
3 another save of this archive is running, 130 interrupted (run it again to continue).

From cron, every night at 03:15, quiet unless something failed:
  15 3 * * *  cd /srv/dashboard && .venv/bin/python -m components.archive --quiet
"""


# ---- Showing progress ------------------------------------------------------------------------------------


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

    def step(self, tally: Tally, ref: RunRef, outcome: Outcome) -> None:
        amounts = (
            f"{count(tally.wire.requests, 'request')} · {byte_size(tally.wire.bytes_read)} read · "
            f"{byte_size(tally.bytes_stored)} stored"
        )
        if self._bar:
            filled = round(20 * tally.done / tally.total) if tally.total else 20
            bar = "#" * filled + "-" * (20 - filled)
            self._line(f"[{bar}] {tally.done}/{tally.total} runs · {ref} {outcome} · {amounts}")
        else:
            self._line(f"{tally.done}/{tally.total} {ref}: {outcome} ({amounts})")

    def end(self) -> None:
        if self._bar:
            self._stream.write("\n")
            self._stream.flush()


def summary_text(tally: Tally, labels: Sequence[str], interrupted: bool = False) -> str:
    """The closing summary: what was listed, saved, already there and failed (each with its reason)."""
    lines = summary_lines(tally, labels)
    for failure in tally.failures:
        lines.append(
            f"  {failure.what}: {failure.reason}" + (f" ({failure.detail})" if failure.detail else "")
        )
    if interrupted:
        lines.append("Interrupted: what was stored stays stored; run the command again to continue.")
    return "\n".join(lines)


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
            "Save every finished run of every configured API source (OpenAI, Azure OpenAI, Together AI)\n"
            "in the dashboard's archive (DASHBOARD_STORE) with its events, result, training and validation\n"
            "files, so it stays readable after the provider stops serving it: the job list's 'Save all runs\n"
            "of this source', from a shell. Runs already there with their files cost no request, so an\n"
            "interrupted save resumes where it stopped. Listing N jobs costs ceil(N/100) requests."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--source",
        action="append",
        choices=API_SOURCES,
        help="save only this source's runs (repeatable; default: every configured API source)",
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
    tally = Tally(failures=[Failure(p.label, p.message) for p in registry.problems if p.name in wanted])
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
                print("archive: another save is working on this archive; try again later.", file=err)
                return LOCKED
            try:
                save_all(store, configs, tally, display)
            except KeyboardInterrupt:
                interrupted = True
            display.end()
    except StoreError as exc:  # the lock file is a planted link or another user's
        print(f"archive: {exc}", file=err)
        return UNUSABLE
    finally:
        signal.signal(signal.SIGTERM, previous)
        store.engine.dispose()
    if not args.quiet or tally.failures or interrupted:
        print(summary_text(tally, [config.label for config in configs], interrupted), file=out)
    if interrupted:
        return INTERRUPTED
    return FAILED if tally.failures else OK
