"""The demo job's models answer from built-in examples, without a network, the same every time; its
validation file reads and scores like a real job's."""

from __future__ import annotations

import socket

import pytest

from components.demo.chat import demo_answer
from components.inference import (
    ChatRequest,
    answer_all,
    model_menu,
    open_chat,
    prompt_messages,
    read_validation_set,
    requests_for,
    run_validation,
    sample_examples,
    token_f1,
)
from components.sources import open_source, resolve_sources


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket the demo tried to open would fail the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def demo():
    registry = resolve_sources({}, {})
    assert registry.is_demo
    config = registry.configs[0]
    source = open_source(config)
    run = source.load_run("ftjob-demo")
    return open_chat(config), run, model_menu(run, source.info)


def test_the_demo_models_answer_side_by_side_without_a_network(demo, no_network: None) -> None:
    chat, _, menu = demo
    assert [choice.label for choice in menu.choices] == [
        "Checkpoint at step 240",
        "Checkpoint at step 360",
        "Checkpoint at step 480",
        "Final model",
        "Base model (before fine-tuning)",
    ]
    question = prompt_messages("My refund never arrived on my card.")
    streamed = answer_all(chat, requests_for([choice.model for choice in menu.choices], question))
    unstreamed = answer_all(
        chat, requests_for([choice.model for choice in menu.choices], question, stream=False)
    )
    assert [a.text for a in streamed] == [a.text for a in unstreamed]  # the same answer every time
    assert all(a.ok and a.usage_reported for a in streamed)
    assert streamed[0].text == "billing: the message mentions refund"
    assert streamed[-1].text == "This looks like a billing question."


def test_the_final_model_answers_as_the_last_checkpoint(demo) -> None:
    chat, _, menu = demo
    last, final = menu.choices[2], menu.choices[3]
    validation = read_validation_set(chat.api, demo[1])
    for example in validation.examples:
        assert demo_answer(last.model, list(example.prompt)) == demo_answer(final.model, list(example.prompt))


def test_the_demo_validation_run_scores_what_its_answers_deserve(demo, no_network: None) -> None:
    chat, run, menu = demo
    validation = read_validation_set(chat.api, run)
    assert len(validation.examples) == 24 and validation.skipped == 0
    examples = sample_examples(validation.examples, 10)
    result = run_validation(chat, examples, menu.choices)
    for choice in menu.choices:
        answers = [demo_answer(choice.model, list(example.prompt)) for example in examples]
        exact = sum(a == e.expected for a, e in zip(answers, examples, strict=True)) / 10
        f1 = sum(token_f1(a, e.expected) for a, e in zip(answers, examples, strict=True)) / 10
        row = result.summary[result.summary["model"] == choice.model].iloc[0]
        assert (row["exact_match"], row["token_f1"]) == (pytest.approx(exact), pytest.approx(f1))
    base = result.summary[result.summary["model_label"].str.startswith("Base")].iloc[0]
    assert base["exact_match"] == 0  # the base model explains instead of routing


def test_the_demo_refuses_a_model_it_does_not_have(demo) -> None:
    chat, _, _ = demo
    got = chat.answer(ChatRequest("gpt-5", prompt_messages("hello")))
    assert got.error is not None and got.error.status == 404
