"""Start the dashboard with ``streamlit run`` on a free loopback port, and wait for Streamlit's runs.

Shared by the browser tests, the render benchmark and the screenshot script.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from playwright.sync_api import Page, sync_playwright

from components.ui.first_paint import SIGNAL_KEY

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium's background services try to reach Google; this machine's network refuses them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class RunningApp:
    """A started ``streamlit run app.py``: its URL, its process, and its combined stdout/stderr log."""

    url: str
    process: subprocess.Popen
    log: IO[str]

    def log_text(self) -> str:
        """Everything the app process printed so far (start it with PYTHONUNBUFFERED=1 to see it all).

        Read with pread: the child shares the file offset, so seeking here would move its writes.
        """
        return _read_all(self.log)


def _read_all(log: IO[str]) -> str:
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", errors="replace")


@contextmanager
def running_app(env: Mapping[str, str], *, startup_seconds: float = 60) -> Iterator[str]:
    """Run app.py in its own process with ``env``; yield its URL; the log goes to a temp file."""
    with app_process(env, startup_seconds=startup_seconds) as app:
        yield app.url


@contextmanager
def app_process(
    env: Mapping[str, str],
    *,
    startup_seconds: float = 60,
    extra_args: Sequence[str] = (),
    script: Path = ROOT / "app.py",
) -> Iterator[RunningApp]:
    """Like :func:`running_app`, but yield a :class:`RunningApp` so callers can read the app's log.

    ``extra_args`` go to ``streamlit run`` after the harness's own options (e.g. ``--logger.level=debug``);
    ``script`` is the page to run (a test's small app instead of the dashboard).
    """
    port = free_port()
    command = [
        *(sys.executable, "-m", "streamlit", "run", str(script)),
        *("--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"),
        *extra_args,
    ]
    with server_process(command, port, env, cwd=ROOT, startup_seconds=startup_seconds) as app:
        yield app


@contextmanager
def server_process(
    command: Sequence[str | Path],
    port: int,
    env: Mapping[str, str],
    *,
    cwd: Path,
    startup_seconds: float = 60,
) -> Iterator[RunningApp]:
    """Start ``command`` (a Streamlit server on 127.0.0.1:``port``), wait until healthy, stop it after."""
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup_seconds
        try:
            while True:
                try:
                    if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start:\n" + _read_all(log))
                time.sleep(0.1)
            process.log = log  # type: ignore[attr-defined]
            yield RunningApp(url, process, log)
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a started server to end; kill it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for_app_run(page: Page, timeout: float = 30_000) -> None:
    """Wait until the page is connected and the script has finished its run, including, on a session's
    first run page, the run that draws the rest of the page once the chart is drawn
    (``components.ui.first_paint``: its watcher is gone once that run has drawn over it)."""
    finished = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    connected = page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    connected.wait_for(state="attached", timeout=timeout)
    finished.wait_for(state="attached", timeout=timeout)
    page.locator(f".st-key-{SIGNAL_KEY}").wait_for(state="detached", timeout=timeout)
    finished.wait_for(state="attached", timeout=timeout)


def screenshot_page(stack: ExitStack, width: int, height: int, *, dark: bool) -> Page:
    """A page of headless chromium at ``width`` × ``height`` CSS pixels in the light or dark colour scheme,
    for the screenshot scripts; the browser closes with ``stack``."""
    playwright = stack.enter_context(sync_playwright())
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    stack.callback(browser.close)
    scheme = "dark" if dark else "light"
    return browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
