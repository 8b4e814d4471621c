"""Chat completions over real HTTP against the stand-in: several checkpoints side by side with one failing,
streamed pieces in order, each provider's paths and bodies, bounds on streams, redaction, and nothing sent
without an explicit call."""

from __future__ import annotations

import math
import time

import pytest

from components.inference import (
    ChatEvent,
    ChatRequest,
    answer_all,
    iter_answers,
    model_menu,
    prompt_messages,
    requests_for,
)
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run
from devtools.standin.chat import answer, pieces
from tests.inference.conftest import OpenChat, ServeRun

QUESTION = prompt_messages("What is 41 plus 17?", system="Answer in one sentence.")


def _checkpoint_models(standin: StandInServer) -> list[str]:
    run = make_run("ftjob-try", kept_checkpoints=3)
    standin.add_run(run)
    return [checkpoint["fine_tuned_model_checkpoint"] for checkpoint in run.checkpoints]


def test_three_checkpoints_answer_side_by_side_and_one_failure_stays_its_own(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    models = _checkpoint_models(standin)
    standin.add_chat_faults(models[1], [Fault("chat", "status", status=500, times=None)])
    chat, _ = open_chat_for("openai")
    events: list[ChatEvent] = []
    answers = answer_all(chat, requests_for(models, QUESTION), on_event=events.append)
    assert [a.model for a in answers] == models
    for index in (0, 2):
        good = answers[index]
        assert good.ok and good.text == answer(models[index], QUESTION) and good.finish_reason == "stop"
        assert good.usage_reported and good.tokens_out == len(pieces(good.text)) and good.tokens_in > 0
        assert good.first_token_seconds is not None and 0 <= good.first_token_seconds <= good.total_seconds
        # The pieces arrived in order: their concatenation is the answer, word by word as the server sent it.
        deltas = [event.delta for event in events if event.index == index and not event.done]
        assert deltas == pieces(good.text)
    failed = answers[1]
    assert failed.error is not None and failed.error.kind == "status" and failed.error.status == 500
    assert "HTTP 500" in failed.error.message and failed.text == "" and failed.tokens_in is None
    assert standin.count("chat") == 2 + 3  # the failing one was tried three times (two retries)
    assert sum(event.done for event in events) == 3


def test_nothing_is_sent_until_the_answers_are_asked_for(
    standin: StandInServer, openai_run: ServeRun
) -> None:
    chat, source, run = openai_run("ftjob-quiet")
    standin.reset_log()
    menu = model_menu(run, source.info)
    requests = requests_for([choice.model for choice in menu.choices[:3]], QUESTION)
    pending = iter_answers(chat, requests)  # a generator: creating it sends nothing
    assert standin.requests == []
    assert len([event for event in pending if event.done]) == 3
    assert standin.count("chat") == 3 and len(standin.requests) == 3


def test_an_unstreamed_answer_has_its_usage_and_one_latency(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    [model, *_] = _checkpoint_models(standin)
    chat, _ = open_chat_for("openai")
    got = chat.answer(ChatRequest(model, QUESTION, temperature=0.2, max_tokens=3, stream=False))
    assert got.ok and not got.streamed and got.finish_reason == "length"
    assert got.text == "".join(pieces(answer(model, QUESTION))[:3]) and got.tokens_out == 3
    assert got.first_token_seconds == pytest.approx(got.total_seconds, abs=0.05)
    body = standin.requests[-1].json()
    assert body == {
        "messages": list(QUESTION),
        "model": model,
        "temperature": 0.2,
        "max_completion_tokens": 3,
    }


def test_a_streamed_request_asks_for_usage_where_the_provider_sends_it(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("user/model", provider="together")
    standin.add_models("plain-model")
    openai, _ = open_chat_for("openai")
    together, _ = open_chat_for("together")
    assert openai.answer(ChatRequest("plain-model", QUESTION, max_tokens=50)).usage_reported
    assert standin.requests[-1].json()["stream_options"] == {"include_usage": True}
    got = together.answer(ChatRequest("user/model", QUESTION, max_tokens=50))
    assert got.ok and got.usage_reported  # Together puts it on the finishing chunk unasked
    body = standin.requests[-1].json()
    assert standin.requests[-1].path == "/together/v1/chat/completions"
    assert "stream_options" not in body and body["max_tokens"] == 50


def test_azure_v1_names_the_deployment_in_the_body_and_dated_paths_in_the_path(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("ckpt-240-deployment", provider="azure")
    v1, _ = open_chat_for("azure")
    got = v1.answer(ChatRequest("ckpt-240-deployment", QUESTION))
    assert got.ok and got.text == answer("ckpt-240-deployment", QUESTION)  # past Azure's content-filter chunk
    request = standin.requests[-1]
    assert request.path == "/openai/v1/chat/completions" and request.json()["model"] == "ckpt-240-deployment"
    assert request.headers["api-key"] == DEFAULT_API_KEY and "authorization" not in request.headers
    dated, _ = open_chat_for("azure", OPENAI_API_VERSION="2024-10-21")
    got = dated.answer(ChatRequest("ckpt-240-deployment", QUESTION, max_tokens=40))
    request = standin.requests[-1]
    assert got.ok and request.path == "/openai/deployments/ckpt-240-deployment/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert "model" not in request.json() and request.json()["max_tokens"] == 40
    refused = dated.answer(ChatRequest("../other", QUESTION))  # never becomes a path
    assert refused.error is not None and refused.error.kind == "refused" and standin.count("chat") == 2


def test_without_usage_the_answer_is_counted(standin: StandInServer, open_chat_for: OpenChat) -> None:
    standin.add_models("m")
    standin.add_chat_faults("m", [Fault("chat", "no_usage", times=None)])
    chat, _ = open_chat_for("openai")
    got = chat.answer(ChatRequest("m", QUESTION))
    assert got.ok and not got.usage_reported
    assert got.tokens_out == len(pieces(got.text))  # one token per streamed piece
    assert got.tokens_in == sum(
        4 + math.ceil(len(text) / 4) for text in ("Answer in one sentence.", "What is 41 plus 17?")
    )


def test_a_stalled_stream_times_out_and_keeps_what_arrived(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("slow", "fast")
    standin.add_chat_faults("slow", [Fault("chat", "stall", after_chunks=2, hang_seconds=600)])
    chat, _ = open_chat_for("openai", OPENAI_TIMEOUT="0.5")
    started = time.monotonic()
    slow, fast = answer_all(chat, requests_for(["slow", "fast"], QUESTION))
    assert time.monotonic() - started < 5
    assert fast.ok and slow.error is not None and slow.error.kind == "timeout"
    assert "stopped sending the answer" in slow.error.message
    assert slow.text == "".join(pieces(answer("slow", QUESTION))[:2])


def test_a_stream_cannot_outlast_the_answer_deadline(standin: StandInServer, open_chat_for: OpenChat) -> None:
    standin.add_models("slow")
    standin.add_chat_faults("slow", [Fault("chat", "stall", after_chunks=1, hang_seconds=600)])
    chat, _ = open_chat_for("openai", DASHBOARD_INFERENCE_DEADLINE="0.5")
    started = time.monotonic()
    got = chat.answer(ChatRequest("slow", QUESTION))
    assert time.monotonic() - started < 5
    assert got.error is not None and "DASHBOARD_INFERENCE_DEADLINE" in got.error.message


def test_a_streamed_answer_counts_against_the_byte_limit(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("m")
    chat, _ = open_chat_for("openai", DASHBOARD_MAX_RESPONSE_MB="0.001")  # 1,000 bytes: a few chunks
    got = chat.answer(ChatRequest("m", QUESTION))
    assert got.error is not None and got.error.kind == "too_large" and "larger than" in got.error.message
    assert answer("m", QUESTION).startswith(got.text)  # what arrived within the limit is kept


@pytest.mark.parametrize("fault", ["drop_connection", "cut"])
def test_a_dropped_connection_is_that_answers_error(
    standin: StandInServer, open_chat_for: OpenChat, fault: str
) -> None:
    standin.add_models("flaky", "fine")
    standin.add_chat_faults("flaky", [Fault("chat", fault, after_chunks=2, times=None)])  # type: ignore[arg-type]
    chat, _ = open_chat_for("openai")
    flaky, fine = answer_all(chat, requests_for(["flaky", "fine"], QUESTION))
    assert fine.ok and flaky.error is not None and flaky.error.kind == "connection"


def test_an_error_in_the_middle_of_a_stream_keeps_the_text_so_far(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("m")
    standin.add_chat_faults("m", [Fault("chat", "stream_error", after_chunks=3, message="overloaded")])
    chat, _ = open_chat_for("openai")
    got = chat.answer(ChatRequest("m", QUESTION))
    assert got.error is not None and got.error.kind == "stream" and "overloaded" in got.error.message
    assert got.text == "".join(pieces(answer("m", QUESTION))[:3])


def test_keys_never_reach_an_answers_error(standin: StandInServer, open_chat_for: OpenChat) -> None:
    standin.add_models("echo", "echo-stream")
    leak = f"Your key {DEFAULT_API_KEY} is not allowed to use this model."
    standin.add_chat_faults("echo", [Fault("chat", "status", status=403, message=leak)])
    standin.add_chat_faults("echo-stream", [Fault("chat", "stream_error", after_chunks=1, message=leak)])
    chat, _ = open_chat_for("openai")
    for got in answer_all(chat, requests_for(["echo", "echo-stream"], QUESTION)):
        assert got.error is not None and DEFAULT_API_KEY not in got.error.message
        assert "[redacted" in got.error.message
    standin.add_models("x")
    wrong_key, _ = open_chat_for("openai", OPENAI_API_KEY="sk-wrong-key-1234567890")
    refused = wrong_key.answer(ChatRequest("x", QUESTION))
    assert refused.error is not None and refused.error.status == 401
    assert "sk-wro" not in refused.error.message and "1234567890" not in refused.error.message


def test_closing_the_iterator_early_stops_and_returns(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_models("a", "b", "c")
    chat, _ = open_chat_for("openai")
    pending = iter_answers(chat, requests_for(["a", "b", "c"], QUESTION), max_workers=1)
    first = next(pending)
    pending.close()  # the page was left: the rest is not asked
    assert first.index == 0 and standin.count("chat") <= 2
