"""Result files as OpenAI (base64) and Azure (plain, other column names) serve them."""

from __future__ import annotations

import base64
import math

import pandas as pd
import pytest

from components.data import metric_columns, results_file
from components.data.metrics import METRIC_NAMES
from components.data.results_file import ResultFileError, decode_result_file, results_frame
from components.domain import Note

# The sample in OpenAI's fine-tuning guide.
GUIDE_SAMPLE = (
    "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,1.52347,0.0,,\n2,0.57719,0.0,,\n"
)


def test_plain_csv_is_returned_as_is() -> None:
    raw = GUIDE_SAMPLE.encode()
    assert decode_result_file(raw) is raw  # bytes, not copied: pandas parses them as they are


def test_bom_and_leading_whitespace_are_stripped() -> None:
    assert decode_result_file(b"\xef\xbb\xbf \n" + GUIDE_SAMPLE.encode()) == GUIDE_SAMPLE.encode()


def test_base64_with_line_breaks_is_decoded() -> None:
    encoded = base64.encodebytes(GUIDE_SAMPLE.encode() * 3)  # wrapped every 76 characters
    assert b"\n" in encoded.strip()

    assert decode_result_file(encoded) == (GUIDE_SAMPLE * 3).encode()


def test_base64_of_a_bom_prefixed_csv_is_decoded() -> None:
    encoded = base64.b64encode("\ufeff".encode() + GUIDE_SAMPLE.encode())

    assert decode_result_file(encoded).startswith(b"step,train_loss")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"<html>502 Bad Gateway</html>", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe\x00", id="binary"),
        pytest.param(base64.b64encode(b'{"error": "not a csv"}'), id="base64-of-json"),
        pytest.param(base64.b64encode(b"\xff\xfe\x00\x01"), id="base64-of-binary"),
        pytest.param(base64.b64encode(GUIDE_SAMPLE.encode())[:-2], id="base64-bad-padding"),
        pytest.param(b"c3RlcCw*" + base64.b64encode(GUIDE_SAMPLE.encode()), id="base64-stray-character"),
    ],
)
def test_undecodable_bodies_raise(raw: bytes) -> None:
    with pytest.raises(ResultFileError, match="neither CSV nor base64-encoded CSV"):
        decode_result_file(raw)


def test_guide_sample_maps_to_the_schema() -> None:
    frame = results_frame(GUIDE_SAMPLE)

    assert list(frame.columns) == ["step", *METRIC_NAMES]
    assert frame["step"].dtype == "int64"
    assert all(frame[name].dtype == "float64" for name in METRIC_NAMES)
    assert frame["step"].tolist() == [1, 2]
    assert frame["train_loss"].tolist() == [1.52347, 0.57719]
    assert frame["train_mean_token_accuracy"].tolist() == [0.0, 0.0]
    # Empty cells and absent columns are NaN, never 0.
    assert frame[["valid_loss", "valid_mean_token_accuracy", "full_valid_loss"]].isna().all().all()


def test_base64_round_trip() -> None:
    encoded = base64.encodebytes(GUIDE_SAMPLE.encode())

    pd.testing.assert_frame_equal(results_frame(decode_result_file(encoded)), results_frame(GUIDE_SAMPLE))


def test_azure_column_names() -> None:
    text = (
        "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
        "full_valid_loss,full_valid_mean_token_accuracy\n"
        "1,2.0,0.5,2.1,0.4,,\n"
        "10,1.0,0.7,1.2,0.6,1.1,0.65\n"
    )
    frame = results_frame(text)

    assert list(frame.columns) == ["step", *METRIC_NAMES]
    assert frame["valid_mean_token_accuracy"].tolist() == [0.4, 0.6]
    assert frame.loc[1, "full_valid_mean_token_accuracy"] == 0.65
    assert math.isnan(frame.loc[0, "full_valid_loss"])


@pytest.mark.parametrize(
    ("header", "metric"),
    [
        ("Train_Accuracy", "train_mean_token_accuracy"),
        (" validation_loss ", "valid_loss"),
        ("valid_accuracy", "valid_mean_token_accuracy"),
        ("VALIDATION_ACCURACY", "valid_mean_token_accuracy"),
        ("full_validation_loss", "full_valid_loss"),
        ("full_validation_mean_token_accuracy", "full_valid_mean_token_accuracy"),
        ("full_valid_accuracy", "full_valid_mean_token_accuracy"),
    ],
)
def test_column_variants_are_normalised(header: str, metric: str) -> None:
    frame = results_frame(f" Step ,{header}\n1,0.25\n")

    assert frame.loc[0, metric] == 0.25
    assert header not in frame.columns


