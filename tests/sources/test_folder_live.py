"""A run folder watched while its trainer writes it: each refresh reads only what was appended, a quiet one
reads no file's content, the status is what the files say, and a refresh equals a fresh load."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from components.api.limits import Limits
from components.domain import RunStatus
from components.sources import folder_logs, under_root
from components.sources.files import SCANS, FilesSource
from components.sources.live import needs_refresh, refresh_run
from components.sources.run_files import RunFileError
from devtools.growing_run import LOG, GrowingRun


class Clock:
    """The time the source reads, moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every file whose content is read (each goes through ``under_root.open_at``)."""
    opened: list[str] = []
    real = under_root.open_at

    def counting(fd: int, name: str):
        opened.append(name)
        return real(fd, name)

    monkeypatch.setattr(under_root, "open_at", counting)
    return opened


def _source(root: Path | list[Path], clock: Clock) -> FilesSource:
    SCANS.clear()
    return FilesSource(root, Limits(), quiet_seconds=600, clock=clock)


def _fresh(source: FilesSource, run_id: str):
    """The run read whole from a fresh scan (the list's scan is kept a few seconds)."""
    SCANS.clear()
    return source.load_run(run_id)


def _only_id(source: FilesSource) -> str:
    [run] = source.scan().runs
    return run.run_id


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_a_growing_run_is_running_and_each_refresh_reads_what_was_appended(
    tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    grow = GrowingRun(tmp_path / "sft", total_steps=200, eval_steps=50)
    grow.log_steps(40)
    grow.save_checkpoint(40)
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    assert run.summary.status is RunStatus.RUNNING and needs_refresh(source, run)
    assert int(run.history["step"].max()) == 40 and list(run.checkpoints["step"]) == [40]

    grow.log_steps(70, cut=True)  # a line half written is left for the next read
    reads.clear()
    refresh = refresh_run(source, run)
    assert refresh.changed and refresh.new_steps == 30 and int(refresh.run.history["step"].max()) == 70
    log_bytes = (grow.folder / LOG).stat().st_size
    [mark] = [mark for mark in refresh.run.resume.marks if mark.path.name == LOG]
    assert mark.offset == log_bytes - len('{"current_steps": ')

    grow.finish_line()
    refresh = refresh_run(source, refresh.run)
    assert refresh.new_steps == 1 and int(refresh.run.history["step"].max()) == 71
    grow.log_steps(80)
    grow.save_checkpoint(80)
    refresh = refresh_run(source, refresh.run)
    assert refresh.new_checkpoints == 1 and list(refresh.run.checkpoints["step"]) == [40, 80]
    fresh = _fresh(source, run.summary.run_id)
    _same(refresh.run.history, fresh.history)  # the refresh equals a fresh load
    _same(refresh.run.checkpoints, fresh.checkpoints)
    assert refresh.run.summary.status is RunStatus.RUNNING

    grow.finish()
    refresh = refresh_run(source, refresh.run)
    assert refresh.run.summary.status is RunStatus.SUCCEEDED and refresh.finished
    assert not refresh.keep_refreshing and not needs_refresh(source, refresh.run)
    _same(refresh.run.history, _fresh(source, run.summary.run_id).history)


def test_a_quiet_refresh_of_a_100_run_folder_reads_no_file_content(
    tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    for number in range(100):
        grow = GrowingRun(tmp_path / f"run-{number:03d}", total_steps=100, eval_steps=10)
        grow.log_steps(20)
        if number % 2:
            grow.save_checkpoint(20)
    source = _source(tmp_path, clock)
    runs = [source.load_run(found.run_id) for found in source.scan().runs]
    assert len(runs) == 100 and all(run.summary.status is RunStatus.RUNNING for run in runs)
    reads.clear()
    refreshes = [refresh_run(source, run) for run in runs]
    assert reads == []  # a few stat calls each, no file opened for its content
    assert not any(refresh.changed for refresh in refreshes)
    assert all(refresh.run.history is run.history for refresh, run in zip(refreshes, runs, strict=True))


def test_a_truncated_or_replaced_log_is_read_again_from_its_start(tmp_path: Path, clock: Clock) -> None:
    grow = GrowingRun(tmp_path / "sft", total_steps=200)
    grow.log_steps(60)
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    log = grow.folder / LOG
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:10]))  # truncated: a restart from scratch
    refresh = refresh_run(source, run)
    assert int(refresh.run.history["step"].max()) == 10
    replacement = grow.folder / "new.jsonl"
    replacement.write_text("".join(lines[:25]))
    os.replace(replacement, log)  # rotated: another file under the same name
    refresh = refresh_run(source, refresh.run)
    assert int(refresh.run.history["step"].max()) == 25
    _same(refresh.run.history, _fresh(source, run.summary.run_id).history)


