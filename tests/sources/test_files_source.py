"""DASHBOARD_RUNS_DIR and uploads as sources: a bounded scan that never follows a link or leaves the folder,
training output folders with their checkpoint-N folders, run files, newest first, and clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from components.api import Limits
from components.domain import InvalidRunRefError, RunRef
from components.domain.ref import RUN_ID_PATTERN
from components.errors import MalformedDataError
from components.export.json_file import to_export
from components.sources import FilesSource, Upload, UploadSource, check_upload, folder_scan
from components.sources.file_kinds import FileKind
from components.sources.files import SCANS
from components.sources.run_files import RunFileError
from components.sources.under_root import read_under
from devtools.standin import make_run
from devtools.trainer_runs import trainer_state, write_trainer_output

LIMITS = Limits()


def result_csv(job_id: str = "ftjob-a") -> bytes:
    return next(iter(make_run(job_id, result_file="plain").files.values()))


def touch(path: Path, when: float) -> None:
    os.utime(path, (when, when))


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A runs folder: a TRL output (3 checkpoints kept of 4, and the final state), a result CSV, an export,
    an unrelated CSV, and a nested experiment."""
    root = tmp_path / "runs"
    write_trainer_output(root / "qwen-sft", save_total_limit=3)
    (root / "openai").mkdir()
    (root / "openai" / "ftjob-a-results.csv").write_bytes(result_csv())
    (root / "openai" / "notes.csv").write_text("name,value\nlr,1e-5\n")
    (root / "team" / "exp1").mkdir(parents=True)
    write_trainer_output(root / "team" / "exp1" / "llama-dpo", root_state=False, trl=False)
    source = FilesSource(root, LIMITS)
    export = source.load_run(_id(source, "qwen-sft"))
    (root / "shared.json").write_bytes(to_export(export))
    for age, relative in enumerate(
        ["shared.json", "openai/ftjob-a-results.csv", "qwen-sft/trainer_state.json"]
    ):
        touch(root / relative, 1_750_000_000 - 1000 * age)
    for state in (root / "qwen-sft").glob("checkpoint-*/trainer_state.json"):
        touch(state, 1_740_000_000)
    for step in (50, 100, 150, 200):
        state = root / "team/exp1/llama-dpo" / f"checkpoint-{step}" / "trainer_state.json"
        touch(state, 1_740_000_000 + step)
    SCANS.clear()  # the folder changed after the scan of load_run, which is kept a few seconds
    return root


def _id(source: FilesSource, name: str) -> str:
    """The id of a run, from a fresh scan (the list's scan is kept a few seconds; these tests change the
    folder in between)."""
    return next(run.run_id for run in source.scan().runs if str(run.relative) == name)


def test_the_scan_lists_every_run_newest_first(runs: Path) -> None:
    page = FilesSource(runs, LIMITS).list_runs()
    assert [(run.name, run.method) for run in page.runs] == [
        ("shared.json", FileKind.JSON_EXPORT.label),
        ("openai/ftjob-a-results.csv", FileKind.RESULT_CSV.label),
        ("qwen-sft", FileKind.TRAINER_STATE.label),
        ("team/exp1/llama-dpo", FileKind.TRAINER_STATE.label),
    ]
    assert all(RUN_ID_PATTERN.fullmatch(run.run_id) and run.ref.source == "files" for run in page.runs)
    assert page.next_cursor is None and page.notes == ()
    assert page.runs[0].updated_at is not None
    assert [run.run_id for run in FilesSource(runs, LIMITS).list_runs().runs] == [
        run.run_id for run in page.runs
    ]


def test_a_training_output_folder_opens_with_its_checkpoint_folders(runs: Path) -> None:
    source = FilesSource(runs, LIMITS)
    run = source.load_run(_id(source, "qwen-sft"))
    assert run.checkpoints["checkpoint_id"].tolist() == ["checkpoint-100", "checkpoint-150", "checkpoint-200"]
    assert run.checkpoints["model"].tolist() == [f"qwen-sft/checkpoint-{step}" for step in (100, 150, 200)]
    assert run.history["step"].max() == 200  # the final trainer_state.json: the whole history
    assert run.provider_best is not None and run.provider_best.checkpoint_id == "checkpoint-150"
    assert run.provenance.label == "Runs folder" and run.provenance.endpoint == "qwen-sft"
    assert run.notes == ()


