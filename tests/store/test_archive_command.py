"""``python -m components.archive`` end to end: the real command as a subprocess against the stand-in over
loopback, on SQLite and PostgreSQL: progress, summary, requests, killed with SIGKILL and resumed (losing
nothing, reading nothing stored again), exit statuses, the lock, quiet mode."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from components.archive.command import ProgressDisplay
from components.archive.save_all import Outcome, Tally
from components.archive.transport import WireCount
from components.domain import RunRef
from components.store import FileRole, FileState, StoreConfig, Viewer, open_store
from components.store.engine import make_engine
from components.store.locks import command_lock
from devtools.many_jobs import START, add_jobs, job, training_file
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run

ROOT = Path(__file__).resolve().parents[2]


def command_env(standin: StandInServer, store: StoreConfig, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OPENAI", "AZURE", "TOGETHER"))
    }
    return env | {
        "OPENAI_API_KEY": DEFAULT_API_KEY,
        "OPENAI_BASE_URL": standin.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "DASHBOARD_STORE": store.url.render_as_string(hide_password=False),
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
    }


def archive(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components.archive", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def started(env: dict[str, str]) -> subprocess.Popen[str]:
    """The command running in the background, its output piped, to be read while it works."""
    return subprocess.Popen(
        [sys.executable, "-m", "components.archive"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stored_refs(store: StoreConfig) -> set[RunRef]:
    opened = open_store(store)
    try:
        return {run.ref for run in opened.list_runs(Viewer(shared=True), limit=500).runs}
    finally:
        opened.engine.dispose()


def test_help_documents_the_command() -> None:
    done = archive({**os.environ, "PYTHONPATH": str(ROOT)}, "--help")
    assert done.returncode == 0
    for words in (
        "python -m components.archive",
        "DASHBOARD_STORE",
        "DASHBOARD_SAVE_FILE_LIMIT_MB",
        "--quiet",
        "cron",
        "Exit status",
        "training and validation",
    ):
        assert words in done.stdout


def test_every_finished_job_is_saved_with_its_files_and_not_read_again(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    finished = add_jobs(standin, 12)
    done = archive(command_env(standin, store_config, tmp_path))
    assert done.returncode == 0, done.stderr
    progress = re.findall(
        r"^(\d+)/12 (openai:ftjob-\d{4}): saved \((\d+) requests · \d+ kB read · \d+ kB stored\)$",
        done.stdout,
        re.M,
    )
    assert [int(step) for step, _, _ in progress] == list(range(1, 13))
    assert [ref for _, ref, _ in progress] == [f"openai:{job}" for job in finished]
    assert f"Listed 13 runs in 1 page from OpenAI: {len(standin.requests)} requests, " in done.stdout
    assert (
        "Saved 12 runs with their files; 0 already there; 1 not finished (saved once they end); 0 failed."
        in done.stdout
    )
    assert int(progress[-1][2]) == len(standin.requests)
    assert standin.count("jobs") == 1  # the list: 13 jobs in one page of 100
    assert standin.count("job", "ftjob-live") == 0  # a running job is not even opened
    assert stored_refs(store_config) == {RunRef("openai", job) for job in finished}

    standin.reset_log()
    again = archive(command_env(standin, store_config, tmp_path))
    assert again.returncode == 0 and "Saved 0 runs with their files; 12 already there;" in again.stdout
    assert [request.path for request in standin.requests] == ["/v1/fine_tuning/jobs"]  # nothing read twice


def stored_count(store: StoreConfig) -> int:
    """How many runs the store holds (each is written with its files in one transaction)."""
    engine = make_engine(store)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM archived_runs")).scalar_one()
    except DBAPIError:  # the database exists before its schema does
        return 0
    finally:
        engine.dispose()


def wait_for(condition: Callable[[], bool], child: subprocess.Popen[str], seconds: float = 60) -> None:
    """Wait until ``condition`` holds, checking it again and again; fail if the child ends first."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert child.poll() is None, "the command ended before the condition held"
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.02)


def requests_of(standin: StandInServer, job_id: str) -> int:
    return sum(
        standin.count(endpoint, job_id)
        for endpoint in ("job", "checkpoints", "events", "file", "file_object")
    )


