"""Recording answers over real HTTP into a real SQLite archive: 50 validation examples × 3 models recorded,
then the stand-in refuses every model and the set is still shown, scored and exported with no request; a
recording stopped part-way asks only what is missing when resumed; every answer keeps how it was asked;
a replacement through an OpenAI-compatible endpoint is stored beside the recorded models, and its key
goes to that endpoint only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from components.api import make_http_client
from components.domain.answers import AnswerParams, RecordedAnswer, SetPrompt
from components.export.answer_sets import read_set_jsonl, set_jsonl
from components.inference import model_menu, read_validation_set, sample_examples
from components.inference.recording import (
    estimate_pending,
    new_set,
    record,
    replacement_model,
    set_csv,
    set_model,
    set_results,
    set_summary,
    validation_prompts,
)
from components.inference.service import compat_chat
from components.settings import compat_endpoint
from components.sources import open_source
from components.store import ArchiveStore, Viewer, forget_stores, open_store, resolve_store
from components.store.answer_sets import AnswerStore
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run
from devtools.standin.chat import answer as standin_answer
from tests.inference.conftest import OpenChat
from tests.validation_oracle import token_f1

JOB = "ftjob-recorded"
OWNER = "owner-test"
VIEWER = Viewer(frozenset({OWNER}))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ArchiveStore]:
    config = resolve_store({"DASHBOARD_STORE": str(tmp_path / "archive.sqlite3")}, {})
    assert config is not None
    opened = open_store(config)
    yield opened
    opened.engine.dispose()
    forget_stores()


def _recorded_set(standin: StandInServer, open_chat_for: OpenChat, n: int, models: int) -> tuple:
    """The run, a new set of ``n`` sampled validation examples × the run's last ``models`` models, the chat
    client and the models' names."""
    standin.add_run(make_run(JOB))
    chat, config = open_chat_for("openai")
    source = open_source(config)
    run = source.load_run(JOB)
    menu = model_menu(run, source.info)
    chosen = [set_model(choice, "openai", config.api.display_base_url) for choice in menu.choices[-models:]]
    examples = sample_examples(read_validation_set(chat.api, run).examples, n, seed=3, most=500)
    params = AnswerParams(temperature=0.0, max_tokens=64, seed=11)
    answer_set = new_set(run, "Validation sample", validation_prompts(examples), chosen, params)
    return answer_set, chat


def test_fifty_examples_by_three_models_survive_the_models_refusing_everything(
    standin: StandInServer, open_chat_for: OpenChat, store: ArchiveStore
) -> None:
    answer_set, chat = _recorded_set(standin, open_chat_for, 50, 3)
    answers = AnswerStore(store)
    answers.create(answer_set, OWNER)
    standin.reset_log()
    progress = []
    outcome = record(
        chat,
        answer_set.missing(),
        answer_set.params,
        lambda answer: answers.put_answers(answer_set.set_id, [answer]),
        on_progress=progress.append,
    )
    assert (outcome.done, outcome.total, outcome.failed) == (150, 150, 0)
    assert [p.done for p in progress] == list(range(1, 151))
    assert standin.count("chat") == 150
    bodies = [request.json() for request in standin.requests]
    assert {(b["temperature"], b["max_completion_tokens"], b["seed"], b.get("stream")) for b in bodies} == {
        (0.0, 64, 11, None)
    }

    # From now on no model answers, and nothing may be asked.
    for model in answer_set.models:
        standin.add_chat_faults(model.model, [Fault("chat", "status", status=404, times=None)])
    standin.reset_log()

    kept = answers.load(answer_set.set_id, VIEWER)
    assert kept is not None and kept.answered == 150 and not kept.missing()
    results = set_results(kept)
    for row in results.itertuples():
        model = next(m for m in kept.models if m.label == row.model_label)
        said = standin_answer(model.model, [{"role": "user", "content": row.question}])
        assert row.answer == said
        assert row.token_f1 == pytest.approx(token_f1(said, row.expected))
    summary = set_summary(results).set_index("model_label")
    assert summary.loc["All models", "answered"] == 150
    jsonl = set_jsonl(kept)
    lines = jsonl.decode().splitlines()
    assert len(lines) == 150
    for line in lines:
        example = json.loads(line)
        assert set(example) == {"messages", "metadata"}
        roles = [message["role"] for message in example["messages"]]
        assert roles[-1] == "assistant" and "user" in roles
    assert read_set_jsonl(jsonl) == kept
    assert set_csv(kept).count("\r\n") == 151
    assert standin.requests == []  # shown, scored and exported: not one request


def test_a_recording_stopped_part_way_asks_only_what_is_missing(
    standin: StandInServer, open_chat_for: OpenChat, store: ArchiveStore
) -> None:
    answer_set, chat = _recorded_set(standin, open_chat_for, 10, 3)
    answers = AnswerStore(store)
    answers.create(answer_set, OWNER)
    standin.reset_log()
    kept: list[RecordedAnswer] = []

    class ClosedError(Exception):
        """The browser tab closed: the script stops while answers are in flight."""

    def keep_then_stop(answer: RecordedAnswer) -> None:
        if len(kept) == 12:
            raise ClosedError
        answers.put_answers(answer_set.set_id, [answer])
        kept.append(answer)

    with pytest.raises(ClosedError):
        record(chat, answer_set.missing(), answer_set.params, keep_then_stop)
    first = standin.count("chat")
    assert 13 <= first <= 30  # the twelve kept, the one that stopped it, and those in flight then
    stored = answers.load(answer_set.set_id, VIEWER)
    assert stored is not None and stored.answered == 12
    missing = stored.missing()
    assert len(missing) == 18
    assert estimate_pending(missing, 64).requests == 18
    standin.reset_log()
    record(chat, missing, answer_set.params, lambda answer: answers.put_answers(answer_set.set_id, [answer]))
    asked = {(r.json()["model"], r.json()["messages"][-1]["content"]) for r in standin.requests}
    assert len(standin.requests) == 18
    assert asked == {(model.model, prompt.messages[-1]["content"]) for model, prompt in missing}
    done = answers.load(answer_set.set_id, VIEWER)
    assert done is not None and done.answered == 30 and not done.missing()


