"""The run list says of each runs-folder run what its page says (issue 18): running while its files are
written, succeeded or finished when the trainer's own signals say it ended, stopped when its files went quiet
short of the end, for every format the folder holds (authentic fixtures, and runs grown step by step)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from components.api import Limits
from components.page.job_rows import COLUMNS
from components.sources import FilesSource
from components.sources.files import SCANS
from devtools.growing_run import GrowingRun
from tests.page.page_support import new_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOUR = 3600.0


def _age(folder: Path, seconds: float) -> None:
    """Everything in ``folder`` (and the folder) last written ``seconds`` ago."""
    when = time.time() - seconds
    for path in [*folder.rglob("*"), folder]:
        os.utime(path, (when, when), follow_symlinks=False)


def _stopped_early(folder: Path) -> None:
    """The classifier as if early stopping ended it at step 50 of 100, written as the Trainer writes it."""
    state = json.loads((FIXTURES / "trainers" / "classifier_f1" / "trainer_state.json").read_bytes())
    state["log_history"] = [entry for entry in state["log_history"] if entry["step"] <= 50]
    state["log_history"].append({"epoch": 2.5, "step": 50, "train_runtime": 3.0, "train_loss": 0.6})
    state["global_step"] = 50
    folder.mkdir()
    (folder / "trainer_state.json").write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")


def _long_events(folder: Path, steps: int) -> None:
    """A Trainer's event file of ``steps`` logged losses and its final summary (``train/train_runtime``)."""
    writer = EventFileWriter(str(folder))
    for step in range(1, steps + 1):
        loss = summary_pb2.Summary.Value(tag="train/loss", simple_value=1 / step)
        writer.add_event(
            event_pb2.Event(wall_time=1.8e9 + step, step=step, summary=summary_pb2.Summary(value=[loss]))
        )
    runtime = summary_pb2.Summary.Value(tag="train/train_runtime", simple_value=9.0)
    writer.add_event(
        event_pb2.Event(wall_time=1.8e9 + steps, step=steps, summary=summary_pb2.Summary(value=[runtime]))
    )
    writer.close()


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A runs folder of every kind of run, each in one state: the live ones grown here, the others copied
    from the authentic fixtures and last written an hour ago."""
    root = tmp_path / "runs"
    for name in ("llamafactory_sft", "lightning_csv", "tinker_sft", "nemo_style_tb"):
        shutil.copytree(FIXTURES / "local_formats" / name, root / name)
    shutil.copytree(FIXTURES / "trainers" / "classifier_f1", root / "classifier_f1")
    shutil.copytree(FIXTURES / "trainers" / "orpo" / "runs", root / "orpo_events")
    _stopped_early(root / "stopped_early")
    GrowingRun(root / "finished", total_steps=100).log_steps(100)  # LLaMA-Factory's last line: it ended
    GrowingRun(root / "stopped", total_steps=100).log_steps(30)
    # Longer than the end the list reads of each file: read from a byte inside them.
    GrowingRun(root / "long_finished", total_steps=3000, eval_steps=100).finish()
    GrowingRun(root / "long_stopped", total_steps=9000).log_steps(3000)
    _long_events(root / "long_events", 5000)
    _age(root, HOUR)
    GrowingRun(root / "running", total_steps=100).log_steps(30)
    SCANS.clear()
    return root


def _listed(runs: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("DASHBOARD_RUNS_DIR", str(runs))
    at = new_app().run()
    assert not at.exception
    [frame] = [el.value for el in at.main.dataframe if list(el.value.columns) == list(COLUMNS)]
    return dict(zip(frame["Model or suffix"], frame["Status"], strict=True))


@pytest.mark.usefixtures("no_api_env")
def test_each_folder_run_is_listed_with_the_status_its_page_gives(
    runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _listed(runs, monkeypatch)
    source = FilesSource(runs, Limits())
    paged = {
        run.relative.as_posix(): source.load_run(run.run_id).summary.status_text for run in source.scan().runs
    }
    assert listed == paged
    assert listed["running"] == "running"
    assert listed["stopped"] == listed["long_stopped"] == "stopped writing 60 min ago"
    assert listed["long_finished"] == listed["long_events"] == "succeeded"
    [events] = [name for name in listed if name.startswith("orpo_events/")]  # runs/<date>_<host>/
    assert listed["finished"] == listed["classifier_f1"] == listed[events] == "succeeded"
    assert listed["stopped_early"] == "stopped early at step 50 of 100"
    assert "unknown" not in listed.values(), listed
