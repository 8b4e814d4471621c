"""Recorded sets as files: the chat JSONL opens back as the same set (a property, over generated sets, with
any text), failed answers are left out of it, a prompt file is read and bounded line by line, a hostile file
is a message naming the line, and the CSV runs no formula."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.domain.answers import AnswerParams, AnswerSet, RecordedAnswer, SetModel, SetPrompt
from components.export.answer_sets import (
    MAX_PROMPTS,
    SetFileError,
    parse_prompt_file,
    read_set_jsonl,
    set_jsonl,
)
from components.export.download import ExportFormat, answer_sets_in, export_file
from components.export.json_file import runs_from_export, to_export
from components.export.parquet_file import runs_from_parquet
from components.inference.recording import set_csv

WHEN = pd.Timestamp("2026-12-01 09:30:00.5", tz="UTC")
text = st.text(max_size=40)
role = st.sampled_from(["system", "developer", "user", "assistant"])


@st.composite
def prompts(draw: st.DrawFn) -> tuple[SetPrompt, ...]:
    keys = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=6, unique=True))
    found = []
    for line in keys:
        before = draw(st.lists(st.fixed_dictionaries({"role": role, "content": text}), max_size=3))
        messages = (*before, {"role": "user", "content": draw(text)})
        expected = draw(st.none() | text)
        found.append(
            SetPrompt(f"{draw(st.sampled_from(['validation', 'upload']))}:{line}", messages, expected)
        )
    return tuple(found)


@st.composite
def answer_sets(draw: st.DrawFn) -> AnswerSet:
    asked = draw(prompts())
    names = draw(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4, unique=True))
    kinds = st.sampled_from(["checkpoint", "final", "base", "replacement"])
    models = tuple(
        SetModel(
            name, f"Model {i}", draw(kinds), draw(st.sampled_from(["openai", "compatible"])), "http://h/v1",
            draw(st.none() | st.integers(0, 10**6)), draw(st.none() | st.text(max_size=10)),
        )
        for i, name in enumerate(names)
    )  # fmt: skip
    seed = draw(st.none() | st.integers(-(2**40), 2**40))
    params = AnswerParams(draw(st.none() | st.floats(0, 2)), draw(st.none() | st.integers(1, 4096)), seed)
    answers = tuple(
        RecordedAnswer(
            prompt.key, model.key, draw(text), WHEN + pd.Timedelta(microseconds=draw(st.integers(0, 10**9))),
            draw(st.floats(0, 100)), params, finish_reason=draw(st.none() | st.sampled_from(["stop"])),
            tokens_in=draw(st.none() | st.integers(0, 99)), tokens_out=draw(st.none() | st.integers(0, 99)),
            usage_reported=draw(st.booleans()), request_id=draw(st.none() | st.text(max_size=20)),
        )
        for model in models
        for prompt in asked
    )  # fmt: skip
    return AnswerSet(
        draw(st.text(min_size=1, max_size=16)),
        "openai-ftjob-x",
        draw(text),
        WHEN,
        params,
        asked,
        models,
        answers,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_every_line_is_a_chat_example_and_the_file_opens_back_as_the_same_set(answer_set: AnswerSet) -> None:
    data = set_jsonl(answer_set)
    lines = data.decode().splitlines()  # the file is ASCII: no line separator hides in a string
    assert len(lines) == len(answer_set.answers)
    for line in lines:
        example = json.loads(line)
        assert example["messages"][-1]["role"] == "assistant"
        assert all(set(message) == {"role", "content"} for message in example["messages"])
    assert read_set_jsonl(data) == answer_set.in_order()


def _set_with_a_failure() -> AnswerSet:
    prompt = SetPrompt("upload:1", ({"role": "user", "content": "=1+1"},), "2")
    other = SetPrompt("upload:2", ({"role": "user", "content": "hello"},), None)
    good = SetModel("m-good", "Good", "final", "openai")
    bad = SetModel("m-bad", "Bad", "checkpoint", "openai")
    answers = (
        RecordedAnswer("upload:1", good.key, '=HYPERLINK("http://x")', WHEN, 0.1),
        RecordedAnswer("upload:2", good.key, "hi", WHEN, 0.1),
        RecordedAnswer("upload:1", bad.key, "", WHEN, 0.1, error="-boom", error_kind="status", status=500),
    )
    return AnswerSet("s1", "r", "n", WHEN, AnswerParams(), (prompt, other), (good, bad), answers)


def test_failed_answers_stay_out_of_the_training_file_and_one_model_can_be_taken_alone() -> None:
    answer_set = _set_with_a_failure()
    assert len(set_jsonl(answer_set).splitlines()) == 2
    assert set_jsonl(answer_set, "openai|m-bad") == b""
    back = read_set_jsonl(set_jsonl(answer_set))
    assert back.models == answer_set.models[:1] and back.answered == 2


def test_the_csv_keeps_the_error_and_runs_no_formula() -> None:
    rows = list(csv.DictReader(io.StringIO(set_csv(_set_with_a_failure()))))
    assert len(rows) == 3
    assert rows[0]["answer"] == '\'=HYPERLINK("http://x")' and rows[0]["question"] == "'=1+1"
    assert rows[2]["error"] == "'-boom" and rows[2]["exact_match"] == ""
    assert rows[0]["exact_match"] == "False" and rows[1]["token_f1"] == ""  # no expected answer, no score


def _line(messages: list, **extra: object) -> str:
    return json.dumps({"messages": messages, **extra})


def test_a_prompt_file_gives_prompts_and_expected_answers() -> None:
    data = "\n".join(
        [
            _line([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]),
            "",
            _line(
                [
                    {"role": "user", "content": [{"type": "text", "text": "2+2?"}]},
                    {"role": "assistant", "content": "4"},
                ]
            ),
        ]
    ).encode("utf-8-sig")
    parsed = parse_prompt_file(data)
    assert [p.key for p in parsed.prompts] == ["upload:1", "upload:3"]
    assert parsed.prompts[0].expected is None and parsed.prompts[1].expected == "4"
    assert parsed.prompts[1].messages == ({"role": "user", "content": "2+2?"},)
    assert parsed.with_expected == 1


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "Line 1 is not valid JSON"),
        (b"[]", "Line 1 cannot be read"),
        (_line([{"role": "tool", "content": "x"}]).encode(), "role is not one of"),
        (_line([{"role": "assistant", "content": "x"}]).encode(), "no user message"),
        (_line([{"role": "user", "content": "x" * 100_001}]).encode(), "longer than"),
        (b"\n\n", "holds no prompt"),
        (
            ("\n".join([_line([{"role": "user", "content": "q"}])] * (MAX_PROMPTS + 1))).encode(),
            "more than 500",
        ),
    ],
)
def test_a_bad_prompt_file_is_a_message_naming_the_line(data: bytes, said: str) -> None:
    with pytest.raises(SetFileError, match=said):
        parse_prompt_file(data)


def test_a_set_file_from_elsewhere_is_refused_with_its_line() -> None:
    good = set_jsonl(_set_with_a_failure()).decode().splitlines()
    with pytest.raises(SetFileError, match=r"Line 1 .*no metadata"):
        read_set_jsonl(
            _line([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]).encode()
        )
    tampered = json.loads(good[1])
    tampered["metadata"]["set"]["id"] = "another"
    with pytest.raises(SetFileError, match=r"Line 2 .*another set"):
        read_set_jsonl((good[0] + "\n" + json.dumps(tampered)).encode())
    twice = (good[0] + "\n" + good[0]).encode()
    with pytest.raises(SetFileError, match="twice"):
        read_set_jsonl(twice)
    hostile = json.loads(good[0])
    hostile["metadata"]["answer"]["tokens_in"] = -1
    with pytest.raises(SetFileError, match="tokens in"):
        read_set_jsonl(json.dumps(hostile).encode())


# ---- In the run file (the export document, version 2) ------------------------------------------------------


def _demo_run():
    from components.sources.demo import demo_source

    return demo_source().load_run("ftjob-demo")


@pytest.mark.parametrize("prefer", [ExportFormat.JSON, ExportFormat.PARQUET])
def test_the_run_file_carries_the_sets_whole_failures_included(prefer: ExportFormat) -> None:
    run, answer_set = _demo_run(), _set_with_a_failure()
    exported = export_file(
        run, prefer, answer_sets=[answer_set, replace(answer_set, set_id="s2", answers=())]
    )
    sets = answer_sets_in(exported.data)
    assert sets == (answer_set.in_order(), replace(answer_set, set_id="s2", answers=()))
    assert sets[0].failed == 1 and sets[0].answer("openai|m-bad", "upload:1").error == "-boom"
    read = runs_from_parquet if prefer is ExportFormat.PARQUET else runs_from_export
    [back] = read(exported.data)
    assert back.history.equals(run.history) and back.summary == run.summary


def test_an_export_of_version_1_still_opens_and_carries_no_sets() -> None:
    document = json.loads(to_export(_demo_run()))
    assert document["version"] == 2 and "answer_sets" not in document  # none given, none written
    document["version"] = 1
    old = json.dumps(document).encode()
    assert answer_sets_in(old) == ()
    [run] = runs_from_export(old)
    assert run.summary.ref.run_id == "ftjob-demo"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda body: body["answers"][0].update(model=9), "names no model"),
        (lambda body: body["answers"].append(dict(body["answers"][0])), "there twice"),
        (lambda body: body["prompts"][0]["messages"][0].update(role="tool"), "role is not one of"),
        (lambda body: body.update(created_at="yesterday"), "set time is not a time"),
        (lambda body: body["answers"][0].update(status="500"), "status is not a count"),
    ],
)
def test_a_hostile_set_in_a_run_file_is_a_message(change: Any, said: str) -> None:
    document = json.loads(to_export(_demo_run(), [_set_with_a_failure()]))
    change(document["answer_sets"][0])
    with pytest.raises(
        SetFileError, match=f"A recorded answer set of the export file cannot be read: .*{said}"
    ):
        answer_sets_in(json.dumps(document).encode())