def test_a_run_whose_files_went_quiet_short_of_its_end_stopped_and_one_at_its_end_finished(
    tmp_path: Path, clock: Clock
) -> None:
    GrowingRun(tmp_path / "stopped", total_steps=100).log_steps(30)
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    clock.now += 3600
    refresh = refresh_run(source, run)
    assert refresh.run.summary.status is RunStatus.UNKNOWN and refresh.keep_refreshing
    assert refresh.run.summary.status_text == "stopped writing 60 min ago"
    GrowingRun(tmp_path / "ended", total_steps=100).log_steps(100)  # LLaMA-Factory's last step: ended
    shutil.rmtree(tmp_path / "stopped")
    SCANS.clear()
    assert source.load_run(_only_id(source)).summary.status is RunStatus.SUCCEEDED


def _lightning(folder: Path, rows: list[str], header: str = "epoch,step,train_loss,val_loss") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.csv").write_text(header + "\n" + "".join(f"{row}\n" for row in rows))


def test_lightning_metrics_are_read_on_and_again_whole_when_the_header_changes(
    tmp_path: Path, clock: Clock
) -> None:
    folder = tmp_path / "lightning_logs" / "version_0"
    _lightning(folder, [f"0,{step},{2 - step / 100}," for step in range(10)])
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    assert run.summary.status is RunStatus.RUNNING
    with (folder / "metrics.csv").open("a") as csv:
        csv.write("".join(f"0,{step},{2 - step / 100},\n" for step in range(10, 20)))
    refresh = refresh_run(source, run)
    assert refresh.new_steps == 10
    # A new metric: CSVLogger writes the whole file again under the new header.
    _lightning(
        folder,
        [f"0,{step},{2 - step / 100},,0.5" for step in range(20)] + ["0,19,,1.1,"],
        "epoch,step,train_loss,val_loss,val_acc",
    )
    refresh = refresh_run(source, refresh.run)
    assert "val_acc" in refresh.run.history and refresh.run.history["val_acc"].notna().sum() == 20
    _same(refresh.run.history, _fresh(source, run.summary.run_id).history)
    (folder / "checkpoints").mkdir()
    (folder / "checkpoints" / "epoch=0-step=19.ckpt").write_bytes(b"")
    refresh = refresh_run(source, refresh.run)
    assert list(refresh.run.checkpoints["step"]) == [19] and refresh.run.summary.status is RunStatus.RUNNING
    clock.now += 3600  # quiet after its checkpoint at the last step: Lightning's run has finished
    refresh = refresh_run(source, refresh.run)
    assert refresh.run.summary.status is RunStatus.SUCCEEDED and not refresh.keep_refreshing


def _events(writer: EventFileWriter, steps: range) -> None:
    for step in steps:
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag="train/loss", simple_value=1 / (step + 1))]
        )
        writer.add_event(event_pb2.Event(wall_time=1.8e9 + step, step=step, summary=summary))
    writer.flush()


