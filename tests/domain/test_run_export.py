"""This tool's export: one run or a comparison as versioned JSON that reads back to the same curves and
numbers exactly, and that refuses anything else with an ExportError (never another exception)."""

from __future__ import annotations

import contextlib
import json
import math
import pickle
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.domain import Note, NoteKind, RunData, RunRef
from components.errors import DashboardError
from components.export.json_file import runs_from_export, to_export
from components.export.schema import FORMAT, VERSION, ExportError
from components.sources.demo import demo_source
from components.sources.run_files import Origin, run_from_trainer_state
from devtools.trainer_runs import trainer_state
from tests.domain.export_support import from_export

KEYS_THAT_MUST_NOT_LEAK = ("sk-", "api-key", "Authorization", "Bearer")


def demo_run() -> RunData:
    return demo_source().load_run("ftjob-demo")


def trainer_run() -> RunData:
    origin = Origin(RunRef("files", "sft-run-0123456789"), "Runs folder", "outputs/sft-run")
    return run_from_trainer_state(
        trainer_state(), origin, checkpoint_steps=[50, 100, 150, 200], model_prefix="outputs/sft-run/"
    )


def assert_same_run(back: RunData, run: RunData) -> None:
    pd.testing.assert_frame_equal(back.history, run.history, check_exact=True)
    pd.testing.assert_frame_equal(back.checkpoints, run.checkpoints, check_exact=True)
    assert back.summary == run.summary
    assert back.provenance == run.provenance
    assert (back.history_source, back.total_steps, [note.text for note in back.notes]) == (
        run.history_source,
        run.total_steps,
        [note.text for note in run.notes],  # files keep a note's text; it reads back as NoteKind.INFO
    )
    assert (back.unavailable, back.provider_best, back.is_partial) == (
        run.unavailable,
        run.provider_best,
        run.is_partial,
    )
    assert back.resume is None  # a load's resume state stays with the load


@pytest.mark.parametrize("make", [demo_run, trainer_run], ids=["openai-result-file", "trainer-state"])
def test_one_run_round_trips_exactly(make: Any) -> None:
    run = make()
    data = to_export(run)
    assert_same_run(from_export(data), run)
    document = json.loads(data)
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert not any(secret in data.decode() for secret in KEYS_THAT_MUST_NOT_LEAK)


@pytest.mark.parametrize("make", [demo_run, trainer_run], ids=["openai-result-file", "trainer-state"])
def test_runs_pickle_for_streamlits_cache(make: Any) -> None:
    run = make()
    back = pickle.loads(pickle.dumps(run))
    assert_same_run(replace(back, resume=None), run)


def test_special_floats_extras_and_missing_values_round_trip() -> None:
    run = demo_run()
    history = run.history.copy()
    history.loc[0, "train_loss"] = math.inf
    history.loc[1, "train_loss"] = -math.inf
    history.loc[2, "train_loss"] = -0.0
    history.loc[3, "train_loss"] = 5e-324  # the smallest float
    history.loc[4, "train_loss"] = 0.1 + 0.2  # not 0.3: every digit counts
    history["learning_rate"] = np.linspace(2e-5, 0, len(history))
    history.loc[5, "model"] = pd.NA
    run = replace(
        run, history=history, unavailable={"accuracy": "none logged"}, notes=(Note(NoteKind.INFO, "a note"),)
    )
    back = from_export(to_export(run))
    assert_same_run(back, run)
    assert math.copysign(1, back.history.loc[2, "train_loss"]) == -1
    assert back.history.loc[4, "train_loss"] == 0.1 + 0.2


def test_a_comparison_of_several_runs_reads_back_in_order() -> None:
    runs = [demo_run(), trainer_run()]
    data = to_export(runs)
    back = runs_from_export(data)
    assert len(back) == 2
    for one, other in zip(back, runs, strict=True):
        assert_same_run(one, other)
    with pytest.raises(ExportError, match="comparison of 2 runs"):
        from_export(data)


def test_a_newer_format_says_to_update() -> None:
    document = json.loads(to_export(demo_run()))
    document["version"] = VERSION + 1
    with pytest.raises(ExportError, match="newer version of the dashboard"):
        from_export(json.dumps(document).encode())


def _tampered(change: Any) -> bytes:
    document = json.loads(to_export(demo_run()))
    change(document)
    return json.dumps(document).encode()