def test_two_columns_for_one_metric_keep_the_first() -> None:
    frame = results_frame("step,train_accuracy,train_mean_token_accuracy\n1,0.1,0.9\n")

    assert frame.columns.tolist().count("train_mean_token_accuracy") == 1
    assert frame.loc[0, "train_mean_token_accuracy"] == 0.1


def test_extra_numeric_columns_are_kept_after_the_schema() -> None:
    text = (
        "step,train_loss,train_mean_reward,valid_loss,full_valid_mean_reward,run_name,flag,nothing\n"
        "1,0.7,0.1,,,alpha,True,\n"
        "2,0.6,0.3,0.65,0.2,beta,False,\n"
    )
    frame = results_frame(text)

    assert list(frame.columns) == ["step", *METRIC_NAMES, "train_mean_reward", "full_valid_mean_reward"]
    assert frame["train_mean_reward"].dtype == "float64"
    assert frame["train_mean_reward"].tolist() == [0.1, 0.3]
    assert math.isnan(frame.loc[0, "full_valid_mean_reward"])


def test_trailing_comma_adds_no_column() -> None:
    frame = results_frame("step,train_loss,\n1,0.5,\n")

    assert list(frame.columns) == ["step", *METRIC_NAMES]


def test_bad_steps_are_dropped_and_duplicates_keep_the_last() -> None:
    text = "step,train_loss\n3,0.3\n,0.9\nabc,0.8\n1,0.1\n2.5,0.7\n3,0.33\n2.0,0.2\ninf,0.6\n"
    frame = results_frame(text)

    assert frame["step"].tolist() == [1, 2, 3]
    assert frame["train_loss"].tolist() == [0.1, 0.2, 0.33]
    assert frame.index.tolist() == [0, 1, 2]


def test_non_numeric_metric_cells_become_nan() -> None:
    frame = results_frame("step,train_loss,valid_loss\n1,oops,0.4\n2,0.5,\n")

    assert math.isnan(frame.loc[0, "train_loss"])
    assert frame["train_loss"].dtype == "float64"
    assert frame["valid_loss"].tolist()[0] == 0.4


def test_header_only_file_is_an_empty_frame_with_the_schema() -> None:
    frame = results_frame("step,train_loss,train_accuracy\n")

    assert frame.empty
    assert list(frame.columns) == ["step", *METRIC_NAMES]
    assert frame["step"].dtype == "int64"
    assert frame["train_loss"].dtype == "float64"


@pytest.mark.parametrize("text", ["train_loss,valid_loss\n0.5,0.6\n", "", "\n"])
def test_a_file_without_a_step_column_raises(text: str) -> None:
    with pytest.raises(ResultFileError):
        results_frame(text)


def test_steps_outside_the_bound_are_left_out_with_a_note() -> None:
    notes: list[Note] = []
    text = "step,train_loss\n1,0.1\n1e20,0.2\n-4,0.3\n1000000001,0.4\n2,0.5\nabc,0.6\n,0.7\n"

    frame = results_frame(text, notes=notes)

    # 1e20 used to become a negative int64 step; empty steps are simply absent, not counted.
    assert frame["step"].tolist() == [1, 2]
    assert frame["train_loss"].tolist() == [0.1, 0.5]
    assert [note.text for note in notes] == [
        "Left out 4 result-file rows without a usable step (a whole number from 0 to 1,000,000,000)."
    ]


def test_a_column_named_twice_is_refused_by_name() -> None:
    with pytest.raises(ResultFileError, match="names the column 'train_loss' twice"):
        results_frame("step,train_loss,x,train_loss\n1,0.5,1,0.4\n")


@pytest.mark.parametrize(
    ("header", "says"),
    [
        # 80,000 duplicate names (160 KB) took pandas 73 s to rename; a million columns 111 s and 3.2 GB.
        (b"step," + b",".join([b"a"] * 80_000), "more than 10,000 columns"),
        (b"step," + b",".join(b"c%d" % i for i in range(10**6)), "longer than 512 KB"),
        (b"step," + b",".join([b"a"] * 5_000), "names the column 'a' twice"),
        (b'step,"train\nloss"', "not one line"),
    ],
)
def test_a_hostile_header_is_refused_before_pandas_reads_it(header: bytes, says: str) -> None:
    with pytest.raises(ResultFileError, match=says):
        results_frame(header + b"\n1,0.5\n")


def test_empty_names_are_not_duplicates() -> None:
    frame = results_frame("step,train_loss,,\n1,0.5,,\n")
    assert list(frame.columns) == ["step", *METRIC_NAMES]


