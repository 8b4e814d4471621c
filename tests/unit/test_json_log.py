"""A JSON Lines training log read column by column (Arrow, ``json_lines.flat_frame``) reads as it does line by
line: the same frame, total, end and notes for any lines, well-formed or not; and lines Arrow would misread
or crash on (nested, escaped, non-finite, unfinished) are never given to it."""

from __future__ import annotations

import json
import string

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.json_lines import flat_frame, json_lines
from components.data.llamafactory_log import LLAMAFACTORY_RECORDS, read_llamafactory_log
from components.data.log_read import step_or_none
from components.data.step_records import step_records_frame
from components.domain.note import Note

WHAT = "trainer_log.jsonl"
RENAMED = {"accuracy": "rewards/accuracies"}
KEYS = (
    "current_steps",
    "total_steps",
    "loss",
    "eval_loss",
    "accuracy",
    "rewards/accuracies",
    "lr",
    "grad_norm",
    "elapsed_time",
    "odd key!",
)


def _line_by_line(data: bytes) -> tuple[pd.DataFrame, int | None, bool, list[Note]]:
    """The reader as it was before Arrow: ``json.loads`` of each line, the records merged by step."""
    notes: list[Note] = []
    records = [{RENAMED.get(k, k): v for k, v in r.items()} for r in json_lines(data, WHAT, notes)]
    history = step_records_frame(records, LLAMAFACTORY_RECORDS, notes=notes, what=WHAT)
    last = records[-1] if records else {}
    total = step_or_none(last.get("total_steps")) or None
    current = step_or_none(last.get("current_steps"))
    return history, total, total is not None and current is not None and current >= total, notes


def _assert_read_as_line_by_line(data: bytes) -> None:
    notes: list[Note] = []
    try:
        history, total, ended, plain_notes = _line_by_line(data)
    except ValueError as exc:  # a lone surrogate in a string: pandas' strings refuse it (a note on the page)
        with pytest.raises(type(exc)):
            read_llamafactory_log(data, notes)
        return
    read = read_llamafactory_log(data, notes)
    pd.testing.assert_frame_equal(read.history, history)
    assert (read.total_steps, read.ended, notes) == (total, ended, plain_notes)


ANY_VALUE = st.one_of(
    st.integers(-5, 2_000),
    st.integers(),
    st.floats(),  # NaN and infinities included: Python writes NaN, Infinity, -Infinity
    st.text(max_size=4),
    st.text(string.digits + ".e-", max_size=4),  # numeric strings, read as numbers for a metric
    st.none(),
    st.booleans(),
    st.just({}),
    st.just({"a": 1}),
    st.lists(st.integers(), max_size=2),
)
RECORD_LINE = st.dictionaries(st.sampled_from(KEYS), ANY_VALUE, max_size=6).map(json.dumps)
JUNK_LINE = st.one_of(
    st.text('{}[]":,\\ NaIfinty0123456789.-e\t\r', max_size=24),
    st.just(""),
    st.just("   "),
    st.just('{"current_steps": 3, "loss": -NaN}'),
    st.just('{"current_steps": 3, "loss": Inf}'),
    st.just('{"current_steps": 3, "loss": 1}{"current_steps": 4}'),
    st.just('{"current_steps": 3, "current_steps": 4}'),
    st.just('{"current_steps": 5, "loss": 1e400}'),
    st.just('{"current_steps": 6, "elapsed_time": "\\ud800", "a\\u0000": 1, "\\u006c\\u006fss": 2}'),
    st.just('{"current_steps": 7, "\\udfff": 1}'),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(RECORD_LINE, JUNK_LINE), max_size=12), st.sampled_from(["\n", ""]))
def test_any_lines_read_as_line_by_line(lines: list[str], end: str) -> None:
    _assert_read_as_line_by_line(("\n".join(lines) + end).encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=12), max_size=6))
def test_any_bytes_read_as_line_by_line(lines: list[bytes]) -> None:
    _assert_read_as_line_by_line(b"\n".join([b'{"current_steps": 1, "loss": 2}', *lines, b""]))


# A flat log as LLaMA-Factory writes it: each key always of one kind, every line with its step.
FLAT_RECORD = st.fixed_dictionaries(
    {"current_steps": st.integers(0, 10**6)},
    optional={
        "total_steps": st.integers(0, 10**6),
        "loss": st.floats() | st.integers(),  # NaN, Infinity and -Infinity as Python writes them
        "eval_loss": st.floats(allow_nan=False, allow_infinity=False) | st.none(),
        "accuracy": st.floats(0, 1),
        "lr": st.floats(0, 1, allow_subnormal=True),
        "grad_norm": st.integers(-(2**63), 2**63 - 1),
        "elapsed_time": st.text(string.ascii_letters + ":0123456789 ", max_size=8),
        "odd key!": st.booleans(),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FLAT_RECORD, min_size=1, max_size=20))
def test_a_flat_log_is_read_by_arrow_as_line_by_line(records: list[dict]) -> None:
    data = "".join(json.dumps(record) + "\n" for record in records).encode()
    assert flat_frame(data) is not None
    _assert_read_as_line_by_line(data)


def test_keys_first_seen_past_arrows_first_block_keep_their_order() -> None:
    lines = []
    for step in range(60_000):  # 2.7 MB: Arrow reads it in blocks of 1 MB
        record: dict = {"current_steps": step, "loss": 1.0}
        if step >= 30_000:
            record["y"] = 2
        if step >= 40_000:
            record["z"] = 1.5
        if step == 50_000:
            record = {"w": 1, **record}
        lines.append(json.dumps(record) + "\n")
    data = "".join(lines).encode()
    assert list(flat_frame(data).columns) == ["current_steps", "loss", "y", "z", "w"]
    _assert_read_as_line_by_line(data)


def test_a_deep_nesting_never_reaches_arrow() -> None:
    """Arrow's parser recurses (it crashes the process at 100,000 levels); ``json.loads`` stops at its
    recursion limit and the line is left out."""
    depth = 200_000
    deep = [
        b'{"current_steps": 1, "a": ' + b'{"a": ' * depth + b"1" + b"}" * (depth + 1),
        b'{"current_steps": 2, "a": ' + b"[" * depth + b"]" * depth + b"}",
    ]
    for line in deep:
        data = line + b"\n" + b"1\n" * depth + b'{"current_steps": 3, "loss": 0.5}\n'
        assert flat_frame(data) is None
        _assert_read_as_line_by_line(data)