def test_without_a_final_state_the_newest_checkpoint_state_holds_the_history(runs: Path) -> None:
    source = FilesSource(runs, LIMITS)
    run = source.load_run(_id(source, "team/exp1/llama-dpo"))
    assert run.history["step"].max() == 200 and len(run.checkpoints) == 4
    assert (
        run.unavailable == {"accuracy": run.unavailable["accuracy"]} and "TRL" in run.unavailable["accuracy"]
    )


def test_run_files_open_by_their_id(runs: Path) -> None:
    source = FilesSource(runs, LIMITS)
    csv = source.load_run(_id(source, "openai/ftjob-a-results.csv"))
    assert len(csv.history) == 480 and csv.summary.ref.source == "files"
    export = source.load_run(_id(source, "shared.json"))
    assert export.summary.ref == RunRef("files", _id(source, "shared.json")) and len(export.checkpoints) == 3


def test_links_are_never_followed(runs: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_trainer_output(outside / "secret-run")
    (outside / "secret.csv").write_bytes(result_csv("ftjob-secret"))
    os.symlink(outside, runs / "linked-folder")
    os.symlink(outside / "secret.csv", runs / "linked.csv")
    os.symlink(outside / "secret-run" / "checkpoint-50", runs / "qwen-sft" / "checkpoint-50")
    source = FilesSource(runs, LIMITS)
    names = [run.name for run in source.list_runs().runs]
    assert not any("secret" in name or "linked" in name for name in names)
    assert len(names) == 4
    assert 50 not in source.load_run(_id(source, "qwen-sft")).checkpoints["step"].tolist()


def test_a_folder_swapped_for_a_link_after_the_scan_is_not_read(runs: Path, tmp_path: Path) -> None:
    source = FilesSource(runs, LIMITS)
    found = next(run for run in source.scan().runs if str(run.relative) == "openai/ftjob-a-results.csv")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "ftjob-a-results.csv").write_bytes(result_csv())
    (runs / "openai").rename(tmp_path / "moved")
    os.symlink(tmp_path / "elsewhere", runs / "openai")
    with pytest.raises(RunFileError, match="could not be read"):
        read_under(runs, found.relative, LIMITS.max_file_bytes)


def test_a_run_that_moved_or_an_unknown_id_is_a_clear_message(runs: Path) -> None:
    source = FilesSource(runs, LIMITS)
    run_id = _id(source, "openai/ftjob-a-results.csv")
    (runs / "openai" / "ftjob-a-results.csv").unlink()
    with pytest.raises(RunFileError, match="may have been moved or deleted"):
        source.load_run(run_id)
    with pytest.raises(InvalidRunRefError):
        source.load_run("../../etc/passwd")


def test_the_scan_is_bounded_in_depth_and_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "runs"
    deep = root / "a" / "b" / "c" / "d" / "e"
    deep.mkdir(parents=True)
    (deep / "too-deep.csv").write_bytes(result_csv())
    (root / "a" / "b" / "c" / "d" / "deep-enough.csv").write_bytes(result_csv())
    assert [run.name for run in FilesSource(root, LIMITS).list_runs().runs] == ["a/b/c/d/deep-enough.csv"]

    for n in range(5):
        (root / f"run-{n}.csv").write_bytes(result_csv())
    monkeypatch.setattr(folder_scan, "MAX_RUNS", 3)
    SCANS.clear()  # the folder changed within the seconds a scan is kept
    page = FilesSource(root, LIMITS).list_runs()
    assert len(page.runs) == 3
    assert page.notes[0].startswith("The runs folder is larger than one scan reads")


