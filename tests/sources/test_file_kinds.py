"""The one file-kind sniff every reader uses: each kind told from real first bytes (the fixtures, the demo's
result file, this tool's own exports), anything else None, and never an exception whatever the bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.demo import FIXTURES
from components.export.json_file import to_export
from components.export.parquet_file import to_parquet_export
from components.sources.file_kinds import HEAD_BYTES, FileKind, sniff
from tests.domain.test_run_export import demo_run

TRAINER_STATE = Path(__file__).parents[1] / "fixtures" / "trl_trainer_state.json"
DEMO_RESULT_FILE = FIXTURES / "file-kWG3vg9EasVeLyQCK1f3gA.txt"  # base64, as OpenAI serves it
DEMO_VALIDATION_FILE = FIXTURES / "file-vGWt1hSqUtA9QHH95dvM5X.jsonl"


def _plain_csv() -> bytes:
    return base64.b64decode(DEMO_RESULT_FILE.read_bytes())


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        pytest.param(lambda: to_parquet_export(demo_run()), FileKind.PARQUET_EXPORT, id="parquet-export"),
        pytest.param(lambda: to_export(demo_run()), FileKind.JSON_EXPORT, id="json-export"),
        pytest.param(TRAINER_STATE.read_bytes, FileKind.TRAINER_STATE, id="trainer-state"),
        pytest.param(_plain_csv, FileKind.RESULT_CSV, id="result-csv"),
        pytest.param(DEMO_RESULT_FILE.read_bytes, FileKind.RESULT_CSV_BASE64, id="result-csv-base64"),
        pytest.param(
            lambda: b"\xef\xbb\xbf\r\nSTEP,train_loss\r\n1,2\r\n", FileKind.RESULT_CSV, id="csv-bom"
        ),
        pytest.param(
            lambda: base64.encodebytes(b"\xef\xbb\xbfstep,train_loss\n" + b"1,0.5\n" * 100),
            FileKind.RESULT_CSV_BASE64,
            id="base64-wrapped-with-bom",
        ),
        pytest.param(
            lambda: b"\xef\xbb\xbf \n" + TRAINER_STATE.read_bytes(), FileKind.TRAINER_STATE, id="json-bom"
        ),
    ],
)
def test_each_kind_is_told_from_its_first_bytes(data, kind: FileKind) -> None:
    whole = data()
    assert sniff(whole) is kind
    assert sniff(whole[:HEAD_BYTES]) is kind  # what a folder scan reads is enough


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff garbage",
        b"a,b\n1,2\n",
        b"[1, 2]",
        b'{"hello": 1}',
        b"c3RlcC!!not base64",
        b"PAR",
        DEMO_VALIDATION_FILE.read_bytes(),  # chat JSONL: a validation file, not a run
        b"{" + b" " * HEAD_BYTES + b'"log_history": []}',  # the key beyond what is looked at
    ],
)
def test_anything_else_is_no_kind(data: bytes) -> None:
    assert sniff(data) is None


def test_an_export_that_mentions_a_trainer_state_is_an_export() -> None:
    """Rows are tried in order: the export's own name wins over a key an exported note may quote."""
    document = json.loads(to_export(demo_run()))
    document["runs"][0]["notes"] = ["copied from a log_history"]
    assert sniff(json.dumps(document).encode()) is FileKind.JSON_EXPORT


def test_both_exports_and_both_csvs_share_their_words() -> None:
    assert FileKind.PARQUET_EXPORT.label == FileKind.JSON_EXPORT.label == "dashboard export"
    assert FileKind.RESULT_CSV.label == FileKind.RESULT_CSV_BASE64.label == "result file (CSV)"
    assert FileKind.TRAINER_STATE.label == "Hugging Face trainer state"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=HEAD_BYTES + 64) | st.text(max_size=300).map(str.encode))
def test_sniff_never_raises(data: bytes) -> None:
    kind = sniff(data)
    assert kind is None or isinstance(kind, FileKind)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_sniff_never_raises_on_a_known_start(tail: bytes) -> None:
    for start in (
        b"PAR1",
        b"{",
        b"\xef\xbb\xbf{",
        b"step,",
        b"c3RlcC",
        b'{"format":"ft-checkpoint-dashboard-export"',
    ):
        kind = sniff(start + tail)
        assert kind is None or isinstance(kind, FileKind)