def test_blank_lines_are_never_counted_as_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_file, "MAX_RESULT_ROWS", 10)
    notes: list[Note] = []
    frame = results_frame("step,train_loss\n" + "\n" * 30 + "1,0.5\n", notes=notes)
    assert frame["step"].tolist() == [1]
    assert [note.text for note in notes] == [
        "The result file has 33 lines, more than the 10 the dashboard keeps: read 1 step in 4, its epoch "
        "ends and its last step (1 row)."
    ]
    notes.clear()
    assert results_frame("step,train_loss\n" + "\n" * 30, notes=notes).empty and notes == []


def test_a_long_file_keeps_one_step_in_n_its_epoch_ends_and_its_last_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(results_file, "MAX_RESULT_ROWS", 10)
    rows = [f"{step},{step / 100},{0.5 if step in (11, 14) else ''}" for step in range(1, 26)]
    notes: list[Note] = []

    frame = results_frame("step,train_loss,full_valid_loss\n" + "\n".join(rows) + "\n", notes=notes)

    # 26 newlines + 1 = 27 lines at most, so 1 row in ceil(27 / 10) = 3 is read: data rows 0, 3, …, 24
    # (steps 1, 4, …, 25, the last step among them). Of the two epoch ends (steps 11 and 14) the tenth of the
    # cap (1 row) keeps step 11; step 14 was not on the stride.
    assert frame["step"].tolist() == [1, 4, 7, 10, 11, 13, 16, 19, 22, 25]
    assert frame.loc[frame["step"] == 11, "full_valid_loss"].item() == 0.5
    assert [note.text for note in notes] == [
        "The result file has 25 rows, more than the 10 the dashboard keeps: read 1 step in 3, its epoch "
        "ends and its last step (10 rows)."
    ]


def test_the_last_step_survives_thinning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_file, "MAX_RESULT_ROWS", 10)
    text = "step,train_loss\n" + "".join(f"{step},0.5\n" for step in range(1, 24))

    # 24 newlines + 1 = 25 lines: 1 row in 3, rows 0, 3, …, 21 (steps 1 … 22), then step 23 as the last.
    assert results_frame(text)["step"].tolist() == [1, 4, 7, 10, 13, 16, 19, 22, 23]


def test_every_extra_column_is_read_under_its_name_up_to_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    extras = [f"reward_{i}" for i in range(12)]
    notes: list[Note] = []
    text = "step," + ",".join(extras) + "\n1," + ",".join("0.5" for _ in extras) + "\n"

    frame = results_frame(text, notes=notes)

    assert list(frame.columns) == ["step", *METRIC_NAMES, *extras] and notes == []
    sparse = "step,a,b,c\n1,0.5,,0.1\n2,0.4,,0.2\n3,,0.3,0.3\n"
    monkeypatch.setattr(metric_columns, "MAX_METRIC_COLUMNS", 2)
    frame = results_frame(sparse, notes=notes)
    assert list(frame.columns) == ["step", *METRIC_NAMES, "a", "c"]  # b has the fewest values
    assert [note.text for note in notes] == [
        "The result file has 3 metrics, more than the 2 the dashboard keeps: left out the 1 with the fewest "
        "values."
    ]


def test_legacy_gpt3_columns_are_read() -> None:
    text = (
        "step,elapsed_tokens,elapsed_examples,training_loss,training_sequence_accuracy,"
        "training_token_accuracy,validation_loss,validation_sequence_accuracy,validation_token_accuracy\n"
        "1,2048,8,1.5,0.0,0.61,1.7,0.0,0.58\n2,4096,16,1.2,0.125,0.66,,,\n"
    )

    frame = results_frame(text)

    assert frame["train_loss"].tolist() == [1.5, 1.2]
    assert frame["train_mean_token_accuracy"].tolist() == [0.61, 0.66]
    assert frame["valid_loss"].iloc[0] == 1.7 and frame["valid_mean_token_accuracy"].iloc[0] == 0.58
    assert frame["training_sequence_accuracy"].tolist() == [0.0, 0.125]
    assert frame["validation_sequence_accuracy"].iloc[0] == 0.0
    assert frame["elapsed_tokens"].tolist() == [2048, 4096] and frame["elapsed_examples"].tolist() == [8, 16]


def test_a_number_too_long_for_a_float_is_missing_not_a_crash() -> None:
    huge = "1" + "0" * 400  # pandas reads it as a Python int, which pd.to_numeric cannot make a float
    notes: list[Note] = []

    frame = results_frame(f"step,train_loss\n1,{huge}\n{huge},0.5\n2,0.2\n", notes=notes)

    assert frame["step"].tolist() == [1, 2]
    assert not math.isfinite(frame.loc[0, "train_loss"]) and frame.loc[1, "train_loss"] == 0.2
    assert [note.text for note in notes] == [
        "Left out 1 result-file row without a usable step (a whole number from 0 to 1,000,000,000)."
    ]
