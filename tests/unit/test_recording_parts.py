"""The pure parts of recording answers: which models start picked, what a set is called and costs, how far
it is, what is missing, the key a run's sets are kept under, and the compatible endpoint's settings."""

from __future__ import annotations

import pandas as pd
import pytest

from components.api import BearerAuth, NoAuth
from components.domain import RunRef
from components.domain.answers import AnswerParams, AnswerSet, RecordedAnswer, SetModel, SetPrompt
from components.inference import ModelChoice, ModelMenu
from components.inference.recording import Progress, estimate_pending, run_key
from components.page.recordings import (
    default_record_models,
    missing_line,
    outcome_of,
    params_line,
    progress_text,
    set_name,
)
from components.settings import compat_endpoint, resolve_settings

CHOICES = (
    ModelChoice("m:ckpt-100", "checkpoint", "Checkpoint at step 100", 100, "c100"),
    ModelChoice("m:ckpt-200", "checkpoint", "Checkpoint at step 200", 200, "c200"),
    ModelChoice("m", "final", "Final model (step 300)", 300, "c300"),
    ModelChoice("base", "base", "Base model (before fine-tuning)"),
)


def test_the_recommended_checkpoint_and_the_final_model_start_picked() -> None:
    menu = ModelMenu(CHOICES, True)
    assert default_record_models(menu, "c100") == ["m:ckpt-100", "m"]
    assert default_record_models(menu, "c300") == ["m"]  # the recommended one is the final model
    assert default_record_models(menu, None) == ["m"]
    no_final = ModelMenu((*CHOICES[:2], CHOICES[3]), True)
    assert default_record_models(no_final, None) == ["m:ckpt-200"]  # the latest checkpoint instead


def test_a_runs_sets_have_one_key_from_its_provider_and_from_the_archive() -> None:
    assert run_key(RunRef("openai", "ftjob-abc")) == "openai-ftjob-abc"
    assert run_key(RunRef("archive", "openai-ftjob-abc")) == "openai-ftjob-abc"


def test_names_lines_and_outcomes_in_words() -> None:
    assert set_name(50, 0, 60, None, 0) == "Validation: 50 of 60 examples (seed 0)"
    assert set_name(60, 0, 60, "mine.jsonl", 3) == "Validation: all 60 examples + mine.jsonl: 3 prompts"
    assert params_line(AnswerParams()) == "Asked at temperature 0, max tokens 256, seed 0."
    assert (
        params_line(AnswerParams(None, None, None))
        == "Asked at temperature default, max tokens none, seed none."
    )
    assert progress_text(Progress(37, 150, 2)) == "37 of 150 answers · 2 failed"
    assert outcome_of(Progress(12, 12, 0)).text == "12 answers stored in the archive."
    assert outcome_of(Progress(8, 8, 3)).kind == "warning"


def test_the_cost_counts_only_what_is_pending_and_answers_at_most_max_tokens() -> None:
    prompt = SetPrompt("upload:1", ({"role": "user", "content": "x" * 40},), "y" * 400)
    bare = SetPrompt("upload:2", ({"role": "user", "content": "x" * 40},), None)
    model = SetModel("m", "M", "final", "openai")
    cost = estimate_pending([(model, prompt), (model, bare)], 64)
    assert (cost.requests, cost.prompt_tokens, cost.output_tokens, cost.max_output_tokens) == (
        2,
        28,
        128,
        128,
    )
    assert estimate_pending([], 64).requests == 0


def test_what_is_missing_after_a_stop() -> None:
    when = pd.Timestamp("2026-12-01", tz="UTC")
    prompts = tuple(SetPrompt(f"upload:{i}", ({"role": "user", "content": "q"},)) for i in range(3))
    models = (SetModel("a", "A", "final", "openai"), SetModel("b", "B", "base", "openai"))
    answers = (
        RecordedAnswer("upload:0", "openai|a", "x", when, 1.0),
        RecordedAnswer("upload:1", "openai|a", "", when, 1.0, error="boom"),
    )
    answer_set = AnswerSet("s", "r", "n", when, AnswerParams(), prompts, models, answers)
    assert [(m.model, p.key) for m, p in answer_set.missing()] == [
        ("a", "upload:1"), ("a", "upload:2"), ("b", "upload:0"), ("b", "upload:1"), ("b", "upload:2"),
    ]  # fmt: skip
    assert missing_line(answer_set) == (
        "5 answers of 6 still missing (1 failed): asking again sends only those; an answer already stored "
        "is never asked again."
    )


def test_the_compatible_endpoint_is_read_from_its_settings() -> None:
    assert compat_endpoint({}, {}) is None
    local = compat_endpoint({"DASHBOARD_COMPAT_BASE_URL": "http://127.0.0.1:11434/v1/"}, {})
    assert (
        local is not None and local.base_url == "http://127.0.0.1:11434/v1" and isinstance(local.auth, NoAuth)
    )
    keyed = compat_endpoint(
        {}, {"DASHBOARD_COMPAT_BASE_URL": "https://vllm.lan/v1", "DASHBOARD_COMPAT_API_KEY": "k"}
    )
    assert keyed is not None and keyed.auth == BearerAuth("k")
    assert "k" not in repr(keyed)


@pytest.mark.parametrize("url", ["ftp://host/v1", "http://user:pw@host/v1", "not a url"])
def test_a_wrong_compatible_endpoint_is_a_named_problem_and_the_rest_still_works(url: str) -> None:
    settings = resolve_settings({"DASHBOARD_COMPAT_BASE_URL": url, "DASHBOARD_STORE": "off"}, {})
    assert settings.compat is None
    [problem] = settings.problems
    assert problem.label == "OpenAI-compatible endpoint" and "DASHBOARD_COMPAT_BASE_URL" in problem.message
    assert "pw" not in problem.message