def test_many_runs_are_listed_in_pages_of_100(tmp_path: Path) -> None:
    csv = result_csv()
    for n in range(250):
        (tmp_path / f"run-{n:03d}.csv").write_bytes(csv)
        touch(tmp_path / f"run-{n:03d}.csv", 1_750_000_000 + n)
    source = FilesSource(tmp_path, LIMITS)
    pages = [source.list_runs()]
    while pages[-1].next_cursor is not None:
        pages.append(source.list_runs(pages[-1].next_cursor))
    names = [run.name for page in pages for run in page.runs]
    assert [len(page.runs) for page in pages] == [100, 100, 50]
    assert names == [f"run-{n:03d}.csv" for n in range(249, -1, -1)]
    with pytest.raises(InvalidRunRefError):
        source.list_runs("-5")


def test_a_file_over_the_limit_and_a_fifo_are_refused_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "big.csv").write_bytes(result_csv())
    os.mkfifo(tmp_path / "pipe.csv")
    small = Limits(max_file_bytes=1_000)
    source = FilesSource(tmp_path, small)
    [run] = source.list_runs().runs  # the FIFO is skipped, not read
    assert run.name == "big.csv"
    with pytest.raises(RunFileError, match=r"larger than 0\.001 MB"):
        source.load_run(run.run_id)


def test_uploads_are_runs_of_this_session_bounded_in_size() -> None:
    state = json.dumps(trainer_state()).encode()
    uploads = [Upload("trainer_state.json", state), Upload("run 2 (copy).csv", result_csv())]
    source = UploadSource(uploads, LIMITS)
    rows = source.list_runs().runs
    assert [(row.name, row.method) for row in rows] == [
        ("trainer_state.json", FileKind.TRAINER_STATE.label),
        ("run 2 (copy).csv", FileKind.RESULT_CSV.label),
    ]
    assert all(row.ref.source == "upload" and RUN_ID_PATTERN.fullmatch(row.run_id) for row in rows)
    assert rows[1].run_id.startswith("run-2-copy-")
    run = source.load_run(rows[0].run_id)
    assert run.summary.ref == rows[0].ref and run.provenance.endpoint == "trainer_state.json"
    assert source.info.inference is False
    with pytest.raises(RunFileError, match="upload it again"):
        source.load_run("gone-0123456789")
    with pytest.raises(RunFileError, match="larger than"):
        check_upload(Upload("huge.csv", b"x" * 2_001), Limits(max_file_bytes=2_000))


def test_the_folder_and_uploads_tell_a_file_by_the_same_sniff(tmp_path: Path) -> None:
    """A file no kind matches is not listed in the folder; uploaded, it is listed with no kind, and opening
    it says why."""
    (tmp_path / "notes.json").write_bytes(b'{"hello": 1}')
    (tmp_path / "run.csv").write_bytes(result_csv())
    assert [run.name for run in FilesSource(tmp_path, LIMITS).list_runs().runs] == ["run.csv"]
    source = UploadSource([Upload("notes.json", b'{"hello": 1}')], LIMITS)
    [row] = source.list_runs().runs
    assert row.method is None
    with pytest.raises(MalformedDataError, match=r"neither a trainer_state\.json"):
        source.load_run(row.run_id)


def test_a_folder_with_more_entries_than_a_scan_reads_is_cut_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = result_csv()
    for n in range(30):
        (tmp_path / f"run-{n:02d}.csv").write_bytes(csv)
    monkeypatch.setattr(folder_scan, "MAX_ENTRIES", 10)
    page = FilesSource(tmp_path, LIMITS).list_runs()
    assert len(page.runs) <= 10
    assert page.notes[0].startswith("The runs folder is larger than one scan reads")


def test_a_file_name_that_is_not_utf8_is_listed_opened_and_exported(tmp_path: Path) -> None:
    name = os.fsdecode(b"run-\xff.csv")  # a lone surrogate in Python: invalid in UTF-8, Arrow and JSON
    (tmp_path / name).write_bytes(result_csv())
    source = FilesSource(tmp_path, LIMITS)
    [row] = source.list_runs().runs
    assert row.name == "run-?.csv" and RUN_ID_PATTERN.fullmatch(row.run_id)
    run = source.load_run(row.run_id)
    assert run.summary.name == "run-?.csv" and len(run.history) == 480
    assert json.loads(to_export(run))["runs"][0]["summary"]["name"] == "run-?.csv"
