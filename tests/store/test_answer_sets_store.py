"""Recorded answer sets in the archive, on SQLite and on PostgreSQL: a set is stored whole, answers one by
one (a failed one replaced by a later success), read back exactly, and seen only by who may see it."""

from __future__ import annotations

import pandas as pd
import pytest

from components.domain.answers import AnswerParams, AnswerSet, RecordedAnswer, SetModel, SetPrompt
from components.store import ArchiveStore, StoreConfig, StoreError, Viewer, open_store
from components.store.answer_sets import AnswerStore
from components.store.engine import current_revision, make_engine, upgrade
from devtools.archive_runs import finished_run
from tests.store.old_rows import write_old_run

WHEN = pd.Timestamp("2026-12-01 10:00:00.123456", tz="UTC")


def _set(set_id: str = "set-1", run_key: str = "openai-ftjob-a") -> AnswerSet:
    prompts = (
        *(
            SetPrompt(
                f"validation:{line}",
                ({"role": "system", "content": "Add."}, {"role": "user", "content": f"What is {line}+1?"}),
                f"{line} plus 1 is {line + 1}.",
            )
            for line in (3, 7)
        ),
        SetPrompt("upload:1", ({"role": "user", "content": "Hi ünïcode \u202e"},), None),
    )
    models = (
        SetModel(
            "ft:gpt-4o-mini:o::x:ckpt-step-40",
            "Checkpoint at step 40",
            "checkpoint",
            "openai",
            "http://h/v1",
            40,
            "ckpt-1",
        ),
        SetModel("ft:gpt-4o-mini:o::x", "Final model", "final", "openai", "http://h/v1"),
    )
    return AnswerSet(
        set_id, run_key, "Validation, 2 examples", WHEN, AnswerParams(0.0, 64, 7), prompts, models
    )


def _answer(model: SetModel, prompt: SetPrompt, text: str = "ok", error: str | None = None) -> RecordedAnswer:
    return RecordedAnswer(
        prompt.key, model.key, text, WHEN, 0.25, AnswerParams(0.0, 64, 7), error=error,
        error_kind="status" if error else None, status=500 if error else None, request_id="req_1",
        finish_reason=None if error else "stop", tokens_in=12, tokens_out=None if error else 4,
        usage_reported=not error,
    )  # fmt: skip


def test_a_set_and_its_answers_read_back_exactly(store: ArchiveStore) -> None:
    answers = AnswerStore(store)
    recorded = _set()
    answers.create(recorded, "owner-a")
    first, final = recorded.models
    stored = [_answer(first, p, f"{p.key} by 40") for p in recorded.prompts] + [
        _answer(final, recorded.prompts[0], "", error="HTTP 500: boom")
    ]
    for answer in stored:  # one transaction each, as a recording writes them
        answers.put_answers(recorded.set_id, [answer])
    viewer = Viewer(frozenset({"owner-a"}))
    back = answers.load(recorded.set_id, viewer)
    assert back is not None
    assert back.prompts == recorded.prompts and back.models == recorded.models
    assert back.params == recorded.params and back.created_at == WHEN
    assert sorted(back.answers, key=lambda a: (a.model_key, a.prompt_key)) == sorted(
        stored, key=lambda a: (a.model_key, a.prompt_key)
    )
    assert (back.answered, back.failed, back.total) == (3, 1, 6)
    # Missing: the final model's failed answer and its two unasked ones.
    assert [(m.key, p.key) for m, p in back.missing()] == [(final.key, p.key) for p in recorded.prompts]
    [info] = answers.sets_of("openai-ftjob-a", viewer)
    assert (info.set_id, info.prompts, info.models, info.answered, info.failed) == ("set-1", 3, 2, 3, 1)


def test_a_later_answer_replaces_a_failed_one(store: ArchiveStore) -> None:
    answers = AnswerStore(store)
    recorded = _set()
    answers.create(recorded, "owner-a")
    final, prompt = recorded.models[1], recorded.prompts[0]
    answers.put_answers(recorded.set_id, [_answer(final, prompt, "", error="timeout")])
    answers.put_answers(recorded.set_id, [_answer(final, prompt, "1 plus 1")])
    back = answers.load(recorded.set_id, Viewer(frozenset({"owner-a"})))
    assert back is not None and [a.text for a in back.answers] == ["1 plus 1"] and back.failed == 0


def test_a_replacement_is_added_as_another_model(store: ArchiveStore) -> None:
    answers = AnswerStore(store)
    recorded = _set()
    answers.create(recorded, "owner-a")
    local = SetModel(
        "llama3.1:8b", "Replacement: llama3.1:8b", "replacement", "compatible", "http://127.0.0.1:11434/v1"
    )
    answers.add_models(recorded.set_id, [local, recorded.models[0]])  # the known one is left as it is
    answers.put_answers(recorded.set_id, [_answer(local, recorded.prompts[2], "hello")])
    back = answers.load(recorded.set_id, Viewer(frozenset({"owner-a"})))
    assert back is not None and back.models == (*recorded.models, local)
    assert back.answer(local.key, "upload:1") is not None


def test_an_answer_of_a_model_outside_the_set_is_refused(store: ArchiveStore) -> None:
    answers = AnswerStore(store)
    recorded = _set()
    answers.create(recorded, "owner-a")
    stranger = SetModel("gpt-x", "?", "base", "openai")
    with pytest.raises(StoreError):
        answers.put_answers(recorded.set_id, [_answer(stranger, recorded.prompts[0])])


def test_sets_are_seen_as_runs_are(store: ArchiveStore) -> None:
    answers = AnswerStore(store)
    answers.create(_set("mine"), "owner-a")
    answers.create(_set("theirs"), "owner-b")
    answers.create(_set("other-run", run_key="openai-ftjob-b"), "owner-a")
    mine = Viewer(frozenset({"owner-a"}))
    assert [info.set_id for info in answers.sets_of("openai-ftjob-a", mine)] == ["mine"]
    assert answers.load("theirs", mine) is None
    team = Viewer(frozenset(), shared=True)
    assert {info.set_id for info in answers.sets_of("openai-ftjob-a", team)} == {"mine", "theirs"}
    assert not answers.delete("theirs", mine) and answers.delete("mine", mine)
    assert answers.load("mine", mine) is None


def test_an_archive_of_revision_0002_gains_the_answer_tables_and_keeps_its_runs(
    store_config: StoreConfig,
) -> None:
    engine = make_engine(store_config)
    try:
        upgrade(engine, "0002")
        with engine.connect() as connection:
            assert current_revision(connection) == "0002"
            assert "answer_sets" not in engine.dialect.get_table_names(connection)
        run = finished_run("ftjob-before-answers")
        write_old_run(engine, run, "owner-a")
        store = open_store(store_config)  # migrates to the newest revision
        with store.engine.connect() as connection:
            assert current_revision(connection) == "0005"
        assert store.load(run.summary.ref, Viewer(frozenset({"owner-a"}))) is not None
        AnswerStore(store).create(_set(), "owner-a")
        assert AnswerStore(store).sets_of("openai-ftjob-a", Viewer(frozenset({"owner-a"})))
        store.engine.dispose()
    finally:
        engine.dispose()