def _column(document: dict, table: str, name: str) -> dict:
    return next(column for column in document["runs"][0][table]["columns"] if column["name"] == name)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(format="something-else"), "not this dashboard's export"),
        (lambda d: d.update(runs=[]), "1 to 50 runs"),
        (lambda d: d["runs"][0]["summary"].update(ref="openai:../x"), "address or status"),
        (lambda d: d["runs"][0]["summary"].update(status="exploded"), "address or status"),
        (lambda d: d["runs"][0]["history"].update(rows=10**9), "too large"),
        (lambda d: _column(d, "history", "step")["values"].append(1), "one value per row"),
        (lambda d: _column(d, "history", "step").update(type="float64"), "type it must have"),
        (lambda d: _column(d, "history", "train_loss")["values"].__setitem__(0, "0.5"), "non-number"),
        (lambda d: _column(d, "history", "train_loss")["values"].__setitem__(0, 10**400), "out of range"),
        (lambda d: _column(d, "history", "step")["values"].__setitem__(0, -1), "step outside"),
        (lambda d: _column(d, "checkpoints", "created_at")["values"].__setitem__(0, 2**70), "non-time"),
        (lambda d: d["runs"][0]["history"]["columns"].pop(), "lacks a column"),
        (lambda d: _column(d, "history", "model").update(name="<img src=x>"), "not a plain name"),
        (lambda d: d["runs"][0].update(history_source="somewhere"), "history source"),
        (lambda d: d["runs"][0]["summary"].update(created_at="yesterday"), "not a time"),
        (lambda d: d["runs"][0]["summary"]["hyperparameters"].update(n_epochs=True), "not a count"),
    ],
)
def test_a_tampered_export_is_refused_with_what_is_wrong(change: Any, says: str) -> None:
    with pytest.raises(ExportError, match=says):
        from_export(_tampered(change))


@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b'{"format": 1}', b"{" * 100_000])
def test_non_exports_are_refused(data: bytes) -> None:
    with pytest.raises(ExportError):
        from_export(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.lists(
        st.sampled_from(
            [
                "runs",
                0,
                "summary",
                "history",
                "checkpoints",
                "columns",
                1,
                "values",
                "provenance",
                "hyperparameters",
                "provider_best",
                "unavailable",
            ]
        ),
        min_size=1,
        max_size=5,
    ),
    value=json_values,
)
def test_any_change_to_an_export_reads_back_or_raises_our_error(path: list[Any], value: Any) -> None:
    document = json.loads(BASE_EXPORT)
    target: Any = document
    for key in path[:-1]:
        try:
            target = target[key]
        except (KeyError, IndexError, TypeError):
            return
    try:
        target[path[-1]] = value
    except (IndexError, TypeError):
        return
    with contextlib.suppress(DashboardError):  # anything else escaping fails the test
        runs_from_export(json.dumps(document).encode())


BASE_EXPORT = to_export(trainer_run())


def grpo_run() -> RunData:
    """An authentic GRPO trainer state: about 50 metrics under their logged names, history and checkpoints."""
    from tests.sources.test_trainer_fixtures import TRAINERS

    folder = TRAINERS / "grpo"
    origin = Origin(RunRef("files", "grpo-0123456789"), "Runs folder", "grpo")
    return run_from_trainer_state(
        json.loads((folder / "trainer_state.json").read_bytes()), origin, checkpoint_steps=[6, 12, 18, 24]
    )


def test_every_logged_metric_round_trips_in_both_export_formats() -> None:
    from components.export.parquet_file import to_parquet_export
    from tests.domain.export_support import read_export

    run = grpo_run()
    assert "rewards/reward_keyword/mean" in run.checkpoints
    more = {f"eval_task_{n}/score": np.linspace(0, 1, len(run.history)) for n in range(150)}
    wider = pd.concat([run.history, pd.DataFrame(more, index=run.history.index)], axis="columns")
    run = replace(run, history=wider)  # 200 metrics: the most a run keeps
    for data in (to_export(run), to_parquet_export(run)):
        (back,) = read_export(data)
        assert_same_run(back, run)


def test_an_export_written_before_step_only_still_opens() -> None:
    document = json.loads(to_export(demo_run()))
    columns = document["runs"][0]["checkpoints"]["columns"]
    document["runs"][0]["checkpoints"]["columns"] = [
        column for column in columns if column["name"] != "step_only"
    ]
    back = from_export(json.dumps(document).encode())
    assert (back.checkpoints["step_only"] == 0).all() and len(back.checkpoints) == len(demo_run().checkpoints)
