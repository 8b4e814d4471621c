"""Validation examples and scores as pure functions: splitting chat examples, reading hostile files,
sampling with a seed, exact match and token F1 worked by hand, cost estimates, and menus of models."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from components.domain import Hyperparameters, RunRef, RunStatus, RunSummary
from components.errors import MalformedDataError
from components.inference import (
    MAX_EXAMPLES,
    ChatAnswer,
    ChatError,
    ValidationRun,
    estimate_cost,
    exact_match,
    model_menu,
    parse_validation_file,
    sample_examples,
    summarize,
    token_f1,
)
from components.inference.validation import Example, split_example
from components.sources.base import SourceInfo, SourceKind

SYSTEM = {"role": "system", "content": "Be brief."}
USER = {"role": "user", "content": "Capital of France?"}
ASSISTANT = {"role": "assistant", "content": "Paris."}


def _line(**example: object) -> bytes:
    return json.dumps(example).encode() + b"\n"


# --- splitting one example ------------------------------------------------------------------------------


def test_the_prompt_is_everything_before_the_last_assistant_message() -> None:
    earlier = [{"role": "user", "content": "Capital of Spain?"}, {"role": "assistant", "content": "Madrid."}]
    prompt, expected = split_example({"messages": [SYSTEM, *earlier, USER, ASSISTANT]})
    assert prompt == (SYSTEM, *earlier, USER) and expected == "Paris."


def test_extra_fields_are_dropped_and_text_parts_joined() -> None:
    parts = {
        "role": "user",
        "content": [
            {"type": "text", "text": "Capital "},
            {"type": "image_url"},
            {"type": "text", "text": "of France?"},
        ],
    }
    weighted = {"role": "assistant", "content": "Paris.", "weight": 1, "name": "bot"}
    prompt, expected = split_example({"messages": [parts, weighted]})
    assert prompt == ({"role": "user", "content": "Capital of France?"},) and expected == "Paris."


def test_a_preference_example_is_compared_with_its_preferred_answer() -> None:
    dpo = {
        "input": {"messages": [USER]},
        "preferred_output": [ASSISTANT],
        "non_preferred_output": [{"role": "assistant", "content": "Lyon."}],
    }
    assert split_example(dpo) == ((USER,), "Paris.")


@pytest.mark.parametrize(
    "example",
    [
        {"messages": [SYSTEM, USER]},  # nothing to compare (a reinforcement example)
        {"messages": [USER, {"role": "assistant", "content": "  "}]},  # an empty answer
        {"messages": [ASSISTANT]},  # no question
        {"messages": [USER, {"role": "tool", "content": "42", "tool_call_id": "x"}, ASSISTANT]},  # tools
        {"messages": "not a list"},
        {"input": {"messages": {"not": "a list"}}, "preferred_output": [ASSISTANT]},
        ["not", "an", "object"],
    ],
)
def test_what_is_not_a_chat_example_with_an_answer_is_none(example: object) -> None:
    assert split_example(example) is None


# --- reading a file -------------------------------------------------------------------------------------


def test_a_file_with_broken_lines_keeps_the_good_ones_and_says_which_were_skipped() -> None:
    good = _line(messages=[USER, ASSISTANT])
    data = b"\xef\xbb\xbf" + good + b"\n{broken\n" + _line(messages=[USER]) + good + b"   \n"
    parsed = parse_validation_file(data, file_id="file-v")
    assert [example.line for example in parsed.examples] == [1, 5]
    assert (parsed.lines, parsed.skipped, parsed.file_id) == (4, 2, "file-v")
    assert parsed.notes == (
        "Skipped 2 lines that are not a chat example with an answer to compare (line 3, 4).",
    )


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PAR1\x00\x01binary", "Parquet"),
        (b"\xff\xfe\x00broken", "not UTF-8"),
        (b'{"prompt": "old completions format", "completion": "x"}\n', "None of the 1 line"),
    ],
)
def test_a_file_that_is_no_chat_jsonl_is_a_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(MalformedDataError, match=says):
        parse_validation_file(data)


def test_sampling_is_the_same_every_time_in_file_order_and_bounded() -> None:
    examples = [Example(line, ({"role": "user", "content": str(line)},), "x") for line in range(1, 121)]
    first = sample_examples(examples, 10, seed=3)
    assert first == sample_examples(examples, 10, seed=3) and first != sample_examples(examples, 10, seed=4)
    assert [e.line for e in first] == sorted(e.line for e in first) and len(first) == 10
    assert len(sample_examples(examples, 500)) == MAX_EXAMPLES
    assert len(sample_examples(examples[:4], 10)) == 4 and sample_examples(examples, 0) == ()


# --- scores, worked by hand -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected", "exact", "f1"),
    [
        ("3 plus 4 is 7.", "3 plus 4 is 7.", True, 1.0),
        ("  3 plus 4 is 7.\n", "3 plus 4 is 7.", True, 1.0),  # whitespace around does not count
        ("3 plus 4 is 8.", "3 plus 4 is 7.", False, 0.8),  # 4 of 5 tokens each way
        ("The answer is 7.", "3 plus 4 is 7.", False, 2 * (2 / 4) * (2 / 5) / (2 / 4 + 2 / 5)),
        ("PARIS", "Paris.", False, 1.0),  # tokens are lower-cased, punctuation is not a token
        ("the the the", "the cat", False, 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2)),  # each counted once
        ("", "Paris.", False, 0.0),
        ("...", "!!!", False, 1.0),  # no tokens on either side
    ],
)
def test_exact_match_and_token_f1(answer: str, expected: str, exact: bool, f1: float) -> None:
    assert exact_match(answer, expected) is exact
    assert token_f1(answer, expected) == pytest.approx(f1)


def test_the_cost_estimate_by_hand() -> None:
    examples = [
        Example(
            1, ({"role": "system", "content": "12345678"}, {"role": "user", "content": "123"}), "1234567890"
        ),
        Example(2, ({"role": "user", "content": ""},), "12"),
    ]
    # prompts: (4 + 2) + (4 + 1) + (4 + 0) = 15 tokens; answers: ceil(10/4) + ceil(2/4) = 3 + 1 = 4
    cost = estimate_cost(examples, 2)
    assert (cost.requests, cost.prompt_tokens, cost.output_tokens, cost.max_output_tokens) == (4, 30, 8, None)
    capped = estimate_cost(examples, 2, max_tokens=2)
    assert (capped.output_tokens, capped.max_output_tokens) == (2 * (2 + 1), 2 * 2 * 2)


def test_a_summary_leaves_failed_answers_out_of_the_means() -> None:
    results = pd.DataFrame(
        {
            "model_label": ["A", "A", "A", "B"],
            "model": ["a", "a", "a", "b"],
            "exact_match": pd.array([True, False, pd.NA, True], dtype="boolean"),
            "token_f1": [1.0, 0.5, float("nan"), 1.0],
            "error": ["", "", "timed out", ""],
            "tokens_in": pd.array([10, 10, None, 10], dtype="Int64"),
            "tokens_out": pd.array([2, 3, None, 2], dtype="Int64"),
        }
    )
    summary = summarize(results).set_index("model_label")
    assert summary.loc["A", ["answered", "errors", "exact_match", "token_f1"]].tolist() == [2, 1, 0.5, 0.75]
    assert summary.loc["All models", ["answered", "errors", "tokens_in", "tokens_out"]].tolist() == [
        3,
        1,
        30,
        7,
    ]
    assert summary.loc["All models", "exact_match"] == pytest.approx(2 / 3)


def test_the_results_csv_never_runs_an_answer_as_a_formula() -> None:
    results = pd.DataFrame(
        {
            "model": ["m"],
            "answer": ['=HYPERLINK("http://evil.example","x")'],
            "token_f1": [-0.5],
            "error": [""],
        }
    )
    csv = ValidationRun(results, pd.DataFrame()).csv()
    assert "'=HYPERLINK" in csv and ",-0.5," in csv  # text made safe, numbers left as numbers


def test_an_answer_failing_before_it_started_cost_nothing() -> None:
    failed = ChatAnswer("m", error=ChatError("status", "no", 404))
    assert failed.tokens_in is None and not failed.ok


# --- which models a run offers --------------------------------------------------------------------------


def _info(name: str, inference: bool = True) -> SourceInfo:
    return SourceInfo(name, name, "endpoint", SourceKind.API if inference else SourceKind.FILES, inference)


def _run(status: RunStatus, checkpoints: list[tuple[int, str, str]], final: str | None, base: str | None):
    from components.data.checkpoints import checkpoints_frame
    from components.data.history import build_history
    from components.domain import HistorySource, Provenance, RunData

    frame = checkpoints_frame(
        [
            {"id": cid, "step_number": step, "fine_tuned_model_checkpoint": model}
            for step, cid, model in checkpoints
        ]
    )
    summary = RunSummary(
        RunRef("openai", "ftjob-x"),
        status,
        fine_tuned_model=final,
        base_model=base,
        hyperparameters=Hyperparameters(),
    )
    return RunData(
        summary,
        frame,
        build_history(frame),
        HistorySource.CHECKPOINTS,
        Provenance.now("openai", "OpenAI", "e"),
    )


def test_a_finished_run_offers_its_checkpoints_final_and_base_model_in_order() -> None:
    run = _run(
        RunStatus.SUCCEEDED,
        [
            (300, "c3", "ft:m:ckpt-step-300"),
            (100, "c1", "ft:m:ckpt-step-100"),
            (200, "c2", "ft:m:ckpt-step-200"),
        ],
        "ft:m",
        "gpt-4o-mini",
    )
    menu = model_menu(run, _info("openai"))
    assert menu.available and not menu.needs_deployment and menu.reason is None
    assert [(c.label, c.kind, c.step) for c in menu.choices] == [
        ("Checkpoint at step 100", "checkpoint", 100),
        ("Checkpoint at step 200", "checkpoint", 200),
        ("Checkpoint at step 300", "checkpoint", 300),
        ("Final model", "final", None),
        ("Base model (before fine-tuning)", "base", None),
    ]
    assert menu.by_model("ft:m:ckpt-step-200").checkpoint_id == "c2"


def test_a_checkpoint_that_is_the_final_model_is_offered_once() -> None:
    run = _run(RunStatus.SUCCEEDED, [(40, "j:40", "j:40"), (120, "j", "out")], "out", "llama")
    labels = [c.label for c in model_menu(run, _info("together")).choices]
    assert labels == ["Checkpoint at step 40", "Final model (step 120)", "Base model (before fine-tuning)"]


def test_a_running_job_has_no_final_model_yet() -> None:
    run = _run(RunStatus.RUNNING, [(40, "j:40", "j:40")], "out-named-early", "llama")
    assert [c.kind for c in model_menu(run, _info("together")).choices] == ["checkpoint", "base"]


def test_files_offer_nothing_and_azure_needs_deployments() -> None:
    run = _run(RunStatus.SUCCEEDED, [(100, "c1", "m:ckpt-step-100")], "m", "base")
    files = model_menu(run, _info("files", inference=False))
    assert not files.available and files.choices == () and files.reason.startswith("Runs opened from files")
    archived = model_menu(run, SourceInfo("archive", "Archive", "archive.sqlite3", SourceKind.ARCHIVE, False))
    assert not archived.available and archived.reason.startswith("A run opened from the archive")
    azure = model_menu(run, _info("azure"))
    assert azure.available and azure.needs_deployment and "deployment" in azure.reason
    assert azure.choices[0].deployed_as(" my-ckpt ").model == "my-ckpt"
    nothing = model_menu(_run(RunStatus.RUNNING, [], None, None), _info("openai"))
    assert not nothing.available and "no model" in nothing.reason
