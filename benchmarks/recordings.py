"""Recording answers: requests and time for 50 validation examples × 3 models against the stand-in, each
answer stored in the archive as it arrives; then reading, scoring and exporting the set with no request.

Run from the repo root: ``python benchmarks/recordings.py``. It serves the stand-in API on loopback and uses a
SQLite file in a temporary folder (and a throwaway PostgreSQL server when Debian's binaries are installed).
Timings are ratios against a baseline measured in the same run: one answer asked alone (median of 20), times
150 answers, over the 4 requests in flight at once (what perfect concurrency with free storage would take).
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.api import make_http_client  # noqa: E402
from components.domain.answers import AnswerParams, AnswerSet, RecordedAnswer, SetModel, SetPrompt  # noqa: E402
from components.export.answer_sets import read_set_jsonl, set_jsonl  # noqa: E402
from components.inference import (  # noqa: E402
    DEFAULT_WORKERS,
    ChatClient,
    ChatRequest,
    model_menu,
    open_chat,
    read_validation_set,
    sample_examples,
)
from components.inference.recording import (  # noqa: E402
    new_set,
    record,
    set_csv,
    set_model,
    set_results,
    set_summary,
    validation_prompts,
)
from components.sources import open_source, resolve_sources  # noqa: E402
from components.store import StoreConfig, Viewer, forget_stores, open_store  # noqa: E402
from components.store.answer_sets import AnswerStore  # noqa: E402
from devtools.bench import bench_stores  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run  # noqa: E402

JOB = "ftjob-bench-recording"
EXAMPLES, MODELS = 50, 3
BASELINE_REPEATS = 20
LATENCIES = (0.0, 0.05)
"""Seconds the stand-in takes per answer: at once (what the dashboard itself costs), and like a fast model."""
OWNER = "bench"


def _seconds(start: float) -> float:
    return time.perf_counter() - start


@dataclass
class Measured:
    single: float = 0.0  # one answer alone
    unstored: float = 0.0  # 150 answers asked, none stored
    recording: float = 0.0  # 150 answers asked, each stored as it arrives
    storing: list[float] = field(default_factory=list)  # each answer's write
    requests: int = 0
    failed: int = 0
    offline: float = 0.0  # read back, scored and exported
    offline_requests: int = 0
    sizes: tuple[int, int] = (0, 0)  # JSONL, CSV bytes

    @property
    def ideal(self) -> float:
        return self.single * EXAMPLES * MODELS / DEFAULT_WORKERS


def _baseline(chat: ChatClient, model: SetModel, prompt: SetPrompt) -> float:
    one = ChatRequest(model.model, prompt.messages, 0.0, 64, stream=False, seed=0)
    times = []
    for _ in range(BASELINE_REPEATS):
        start = time.perf_counter()
        assert chat.answer(one).ok
        times.append(_seconds(start))
    return statistics.median(times)


def _record(
    server: StandInServer, chat: ChatClient, answers: AnswerStore, answer_set: AnswerSet, out: Measured
) -> None:
    start = time.perf_counter()
    record(chat, answer_set.missing(), answer_set.params, lambda _answer: None)
    out.unstored = _seconds(start)
    server.reset_log()

    write = answers.writer(answer_set.set_id)

    def keep(answer: RecordedAnswer) -> None:
        begun = time.perf_counter()
        write(answer)
        out.storing.append(_seconds(begun))

    start = time.perf_counter()
    out.failed = record(chat, answer_set.missing(), answer_set.params, keep).failed
    out.recording = _seconds(start)
    out.requests = server.count("chat")


def _offline(server: StandInServer, answers: AnswerStore, answer_set: AnswerSet, out: Measured) -> None:
    for model in answer_set.models:  # every model refuses from now on
        server.add_chat_faults(model.model, [Fault("chat", "status", status=404, times=None)])
    server.reset_log()
    start = time.perf_counter()
    kept = answers.load(answer_set.set_id, Viewer(frozenset({OWNER})))
    assert kept is not None
    summary = set_summary(set_results(kept))
    jsonl, csv = set_jsonl(kept), set_csv(kept)
    out.offline = _seconds(start)
    assert read_set_jsonl(jsonl) == kept and len(summary) == MODELS + 1
    out.offline_requests, out.sizes = len(server.requests), (len(jsonl), len(csv))


def bench(server: StandInServer, config: StoreConfig) -> Measured:
    registry = resolve_sources({"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}, {})
    source_config = registry.get("openai")
    assert source_config is not None and source_config.api is not None
    out = Measured()
    with make_http_client(source_config.api.base_url, read_timeout=30, max_retries=2) as http:
        chat, source = open_chat(source_config, http), open_source(source_config, http)
        run = source.load_run(JOB)
        endpoint = source_config.api.display_base_url
        models = [set_model(c, "openai", endpoint) for c in model_menu(run, source.info).choices[-MODELS:]]
        prompts = validation_prompts(sample_examples(read_validation_set(chat.api, run).examples, EXAMPLES))
        out.single = _baseline(chat, models[0], prompts[0])
        store = open_store(config)
        answers = AnswerStore(store)
        answer_set = new_set(run, "bench", prompts, models, AnswerParams(0.0, 64, 0))
        answers.create(answer_set, OWNER)
        _record(server, chat, answers, answer_set, out)
        _offline(server, answers, answer_set, out)
        store.engine.dispose()
    return out


def report(name: str, out: Measured) -> None:
    print(f"\n{name}: {EXAMPLES} examples × {MODELS} models, {DEFAULT_WORKERS} at a time")
    print(f"  one answer alone (median of {BASELINE_REPEATS}): {out.single * 1000:.1f} ms")
    print(
        f"  recording: {len(out.storing)} answers ({out.failed} failed) in {out.recording:.2f} s, "
        f"{out.requests} requests: {out.recording / out.ideal:.2f}× the ideal {out.ideal:.2f} s "
        f"(one answer × 150 / {DEFAULT_WORKERS})"
    )
    print(
        f"  of which storing each answer as it arrived: {sum(out.storing):.2f} s "
        f"({statistics.median(out.storing) * 1000:.1f} ms each); the same answers asked, none stored: "
        f"{out.unstored:.2f} s ({out.unstored / out.ideal:.2f}× the ideal)"
    )
    print(
        f"  read back, scored and exported (JSONL {out.sizes[0] / 1000:.0f} kB, CSV "
        f"{out.sizes[1] / 1000:.0f} kB) with every model refusing: {out.offline * 1000:.0f} ms, "
        f"{out.offline_requests} requests"
    )


def _slow_models(server: StandInServer, seconds: float) -> None:
    """Every model of the benchmark's run takes ``seconds`` to answer, as a fast local model would."""
    run = make_run(JOB)
    models = [run.job["model"], run.job["fine_tuned_model"]]
    models += [checkpoint["fine_tuned_model_checkpoint"] for checkpoint in run.checkpoints]
    for model in models:
        server.add_chat_faults(model, [Fault("chat", "hang", times=None, hang_seconds=seconds)])


def main() -> None:
    with StandInServer() as server, bench_stores() as found:
        for latency in LATENCIES:
            for name, config in found:
                server.reset()
                server.add_run(make_run(JOB))
                if latency:
                    _slow_models(server, latency)
                when = f"answers in {latency * 1000:.0f} ms" if latency else "answers at once"
                report(f"{name}, {when}", bench(server, config))
                forget_stores()


if __name__ == "__main__":
    main()
