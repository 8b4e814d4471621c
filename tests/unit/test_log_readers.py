"""The local-format readers' edges: a JSON line still being written, TensorBoard restarts and a final
evaluation at the last step, event files told by their framing, and zips that try to leave their folder or
unpack to more than the upload limit."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from components.data.event_scalars import files_merged, read_events
from components.data.json_lines import json_lines
from components.domain import RunRef
from components.sources.event_files import events_of_bytes
from components.sources.file_kinds import FileKind, sniff
from components.sources.folder_run import run_from_zip
from components.sources.run_files import Origin, RunFileError

ORIGIN = Origin(RunRef("upload", "run-0123456789"), "Uploaded files", "run.zip")


def _event_file(folder: Path, points: list[tuple[int, str, float]]) -> bytes:
    """An event file written by TensorBoard's own writer (the same encoding as the Trainer's)."""
    writer = EventFileWriter(str(folder))
    for step, tag, value in points:
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        writer.add_event(event_pb2.Event(wall_time=1.8e9 + step, step=step, summary=summary))
    writer.close()
    [path] = [path for path in folder.iterdir() if path.name.startswith("events.out.tfevents.")]
    data = path.read_bytes()
    path.unlink()
    return data


def _read(data: bytes):
    return read_events(events_of_bytes(data))


def test_a_json_line_being_written_is_left_for_the_next_read_without_a_note() -> None:
    notes: list = []
    data = b'{"step": 1, "loss": 2.0}\nnot json\n{"step": 2, "loss": 1.5}\n{"step": 3, "lo'
    assert json_lines(data, "metrics.jsonl", notes) == [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]
    assert [note.text for note in notes] == [
        "Left out 1 line of the metrics.jsonl that are not JSON objects."
    ]


def test_a_restarted_run_replaces_the_steps_it_logs_again_and_a_final_evaluation_adds_nothing(
    tmp_path: Path,
) -> None:
    first = _read(_event_file(tmp_path, [(step, "train/loss", 10.0 - step) for step in range(1, 9)]))
    restart = _read(_event_file(tmp_path, [(step, "train/loss", 100.0 + step) for step in range(5, 11)]))
    final = _read(_event_file(tmp_path, [(10, "train/loss", -1.0), (10, "eval/loss", 0.5)]))
    merged = files_merged([first, restart, final]).history.set_index("step")
    expected = {
        **{step: 10.0 - step for step in range(1, 5)},
        **{step: 100.0 + step for step in range(5, 11)},
    }
    assert merged["train_loss"].to_dict() == expected  # orphans of the first file purged; step 10 kept
    assert merged["full_valid_loss"].dropna().to_dict() == {10: 0.5}  # what the final file adds


def test_a_truncated_event_file_reads_up_to_its_last_whole_record(tmp_path: Path) -> None:
    data = _event_file(tmp_path, [(step, "loss", float(step)) for step in range(1, 51)])
    assert sniff(data) is FileKind.TENSORBOARD_EVENTS
    history = _read(data[: len(data) - 7]).history
    assert history["step"].tolist() == list(range(1, 50))


@settings(deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_are_no_event_file(head: bytes) -> None:
    assert sniff(head) is not FileKind.TENSORBOARD_EVENTS


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


METRICS = (
    b'{"step": 0, "train_mean_nll": 2.0, "progress": 0.5}\n'
    b'{"step": 1, "train_mean_nll": 1.0, "progress": 1.0}\n'
)


def test_a_zip_member_that_would_leave_its_folder_is_never_written(tmp_path: Path) -> None:
    outside = tmp_path / "escaped.jsonl"
    data = _zip({"run/metrics.jsonl": METRICS, f"../../../..{outside}": METRICS, "/abs.jsonl": METRICS})
    run = run_from_zip(data, ORIGIN, 10_000)
    assert run.history["train_loss"].tolist() == [2.0, 1.0] and not outside.exists()


def test_a_zip_that_unpacks_beyond_the_limit_is_refused() -> None:
    data = _zip({"run/metrics.jsonl": METRICS + b" " * 2_000_000})
    assert len(data) < 10_000
    with pytest.raises(RunFileError, match="unpacks to more than"):
        run_from_zip(data, ORIGIN, 1_000_000)


def test_a_zip_of_no_run_says_what_is_read() -> None:
    with pytest.raises(RunFileError, match="holds no run this dashboard reads"):
        run_from_zip(_zip({"notes.txt": b"hello"}), ORIGIN, 10_000)


_values = st.dictionaries(st.integers(0, 50), st.floats(-1e6, 1e6, allow_nan=False), max_size=20)


@settings(max_examples=60, deadline=None)
@given(_values, _values)
def test_merged_logs_keep_every_step_and_the_first_value_at_each(first: dict, second: dict) -> None:
    from components.data.log_read import empty_history, merged_frames

    def frame(values: dict):
        table = empty_history().reindex(range(len(values)))
        table["step"] = list(values)
        table["train_loss"] = list(values.values())
        return table.astype({"step": "int64"}).sort_values("step")

    result = merged_frames([frame(first), frame(second)]).set_index("step")["train_loss"].to_dict()
    assert result == second | first