def test_an_event_file_is_read_on_from_its_last_whole_record(tmp_path: Path, clock: Clock) -> None:
    folder = tmp_path / "runs" / "tb"
    folder.mkdir(parents=True)
    writer = EventFileWriter(str(folder))
    _events(writer, range(1, 11))
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    assert int(run.history["step"].max()) == 10
    _events(writer, range(11, 31))
    [path] = folder.iterdir()
    data = path.read_bytes()
    with path.open("r+b") as cut:  # the last record half written
        cut.truncate(len(data) - 7)
    refresh = refresh_run(source, run)
    assert int(refresh.run.history["step"].max()) == 29
    with path.open("ab") as rest:
        rest.write(data[-7:])
    summary = summary_pb2.Summary(
        value=[summary_pb2.Summary.Value(tag="train/train_runtime", simple_value=9.0)]
    )
    writer.add_event(event_pb2.Event(wall_time=1.8e9 + 40, step=30, summary=summary))
    writer.close()
    refresh = refresh_run(source, refresh.run)
    assert int(refresh.run.history["step"].max()) == 30
    assert refresh.run.summary.status is RunStatus.SUCCEEDED  # the Trainer's final summary
    _same(refresh.run.history, _fresh(source, run.summary.run_id).history)


def test_several_runs_folders_are_listed_with_unique_stable_ids_and_their_names(
    tmp_path: Path, clock: Clock
) -> None:
    for team in ("a", "b"):
        GrowingRun(tmp_path / team / "sft", total_steps=10).log_steps(10)
    roots = [tmp_path / "a", tmp_path / "b"]
    listed = _source(roots, clock).list_runs().runs
    assert sorted(run.name for run in listed) == ["a/sft", "b/sft"]
    assert len({run.run_id for run in listed}) == 2
    again = _source(list(reversed(roots)), clock).list_runs().runs
    assert {run.name: run.run_id for run in again} == {run.name: run.run_id for run in listed}
    source = _source(roots, clock)
    for run in listed:
        assert source.load_run(run.run_id).summary.name == run.name
    alone = _source(tmp_path / "a", clock).list_runs().runs  # one folder: the ids it always had
    assert [run.name for run in alone] == ["sft"] and alone[0].run_id not in {run.run_id for run in listed}


