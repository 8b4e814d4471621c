"""A run read from one log holds its steps once: the live state's mark of the log gives its history back from
the run's (the same frame, so a cached copy of the run pickles it once too), and reading on from it equals a
fresh load; a run whose history is more than its log's keeps the log's own."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import pandas as pd

from components.api.limits import Limits
from components.sources.files import SCANS, FilesSource
from components.sources.live import refresh_run

LOG = "trainer_log.jsonl"


def _lines(steps: range, total: int = 1_000) -> str:
    lines = []
    for step in steps:
        lines.append({"current_steps": step, "total_steps": total, "loss": 2 - step / 1_000, "lr": 1e-4})
        if step % 10 == 0:
            lines.append({"current_steps": step, "total_steps": total, "eval_loss": 3 - step / 1_000})
    return "".join(json.dumps(line) + "\n" for line in lines)


def _source(root: Path) -> FilesSource:
    SCANS.clear()
    return FilesSource(root, Limits(), quiet_seconds=600, clock=time.time)


def _load(root: Path):
    source = _source(root)
    [found] = source.scan().runs
    return source, source.load_run(found.run_id)


def _log_mark(run):
    [mark] = [mark for mark in run.resume.marks if mark.path.name == LOG]
    return mark


def test_the_run_and_its_live_state_hold_one_history(tmp_path: Path) -> None:
    folder = tmp_path / "pretrain"
    folder.mkdir()
    (folder / LOG).write_text(_lines(range(1, 2_001)))
    _, run = _load(tmp_path)
    mark = _log_mark(run)
    assert mark.read.history is run.history and mark.shared
    alone = len(pickle.dumps(run.history))
    assert len(pickle.dumps(run)) < alone * 1.5  # the cache's copy: the history once (twice was 2x)
    assert list(mark.own.history.columns) == list(mark.shared)
    assert mark.own.history["step"].tolist() == list(range(1, 2_001))


def test_a_log_read_on_from_the_runs_history_equals_a_fresh_load(tmp_path: Path) -> None:
    folder = tmp_path / "pretrain"
    folder.mkdir()
    log = folder / LOG
    text = _lines(range(1, 301))
    cut = text.index('{"current_steps": 200, "total_steps": 1000, "eval_loss"')
    log.write_text(text[:cut])  # step 200's training line read, its evaluation not yet written
    source, run = _load(tmp_path)
    assert _log_mark(run).shared
    with log.open("a") as more:
        more.write(text[cut:] + _lines(range(301, 1_001)))
    refresh = refresh_run(source, run)
    assert refresh.changed and refresh.run.summary.total_steps == 1_000
    _, fresh = _load(tmp_path)
    pd.testing.assert_frame_equal(refresh.run.history, fresh.history)
    pd.testing.assert_frame_equal(refresh.run.checkpoints, fresh.checkpoints)
    at_200 = refresh.run.history.set_index("step").loc[200]
    assert (at_200["train_loss"], at_200["full_valid_loss"]) == (1.8, 2.8)
    assert _log_mark(refresh.run).read.history is refresh.run.history


def test_a_log_beside_a_trainer_state_keeps_its_own_history(tmp_path: Path) -> None:
    """A Trainer folder's history is its trainer state merged with its log, not the log's rows alone."""
    folder = tmp_path / "sft"
    (folder / "checkpoint-50").mkdir(parents=True)
    (folder / LOG).write_text(_lines(range(1, 101), total=100))
    state = {
        "global_step": 50,
        "max_steps": 100,
        "log_history": [{"step": step, "loss": 5.0} for step in range(1, 51)],
    }
    (folder / "checkpoint-50" / "trainer_state.json").write_text(json.dumps(state))
    _, run = _load(tmp_path)
    mark = _log_mark(run)
    assert not mark.shared and mark.read.history is not run.history
    assert run.history.set_index("step").loc[10, "train_loss"] == 5.0  # the trainer state's, first
    assert mark.read.history.set_index("step").loc[10, "train_loss"] == 1.99
