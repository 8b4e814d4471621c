"""The Trackio source on databases written by the real trackio package (run in a child process with its
own TRACKIO_DIR, as trackio reads it once at import): every run of every project with every metric, read
read-only, and a run being logged refreshed reading only its new rows."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from components.sources import open_source, resolve_sources
from components.sources.live import refresh_run
from components.sources.trackio import TrackioSource

LOG_RUN = textwrap.dedent(
    """
    import sys, time, pathlib, trackio
    project, name, steps, hold = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    trackio.init(project=project, name=name, config={"learning_rate": 2e-5})
    def log(step):
        metrics = {"train/loss": 2.0 / step, "train/grad_norm": 1.0, "train/learning_rate": 2e-5}
        if step % 10 == 0:
            eval_loss = 1.5 - step / 100 + (0.3 if step == 30 else 0)
            metrics |= {"eval/loss": eval_loss, "eval/rouge_l": step / 100}
        trackio.log(metrics, step=step)
    for step in range(1, steps + 1):
        log(step)
    if hold != "-":
        while not pathlib.Path(hold).exists():
            time.sleep(0.1)
        for step in range(steps + 1, steps + 11):
            log(step)
    trackio.finish()
    """
)


def _log(folder: Path, *args: str) -> subprocess.Popen:
    env = {"TRACKIO_DIR": str(folder), "PATH": "/usr/bin:/bin", "HOME": str(folder.parent)}
    return subprocess.Popen([sys.executable, "-c", LOG_RUN, *args], env=env, stdout=subprocess.DEVNULL)


def _rows(source: TrackioSource, run_id: str) -> int:
    return len(source.load_run(run_id).history)


def _wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "trackio did not write in time"
        time.sleep(0.2)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "trackio"
    folder.mkdir()
    return folder


def _source(folder: Path) -> TrackioSource:
    registry = resolve_sources({"TRACKIO_DIR": str(folder)}, {})
    assert registry.names == ("trackio",)
    source = open_source(registry.get("trackio"))
    assert isinstance(source, TrackioSource)
    return source


def test_every_run_of_every_project_opens_with_all_its_metrics(folder: Path) -> None:
    first = _log(folder, "sft.project", "run-a", "30", "-")
    second = _log(folder, "dpo", "run-b", "20", "-")
    assert first.wait(120) == 0 and second.wait(120) == 0
    before = {path.name: path.stat().st_mtime_ns for path in folder.glob("*.db")}
    source = _source(folder)
    runs = source.list_runs().runs
    assert sorted(run.name for run in runs) == ["dpo · run-b", "sftproject · run-a"]
    run_a = next(run for run in runs if run.name.endswith("run-a"))
    run = source.load_run(run_a.run_id)
    assert len(run.history) == 30 and run.history["train_loss"].notna().all()
    assert {"train/grad_norm", "train/learning_rate", "eval/rouge_l"} <= set(run.history.columns)
    assert run.history["full_valid_loss"].notna().sum() == 3
    assert run.checkpoints["checkpoint_id"].tolist() == ["step-10", "step-20", "step-30"]
    assert (run.checkpoints["step_only"] == 1).all()
    assert {path.name: path.stat().st_mtime_ns for path in folder.glob("*.db")} == before  # read-only


def test_a_run_being_logged_is_refreshed_reading_only_its_new_rows(folder: Path) -> None:
    go_on = folder.parent / "go-on"
    child = _log(folder, "live", "growing", "20", str(go_on))
    try:
        source = _source(folder)
        _wait_for(
            lambda: any(source.list_runs().runs) and _rows(source, source.list_runs().runs[0].run_id) == 20
        )
        run_id = source.list_runs().runs[0].run_id
        run = source.load_run(run_id)
        assert not run.summary.is_terminal and len(run.history) == 20
        assert not refresh_run(source, run).changed
        go_on.touch()
        assert child.wait(120) == 0
        grown = refresh_run(source, run)
        assert grown.changed and grown.new_steps == 10 and len(grown.run.history) == 30
        assert grown.requests == 0
    finally:
        go_on.touch()
        child.wait(120)


def test_an_unknown_address_says_so(folder: Path) -> None:
    source = _source(folder)
    with pytest.raises(Exception, match="no Trackio project"):
        source.load_run("nothere__0123456789abcdef")
    problems = resolve_sources({"TRACKIO_DIR": str(folder / "missing")}, {}).problems
    assert problems[0].message == "TRACKIO_DIR is not a folder this server can read."
