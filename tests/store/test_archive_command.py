"""``python -m components.archive`` end to end: the real command as a subprocess against the stand-in over
loopback, on SQLite and PostgreSQL: progress, summary, requests per job, killed and resumed, exit statuses,
the lock, quiet mode."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from components.archive.command import ProgressDisplay, Tally
from components.domain import RunRef
from components.sources import open_source, resolve_sources
from components.store import StoreConfig, Viewer, open_store
from components.store.locks import command_lock
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run

ROOT = Path(__file__).resolve().parents[2]
START = 1_732_000_000


def add_jobs(standin: StandInServer, count: int) -> list[str]:
    """``count`` finished jobs created a second apart, and one running job; the finished ids, newest first."""
    ids = [f"ftjob-{n:04d}" for n in range(count)]
    for n, job_id in enumerate(ids):
        standin.add_run(make_run(job_id, n_steps=40, n_epochs=2, seed=n, start=START + n))
    standin.add_run(
        make_run("ftjob-live", n_steps=40, n_epochs=2, status="running", progress=0.5, start=START)
    )
    return ids[::-1]


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


def single_load_cost(standin: StandInServer, job_id: str) -> int:
    """The requests one load of ``job_id`` costs the page's way, with the request log left as it was."""
    before = len(standin.requests)
    registry = resolve_sources({"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": standin.base_url}, {})
    open_source(registry.get("openai")).load_run(job_id)
    return len(standin.requests) - before


def stored_refs(store: StoreConfig) -> set[RunRef]:
    opened = open_store(store)
    try:
        return {run.ref for run in opened.list_runs(Viewer(shared=True), limit=500).runs}
    finally:
        opened.engine.dispose()


def test_help_documents_the_command() -> None:
    done = archive({**os.environ, "PYTHONPATH": str(ROOT)}, "--help")
    assert done.returncode == 0
    for words in ("python -m components.archive", "DASHBOARD_STORE", "--quiet", "cron", "Exit status"):
        assert words in done.stdout


def test_every_finished_job_is_stored_at_the_cost_of_one_load_each(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    finished = add_jobs(standin, 12)
    cost = single_load_cost(standin, finished[0])
    standin.reset()
    add_jobs(standin, 12)
    done = archive(command_env(standin, store_config, tmp_path))
    assert done.returncode == 0, done.stderr
    progress = re.findall(
        r"^(\d+)/12 (openai:ftjob-\d{4}): stored \(1 page · \d+ kB read · \d+ kB stored\)$", done.stdout, re.M
    )
    assert [int(step) for step, _ in progress] == list(range(1, 13))
    assert [ref for _, ref in progress] == [f"openai:{job}" for job in finished]
    assert "Listed 13 runs in 1 page from OpenAI." in done.stdout
    assert (
        "Stored 12 (" in done.stdout
        and "skipped 1 (0 already in the archive, 1 not finished); failed 0." in done.stdout
    )
    assert standin.count("jobs") == 1  # the list: 13 jobs in one page of 100
    assert len(standin.requests) - 1 == 12 * cost  # and each job what one load of it costs
    assert standin.count("job", "ftjob-live") == 0  # a running job is not even opened
    assert stored_refs(store_config) == {RunRef("openai", job) for job in finished}

    standin.reset()
    add_jobs(standin, 12)
    again = archive(command_env(standin, store_config, tmp_path))
    assert (
        again.returncode == 0 and "Stored 0 (" in again.stdout and "12 already in the archive" in again.stdout
    )
    assert [request.path for request in standin.requests] == ["/v1/fine_tuning/jobs"]  # nothing loaded twice


def test_killed_mid_way_and_run_again_it_stores_the_rest(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    finished = add_jobs(standin, 10)
    hung = finished[4]  # the fifth job to be stored hangs, so the kill lands in the middle of a load
    standin.reset()
    for n in range(10):
        job_id = f"ftjob-{n:04d}"
        faults = [Fault("job", "hang", hang_seconds=60)] if job_id == hung else []
        standin.add_run(make_run(job_id, n_steps=40, n_epochs=2, seed=n, start=START + n), faults)
    child = started(command_env(standin, store_config, tmp_path))
    try:
        assert child.stdout is not None
        lines = []
        while not (lines and lines[-1].startswith("4/10 ")):
            lines.append(child.stdout.readline())
            assert lines[-1], "".join(lines) + child.stderr.read()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    first_four = {RunRef("openai", job) for job in finished[:4]}
    assert stored_refs(store_config) == first_four

    standin.reset()
    add_jobs(standin, 10)
    resumed = archive(command_env(standin, store_config, tmp_path))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Stored 6 (" in resumed.stdout and "4 already in the archive" in resumed.stdout
    assert re.search(r"^1/6 openai:ftjob-0005: stored", resumed.stdout, re.M)  # the hung one, first this time
    assert all(standin.count("job", job) == 0 for job in finished[:4])  # stored ones are not read again
    assert stored_refs(store_config) == {RunRef("openai", job) for job in finished}


def test_a_failing_job_fails_the_command_with_its_reason(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    add_jobs(standin, 3)
    standin.reset()
    for n in range(3):
        faults = [Fault("file", "status", status=500, times=None)] if n == 1 else []
        faults += [Fault("events", "status", status=500, times=None)] if n == 1 else []
        standin.add_run(make_run(f"ftjob-{n:04d}", n_steps=40, n_epochs=2, seed=n, start=START + n), faults)
    standin.add_run(
        make_run("ftjob-gone", n_steps=40, n_epochs=2, start=START + 9),
        [Fault("job", "status", status=404, times=None)],
    )
    done = archive(command_env(standin, store_config, tmp_path), "--quiet")
    assert done.returncode == 1
    assert "Stored 2 (" in done.stdout and "failed 2:" in done.stdout
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
    assert done.returncode == 3 and "another archive command" in done.stderr
    assert standin.requests == []


def test_terminated_it_says_what_was_kept(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    standin.add_run(
        make_run("ftjob-0000", n_steps=40, n_epochs=2, start=START), [Fault("job", "hang", hang_seconds=60)]
    )
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
    tally = Tally(pages=2, done=3, total=4, bytes_read=2_500_000, bytes_stored=800_000)
    display.step(tally, RunRef("openai", "ftjob-abc"), "stored")
    display.end()
    text = screen.getvalue()
    assert text.startswith("\r[###############-----] 3/4 runs · 2 pages · 2.5 MB read · 800 kB stored")
    assert text.endswith("\n") and "openai:ftjob-abc stored" in text


def test_a_wrong_runs_folder_is_not_the_commands_failure(
    standin: StandInServer, store_config: StoreConfig, tmp_path: Path
) -> None:
    add_jobs(standin, 1)
    env = command_env(standin, store_config, tmp_path) | {"DASHBOARD_RUNS_DIR": str(tmp_path / "missing")}
    assert archive(env, "--quiet").returncode == 0
    wrong_together = env | {"TOGETHER_API_KEY": "tgp", "TOGETHER_BASE_URL": "ftp://nowhere"}
    done = archive(wrong_together, "--quiet")
    assert done.returncode == 1 and "Together AI: TOGETHER_BASE_URL must be an http(s) URL" in done.stdout