def test_killed_mid_way_it_loses_nothing_and_reads_nothing_stored_again(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    hung = 4  # the sixth job saved (newest first) hangs, so the command cannot finish before the kill
    finished = add_jobs(standin, 10, faults={hung: [Fault("job", "hang", hang_seconds=60)]})
    child = started(command_env(standin, store_config, tmp_path))
    try:
        wait_for(lambda: stored_count(store_config) >= 3, child)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    kept_before = stored_refs(store_config)
    assert 3 <= len(kept_before) < 10
    assert kept_before == {RunRef("openai", job) for job in finished[: len(kept_before)]}  # newest first

    standin.reset()
    add_jobs(standin, 10)
    resumed = archive(command_env(standin, store_config, tmp_path))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{len(kept_before)} already there;" in resumed.stdout
    assert f"Saved {10 - len(kept_before)} runs with their files;" in resumed.stdout
    assert all(requests_of(standin, ref.run_id) == 0 for ref in kept_before)  # nothing stored is read again
    assert all(requests_of(standin, job) > 0 for job in finished if RunRef("openai", job) not in kept_before)
    assert stored_refs(store_config) == {RunRef("openai", job) for job in finished}
    opened = open_store(store_config)
    try:
        viewer = opened.viewer([DEFAULT_API_KEY])
        for n in range(10):
            job_id = f"ftjob-{n:04d}"
            files = opened.kept_files(RunRef("openai", job_id), viewer)
            assert {file.role: file.state for file in files} == dict.fromkeys(FileRole, FileState.KEPT)
            training = job(n).job["training_file"]
            kept = opened.kept_file(RunRef("openai", job_id), viewer, FileRole.TRAINING, training)
            assert kept == training_file(job_id)
    finally:
        opened.engine.dispose()


def test_a_failing_job_fails_the_command_with_its_reason(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    failing = [
        Fault("file", "status", status=500, times=None),
        Fault("events", "status", status=500, times=None),
    ]
    add_jobs(standin, 3, faults={1: failing})
    standin.add_run(
        make_run("ftjob-gone", n_steps=40, n_epochs=2, start=START + 9),
        [Fault("job", "status", status=404, times=None)],
    )
    done = archive(command_env(standin, store_config, tmp_path), "--quiet")
    assert done.returncode == 1
    assert "Saved 2 runs with their files;" in done.stdout and "; 2 failed." in done.stdout
    assert re.search(r"^  openai:ftjob-0001: Only part of the run could be read", done.stdout, re.M)
    assert re.search(r"^  openai:ftjob-gone: .+", done.stdout, re.M)
    assert not re.search(r"^\d+/\d+ ", done.stdout, re.M)  # --quiet: no progress, only the summary
    assert DEFAULT_API_KEY not in done.stdout + done.stderr


def test_quiet_success_prints_nothing(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    add_jobs(standin, 2)
    done = archive(command_env(standin, store_config, tmp_path), "--quiet")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_second_command_at_once_stops_and_says_so(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    add_jobs(standin, 2)
    store = open_store(store_config)
    try:
        with command_lock(store) as held:
            assert held
            done = archive(command_env(standin, store_config, tmp_path))
    finally:
        store.engine.dispose()
    assert done.returncode == 3 and "another save is working on this archive" in done.stderr
    assert standin.requests == []


def test_terminated_it_says_what_was_kept(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    standin.add_run(job(0), [Fault("job", "hang", hang_seconds=60)])
    child = started(command_env(standin, store_config, tmp_path))
    assert child.stdout is not None
    assert child.stdout.readline().startswith("Listing OpenAI: 1 page, 1 run")  # then it opens the hung job
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "Interrupted: what was stored stays stored" in out


@pytest.mark.parametrize("env", [{}, {"DASHBOARD_STORE": "off"}])
def test_nothing_to_do_is_exit_status_2(env: dict[str, str], tmp_path: Path) -> None:
    base = {
        key: value for key, value in os.environ.items() if not key.startswith(("OPENAI", "AZURE", "TOGETHER"))
    }
    done = archive(
        base
        | {"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "DASHBOARD_STORE": str(tmp_path / "a.db")}
        | env
    )
    assert done.returncode == 2 and done.stderr.startswith("archive: ")


def test_the_progress_bar_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    display = ProgressDisplay(screen, quiet=False)
    tally = Tally(
        pages=2, done=3, total=4, wire=WireCount(requests=40, bytes_read=2_500_000), bytes_stored=800_000
    )
    display.step(tally, RunRef("openai", "ftjob-abc"), Outcome.SAVED)
    display.end()
    shown = screen.getvalue()
    assert shown.startswith(
        "\r[###############-----] 3/4 runs · openai:ftjob-abc saved · 40 requests · 2.5 MB"
    )
    assert shown.endswith("\n")


def test_a_wrong_runs_folder_is_not_the_commands_failure(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    add_jobs(standin, 1)
    env = command_env(standin, store_config, tmp_path) | {"DASHBOARD_RUNS_DIR": str(tmp_path / "missing")}
    assert archive(env, "--quiet").returncode == 0
    wrong_together = env | {"TOGETHER_API_KEY": "tgp", "TOGETHER_BASE_URL": "ftp://nowhere"}
    done = archive(wrong_together, "--quiet")
    assert done.returncode == 1 and "Together AI: TOGETHER_BASE_URL must be an http(s) URL" in done.stdout
