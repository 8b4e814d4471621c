"""``pip install .`` into a new venv provides the ``ft-dashboard`` command, which starts the same app on a
folder of training runs from any working folder: what a user who never saw this repository would do.

Slow (a fresh venv, about 35 s with pip's cache warm): skip it locally with ``-m "not slow"``; CI runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devtools.harness import free_port, server_process, wait_for_app_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "trainers"
# What a source distribution needs; the rest of a checkout (its venv, tests, git) stays behind.
LEFT_OUT = shutil.ignore_patterns(
    ".venv", ".git", "tests", "benchmarks", "docs", "build", "*.egg-info", "node_modules", "__pycache__"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the project installed from a copy of this checkout; its ``bin`` folder."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    subprocess.run([sys.executable, "-m", "venv", work / "venv"], check=True)
    pip = [work / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(source)], check=True, timeout=600)
    return work / "venv" / "bin"


def _clean_env() -> dict[str, str]:
    """The environment a user's shell would have: no key, no settings, nothing of this checkout."""
    kept = ("PATH", "HOME", "LANG", "TMPDIR")
    return {name: os.environ[name] for name in kept if name in os.environ} | {"PYTHONUNBUFFERED": "1"}


def test_the_command_reports_its_version_and_options(installed: Path) -> None:
    version = subprocess.run([installed / "ft-dashboard", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("ft-dashboard 0.")
    usage = subprocess.run(
        [installed / "python", "-m", "components", "--help"], capture_output=True, text=True
    )
    assert usage.returncode == 0
    assert all(option in usage.stdout for option in ("--logdir", "--store", "--port", "--host"))


def test_the_installed_command_serves_its_logdir(installed: Path, tmp_path: Path, page: Page) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(FIXTURES / "classifier_f1", runs / "classifier_f1")
    port = free_port()
    command = [installed / "ft-dashboard", "--logdir", "runs", "--port", str(port), "--host", "127.0.0.1"]
    with server_process(command, port, _clean_env(), cwd=tmp_path) as app:
        page.goto(app.url)
        wait_for_app_run(page)
        expect(page.get_by_text("1 run listed")).to_be_visible(timeout=30_000)
        # The list is a canvas grid; its accessible cells carry the run ids the address opens.
        run_id = page.locator("td[role=gridcell]", has_text="classifier_f1").first.text_content()
        page.goto(f"{app.url}/?run=files:{run_id}")
        wait_for_app_run(page)
        expect(page.locator(".st-key-best_card")).to_contain_text("step 80", timeout=30_000)
        assert f"ft-dashboard: http://127.0.0.1:{port}" in app.log_text()
        assert "External URL" not in app.log_text()
