"""A validation run over real HTTP: the job's validation file read through the files API, ten examples
sampled with a fixed seed, three models asked, and scores that the test computes on its own."""

from __future__ import annotations

import csv
import io
import random

import pytest

from components.api import ResponseTooLargeError
from components.inference import (
    estimate_cost,
    model_menu,
    read_validation_set,
    run_validation,
    sample_examples,
)
from components.sources import open_source
from devtools.standin import Fault, StandInServer, make_growing_together_run, make_run, together_job_id
from devtools.standin.chat import answer, validation_examples
from tests.inference.conftest import OpenChat, ServeRun
from tests.validation_oracle import token_f1


@pytest.mark.parametrize("provider", ["openai", "together"])
def test_the_validation_scores_are_the_ones_the_test_computes(
    standin: StandInServer, open_chat_for: OpenChat, provider: str
) -> None:
    if provider == "together":
        job_id = together_job_id("validated")
        standin.add_run(make_growing_together_run(job_id, n_steps=120, n_epochs=3, done=90))
    else:
        job_id = "ftjob-validated"
        standin.add_run(make_run(job_id))
    chat, config = open_chat_for(provider)
    source = open_source(config)
    run = source.load_run(job_id)
    menu = model_menu(run, source.info)
    checkpoints = [choice for choice in menu.choices if choice.kind == "checkpoint"]
    chosen = [*checkpoints[:2], menu.choices[-1]]  # two checkpoints and the base model
    standin.reset_log()

    validation = read_validation_set(chat.api, run)
    assert [request.path.rsplit("/", 2)[-2] for request in standin.requests] == [run.summary.validation_file]
    assert len(validation.examples) == 60 and validation.skipped == 0
    examples = sample_examples(validation.examples, 10, seed=0)
    file_examples = validation_examples(job_id)
    picked = sorted(random.Random(0).sample(range(60), 10))
    assert [example.line for example in examples] == [index + 1 for index in picked]

    progress: list[tuple[int, int]] = []
    result = run_validation(
        chat, examples, chosen, on_progress=lambda done, total: progress.append((done, total))
    )
    assert progress == [(done, 30) for done in range(1, 31)]
    assert standin.count("chat") == 30

    for choice in chosen:
        rows = [
            (
                answer(choice.model, file_examples[index]["messages"][:-1]),
                file_examples[index]["messages"][-1]["content"],
            )
            for index in picked
        ]
        expected_exact = sum(said.strip() == wanted.strip() for said, wanted in rows) / len(rows)
        expected_f1 = sum(token_f1(said, wanted) for said, wanted in rows) / len(rows)
        [summary] = result.summary[result.summary["model"] == choice.model].to_dict("records")
        assert summary["answered"] == 10 and summary["errors"] == 0
        assert summary["exact_match"] == pytest.approx(expected_exact)
        assert summary["token_f1"] == pytest.approx(expected_f1)
    total = result.summary.iloc[-1]
    assert total["model_label"] == "All models" and total["answered"] == 30
    assert total["token_f1"] == pytest.approx(result.results["token_f1"].mean())


def test_failed_answers_are_counted_as_errors_not_as_wrong(
    standin: StandInServer, openai_run: ServeRun
) -> None:
    chat, source, run = openai_run("ftjob-errors")
    menu = model_menu(run, source.info)
    flaky = menu.choices[0]
    standin.add_chat_faults(
        flaky.model, [Fault("chat", "status", status=400, times=2, message="bad request")]
    )
    examples = sample_examples(read_validation_set(chat.api, run).examples, 5)
    result = run_validation(chat, examples, [flaky])
    row = result.summary.iloc[0]
    assert (row["answered"], row["errors"]) == (3, 2)
    answered = result.results[result.results["error"] == ""]
    assert row["exact_match"] == pytest.approx(answered["exact_match"].astype(float).mean())
    failed = result.results[result.results["error"] != ""]
    assert failed["exact_match"].isna().all() and "bad request" in failed["error"].iloc[0]


def test_the_cost_is_known_before_anything_is_sent(standin: StandInServer, openai_run: ServeRun) -> None:
    chat, _, run = openai_run("ftjob-cost")
    examples = sample_examples(read_validation_set(chat.api, run).examples, 10)
    standin.reset_log()
    cost = estimate_cost(examples, 3, max_tokens=8)
    assert standin.requests == []
    assert cost.requests == 30
    prompt = sum(4 + -(-len(m["content"]) // 4) for example in examples for m in example.prompt)
    assert cost.prompt_tokens == 3 * prompt
    assert cost.output_tokens == 3 * sum(min(8, -(-len(example.expected) // 4)) for example in examples)
    assert cost.max_output_tokens == 3 * 10 * 8 and "4 characters" in cost.how


def test_results_download_as_csv_that_no_spreadsheet_runs(openai_run: ServeRun) -> None:
    chat, source, run = openai_run("ftjob-csv")
    menu = model_menu(run, source.info)
    examples = sample_examples(read_validation_set(chat.api, run).examples, 3)
    result = run_validation(chat, examples, menu.choices[:1])
    rows = list(csv.DictReader(io.StringIO(result.csv())))
    assert len(rows) == 3 and rows[0]["model"] == menu.choices[0].model
    assert set(rows[0]) >= {"question", "expected", "answer", "exact_match", "token_f1", "error"}


def test_the_validation_file_is_read_within_its_byte_bound(
    standin: StandInServer, open_chat_for: OpenChat
) -> None:
    standin.add_run(make_run("ftjob-big-file"))
    chat, config = open_chat_for("openai", DASHBOARD_MAX_FILE_MB="0.001")  # 1,000 bytes; the file is ~12 kB
    run = open_source(config).load_run("ftjob-big-file")
    with pytest.raises(ResponseTooLargeError, match=r"larger than 0\.001 MB"):
        read_validation_set(chat.api, run)