def test_a_log_read_in_small_chunks_reads_as_it_does_whole(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long logs are parsed a chunk at a time (memory holds one chunk's records): the chunks' reads joined
    are the whole file's read, whatever the chunk size (a record longer than a chunk included)."""
    GrowingRun(tmp_path / "sft", total_steps=300, eval_steps=7).log_steps(123)
    _lightning(
        tmp_path / "lightning" / "version_0",
        [f"0,{s},{1 / (s + 1)},{0.5 if s % 5 else ''}" for s in range(90)],
    )
    writer = EventFileWriter(str(tmp_path / "tb"))
    _events(writer, range(1, 80))
    writer.close()
    source = _source(tmp_path, clock)
    whole = {found.run_id: source.load_run(found.run_id) for found in source.scan().runs}
    monkeypatch.setattr(folder_logs, "CHUNK_BYTES", 50)
    for run_id, run in whole.items():
        chunked = _fresh(source, run_id)
        _same(chunked.history, run.history)
        assert chunked.summary.total_steps == run.summary.total_steps


def test_a_checkpoint_folder_whose_trainer_state_arrives_later_is_seen_at_the_next_refresh(
    tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    """The Trainer makes ``checkpoint-N/``, writes the weights, and writes ``trainer_state.json`` last: the
    state arriving in a folder the last refresh already saw shows its checkpoint at the next refresh."""
    grow = GrowingRun(tmp_path / "sft", total_steps=200, eval_steps=50)
    grow.log_steps(40)
    grow.save_checkpoint(40)
    source = _source(tmp_path, clock)
    run = source.load_run(_only_id(source))
    grow.log_steps(80)
    grow.start_checkpoint(80)  # the folder and its weights, no trainer state yet
    refresh = refresh_run(source, run)
    assert int(refresh.run.history["step"].max()) == 80 and list(refresh.run.checkpoints["step"]) == [40]
    reads.clear()
    quiet = refresh_run(source, refresh.run)
    assert not quiet.changed and reads == []  # watching the folder costs a stat, no file's content
    grow.write_checkpoint_state(80)  # nothing else changes: only the state appears inside checkpoint-80/
    refresh = refresh_run(source, quiet.run)
    assert refresh.new_checkpoints == 1 and list(refresh.run.checkpoints["step"]) == [40, 80]
    _same(refresh.run.checkpoints, _fresh(source, run.summary.run_id).checkpoints)
    grow.start_checkpoint(120)
    grow.write_checkpoint_state(120)  # a new folder with its state at once
    refresh = refresh_run(source, refresh.run)
    assert list(refresh.run.checkpoints["step"]) == [40, 80, 120]


def test_an_over_bound_file_names_the_setting_that_bounds_it(tmp_path: Path, clock: Clock) -> None:
    """An appended log is bounded by DASHBOARD_MAX_LOG_MB, a file read whole by DASHBOARD_MAX_FILE_MB: the
    refusal names the one to raise."""
    GrowingRun(tmp_path / "log", total_steps=20_000).log_steps(12_000)  # ~2.4 MB of log lines
    GrowingRun(tmp_path / "state", total_steps=200).finish()
    source = FilesSource(
        tmp_path, Limits(max_file_bytes=2_000), quiet_seconds=600, max_log_bytes=1_000_000, clock=clock
    )
    SCANS.clear()
    found = {run.relative.name: run.run_id for run in source.scan().runs}
    with pytest.raises(RunFileError, match=r"larger than 1 MB.*\(DASHBOARD_MAX_LOG_MB\)") as log:
        source.load_run(found["log"])
    assert "DASHBOARD_MAX_FILE_MB" not in str(log.value)
    with pytest.raises(RunFileError, match=r"larger than .*\(DASHBOARD_MAX_FILE_MB\)") as state:
        source.load_run(found["state"])
    assert "DASHBOARD_MAX_LOG_MB" not in str(state.value)


def test_the_list_reads_each_runs_end_once_per_change_and_says_its_status(
    tmp_path: Path, clock: Clock, reads: list[str]
) -> None:
    """The run list's status costs a few stats per row and one read of the end of each log, again only for a
    run written since the list last looked; the scan's own sniff of each file's head aside."""
    grows = [
        GrowingRun(tmp_path / f"run-{number:03d}", total_steps=100, eval_steps=10) for number in range(100)
    ]
    for grow in grows:
        grow.log_steps(20)
    source = _source(tmp_path, clock)
    scan_reads = _reads_of(reads, source.scan)
    first = _reads_of(reads, lambda: source.list_runs(), fresh=True)
    assert sorted(first) == sorted([*scan_reads, *[LOG] * 100])  # one end of each run's log
    assert {run.status for run in _listed(source)} == {RunStatus.RUNNING}
    assert sorted(_reads_of(reads, lambda: source.list_runs(), fresh=True)) == sorted(scan_reads)
    grows[7].log_steps(100)  # its last line: LLaMA-Factory's run ended
    again = _reads_of(reads, lambda: source.list_runs(), fresh=True)
    assert sorted(again) == sorted([*scan_reads, LOG])
    clock.now += 3600
    statuses = {run.name: run.status_text for run in _listed(source)}
    assert statuses.pop("run-007") == "succeeded"
    assert set(statuses.values()) == {"stopped writing 60 min ago"}


def _reads_of(reads: list[str], call, *, fresh: bool = False) -> list[str]:
    """The files whose content ``call`` reads; ``fresh``: after the kept scan is dropped (it is read anew)."""
    if fresh:
        SCANS.clear()
    reads.clear()
    call()
    return list(reads)


def _listed(source: FilesSource):
    SCANS.clear()
    return source.list_runs().runs
