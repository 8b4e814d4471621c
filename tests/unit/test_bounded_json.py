"""A JSON run file is bounded before it is parsed: a text of more values than the dashboard reads is refused
without building them (32 MB of empty log entries became 10 million dicts, 1.1 GB), while an honest
trainer_state.json, indented as the Trainer writes it, stays well inside the bound."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from components.data import trainer_state
from components.data.trainer_state import (
    MAX_JSON_VALUES,
    TrainerStateError,
    json_values_bound,
    load_json_object,
)
from components.domain import RunRef
from components.sources.run_files import Origin, run_from_bytes
from devtools.trainer_runs import trainer_state as honest_state

ORIGIN = Origin(RunRef("upload", "trainer_state-0123456789"), "Uploaded files", "trainer_state.json")


def _empty_entries(count: int) -> bytes:
    return b'{"log_history": [' + b"{}," * (count - 1) + b"{}]}"


def test_many_empty_entries_are_refused_before_they_are_parsed() -> None:
    data = _empty_entries(4_000_000)  # 12 MB; parsed whole it would be 4 million dicts (about 300 MB)
    tracemalloc.start()
    try:
        with pytest.raises(TrainerStateError, match="more than 3,000,000 JSON values"):
            run_from_bytes(data, ORIGIN)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("text", "values"),
    [(b"{}", 1), (b'{"a": [1, 2, {"b": null}]}', 7), (b'"a,b:c"', 1)],
)
def test_the_bound_never_understates(text: bytes, values: int) -> None:
    assert json_values_bound(text) >= values


def test_an_honest_state_at_the_file_limit_is_inside_the_bound() -> None:
    state = honest_state(n_steps=2_000, logging_steps=1)
    one = json.dumps(state, indent=2, sort_keys=True).encode()
    per_byte = json_values_bound(one) / len(one)
    assert per_byte * 32_000_000 < MAX_JSON_VALUES  # the largest file read (DASHBOARD_MAX_FILE_MB) fits


def test_a_text_over_the_bound_says_so_and_one_under_it_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer_state, "MAX_JSON_VALUES", 10)
    assert load_json_object(b'{"a": [1, 2, 3]}', "file") == {"a": [1, 2, 3]}
    with pytest.raises(TrainerStateError, match="more than 10 JSON values"):
        load_json_object(b'{"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}', "file")