def test_a_failed_answer_is_kept_with_its_error_and_asked_again_on_resume(
    standin: StandInServer, open_chat_for: OpenChat, store: ArchiveStore
) -> None:
    answer_set, chat = _recorded_set(standin, open_chat_for, 4, 2)
    final = answer_set.models[-1]
    hostile = "Boom <script>alert(1)</script> sk-test-standin"
    standin.add_chat_faults(final.model, [Fault("chat", "status", status=400, times=4, message=hostile)])
    answers = AnswerStore(store)
    answers.create(answer_set, OWNER)
    keep = lambda answer: answers.put_answers(answer_set.set_id, [answer])  # noqa: E731
    outcome = record(chat, answer_set.missing(), answer_set.params, keep)
    assert outcome.failed == 4
    stored = answers.load(answer_set.set_id, VIEWER)
    assert stored is not None
    failed = [a for a in stored.answers if not a.ok]
    assert len(failed) == 4 and all(a.status == 400 and a.error_kind == "status" for a in failed)
    assert all(DEFAULT_API_KEY not in (a.error or "") for a in failed)  # redacted by the client
    assert "failed" not in set_jsonl(stored).decode() and len(set_jsonl(stored).splitlines()) == 4
    standin.reset_log()
    record(chat, stored.missing(), answer_set.params, keep)
    assert standin.count("chat") == 4
    again = answers.load(answer_set.set_id, VIEWER)
    assert again is not None and again.answered == 8 and again.failed == 0


class _Redirecting(BaseHTTPRequestHandler):
    """An endpoint that sends every request elsewhere (``server.target``), and one that records what came."""

    def do_POST(self) -> None:
        self.server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        target = self.server.target  # type: ignore[attr-defined]
        self.send_response(307 if target else 200)
        if target:
            self.send_header("Location", f"{target}/v1/chat/completions")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def redirecting() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    servers = []
    for target in (None, "x"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
        server.seen, server.target = [], target  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    elsewhere, endpoint = servers
    endpoint.target = f"http://127.0.0.1:{elsewhere.server_address[1]}"  # type: ignore[attr-defined]
    yield endpoint, elsewhere
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_replacement_answers_the_set_through_the_compatible_endpoint(
    standin: StandInServer, open_chat_for: OpenChat, store: ArchiveStore
) -> None:
    answer_set, chat = _recorded_set(standin, open_chat_for, 5, 1)
    answers = AnswerStore(store)
    answers.create(answer_set, OWNER)
    keep = lambda answer: answers.put_answers(answer_set.set_id, [answer])  # noqa: E731
    record(chat, answer_set.missing(), answer_set.params, keep)
    standin.add_models("local-llama")
    api = compat_endpoint(
        {"DASHBOARD_COMPAT_BASE_URL": standin.base_url, "DASHBOARD_COMPAT_API_KEY": DEFAULT_API_KEY}, {}
    )
    assert api is not None
    local = replacement_model("local-llama", "compatible", api.display_base_url)
    answers.add_models(answer_set.set_id, [local])
    stored = answers.load(answer_set.set_id, VIEWER)
    assert stored is not None
    standin.reset_log()
    with make_http_client(api.base_url, read_timeout=5, max_retries=0) as http:
        record(compat_chat(api, http), stored.missing((local,)), answer_set.params, keep)
    assert standin.count("chat") == 5
    assert {r.headers["authorization"] for r in standin.requests} == {f"Bearer {DEFAULT_API_KEY}"}
    both = answers.load(answer_set.set_id, VIEWER)
    assert both is not None and [m.kind for m in both.models] == ["base", "replacement"]
    summary = set_summary(set_results(both)).set_index("model_label")
    assert summary.loc["Replacement: local-llama", "answered"] == 5


def test_the_compatible_endpoints_key_never_follows_a_redirect(redirecting: tuple) -> None:
    endpoint, elsewhere = redirecting
    base = f"http://127.0.0.1:{endpoint.server_address[1]}/v1"
    api = compat_endpoint(
        {"DASHBOARD_COMPAT_BASE_URL": base, "DASHBOARD_COMPAT_API_KEY": "sk-local-secret"}, {}
    )
    assert api is not None
    model = replacement_model("any", "compatible", api.display_base_url)
    prompt = SetPrompt("upload:1", ({"role": "user", "content": "hi"},))
    kept: list[RecordedAnswer] = []
    with make_http_client(api.base_url, read_timeout=5, max_retries=0) as http:
        record(compat_chat(api, http), [(model, prompt)], AnswerParams(), kept.append)
    assert [h.get("Authorization") for h in endpoint.seen] == ["Bearer sk-local-secret"]
    assert elsewhere.seen == []  # the redirect was not followed: the key went nowhere else
    assert kept[0].error is not None and kept[0].status == 307
