"""The choice follows the run's purpose (issue 15): the metric a trainer state declares decides, else the
metric model's documented order; the reader may pick any metric, and says which way is better where the
name does not; the strip, table, panel and compare ranking follow the same decider.

Runs are the authentic trainer fixtures (tests/fixtures/trainers), read as the page reads them: the file
alone (upload) or the training output folder (DASHBOARD_RUNS_DIR).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from components.api import Limits
from components.charts.options import ViewOptions
from components.data.compare import default_compare_metric, run_result, verdict
from components.data.metric_model import Direction
from components.data.recommend import Basis, recommend
from components.domain import RunData, RunRef
from components.page import PageModel, build_page, prepare
from components.page.model import NO_DIRECTION
from components.page.recommendation import Tone, metric_phrase
from components.page.table import MAIN_METRICS
from components.sources import FilesSource
from components.sources.openai import OPENAI_CONVENTIONS
from components.sources.run_files import Origin, run_from_bytes

TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
ORIGIN = Origin(RunRef("upload", "trainer_state-0123456789"), "Uploaded files", "trainer_state.json")


def _uploaded(name: str) -> RunData:
    return run_from_bytes((TRAINERS / name / "trainer_state.json").read_bytes(), ORIGIN)


def _folder(name: str) -> RunData:
    folder = FilesSource(TRAINERS, Limits())
    return folder.load_run(next(run.run_id for run in folder.list_runs().runs if run.name == name))


def _page(run: RunData, options: ViewOptions | None = None, **choices: object) -> PageModel:
    return build_page(prepare(run), options or ViewOptions(), **choices)


@pytest.mark.parametrize(
    ("name", "metric", "step"),
    [
        ("classifier_f1", "eval_f1", 80),
        ("speech_like_wer", "eval_wer", 70),
        ("sft_two_eval_sets", "eval_chat_loss", 40),
        ("dpo", "eval_rewards/margins", 30),
        ("orpo", "full_valid_loss", 30),  # the Trainer's eval_loss, read as full validation loss
    ],
)
@pytest.mark.parametrize("read", [_uploaded, _folder])
def test_the_metric_the_trainer_declares_decides(read, name: str, metric: str, step: int) -> None:
    run = read(name)
    prepared = prepare(run)
    assert prepared.default_metric == metric and metric in prepared.metrics
    page = _page(run)
    assert page.strip is not None and (page.strip.metric, page.strip.step) == (metric, step)
    assert page.strip.basis is Basis.FULL_VALIDATION
    assert "best_metric" in page.strip.why  # the trainer state's own declaration, in words
    assert page.table is not None and page.table.decider == metric
    assert page.table.frame.loc[0, "best"] == "★" and page.table.frame.loc[0, "step"] == step
    assert page.provider_best is not None and "we recommend the same checkpoint" in page.provider_best


def test_rouge_l_decides_a_seq2seq_run_where_its_best_step_has_no_checkpoint() -> None:
    # best_metric 81.25 is eval_rougeL at step 70; the folder saved 20, 40, 60, 80 and step 80 equals it.
    for run, step in ((_uploaded("seq2seq_rouge"), 70), (_folder("seq2seq_rouge"), 80)):
        strip = _page(run).strip
        assert strip is not None and (strip.metric, strip.step) == ("eval_rougeL", step)
        assert strip.value == "81.2500"
        assert strip.decided_by == "Evaluation ROUGE-L"


def test_the_declared_direction_is_followed_higher_f1_and_lower_wer() -> None:
    f1 = _page(_folder("classifier_f1")).strip
    wer = _page(_folder("speech_like_wer")).strip
    assert f1 is not None and f1.reason.startswith("Highest evaluation F1")
    assert wer is not None and wer.reason.startswith("Lowest evaluation WER")


def test_a_named_evaluation_set_is_said_by_its_name() -> None:
    strip = _page(_uploaded("sft_two_eval_sets")).strip
    assert strip is not None and strip.decided_by == "Evaluation loss (chat set)"
    assert "held-out evaluation (the chat set)" in strip.advice or "still running" in strip.advice


def test_a_grpo_run_is_chosen_by_its_reward_and_says_why_not_its_loss() -> None:
    page = _page(_uploaded("grpo"))
    assert page.strip is not None and page.strip.metric in ("eval_reward", "reward")
    assert "loss is near zero by construction" in page.strip.why and page.strip.why_in_strip


def test_a_kto_run_without_a_declared_best_is_chosen_by_its_margins() -> None:
    page = _page(_uploaded("kto"))
    assert page.strip is not None and page.strip.metric == "eval_rewards/margins"
    assert "preference run" in page.strip.why


def test_the_reader_picks_eval_accuracy_and_the_strip_follows() -> None:
    run = _folder("classifier_f1")
    page = _page(run, ViewOptions(metric="eval_accuracy"))
    assert page.strip is not None and page.strip.metric == "eval_accuracy"
    assert page.strip.decided_by == "Evaluation accuracy" and "you chose it" in page.strip.why
    assert page.table is not None and page.table.decider == "eval_accuracy"
    assert page.comparison is not None and page.comparison.frame.columns[1] == "Evaluation accuracy"


def test_a_metric_of_unknown_direction_is_offered_and_decides_once_the_reader_says_which_way() -> None:
    run = _folder("classifier_f1")
    steps = run.checkpoints["step"]
    run = replace(run, checkpoints=run.checkpoints.assign(eval_mystery=1.0 - steps / 1000))
    prepared = prepare(run)
    assert "eval_mystery" in prepared.metrics and "eval_mystery" in prepared.unknown_direction
    asked = _page(run, ViewOptions(metric="eval_mystery"))
    assert asked.strip is None and asked.waiting == NO_DIRECTION.format(label="Evaluation mystery")
    lower = _page(run, ViewOptions(metric="eval_mystery"), direction=Direction.LOWER).strip
    higher = _page(run, ViewOptions(metric="eval_mystery"), direction=Direction.HIGHER).strip
    assert lower is not None and higher is not None
    assert (lower.step, higher.step) == (steps.max(), steps.min())


def test_a_rising_loss_never_vetoes_the_deciding_task_metric() -> None:
    run = _folder("speech_like_wer")
    prepared = prepare(run)
    decider = prepared.infos["eval_wer"]
    decider = replace(decider, direction=Direction.LOWER)
    advice = recommend(run.checkpoints, run.history, decider, spans=[(60, 80)])
    assert advice is not None and advice.step == 70 and advice.in_overfit_span and advice.band_overruled
    assert advice.deploy_advice == (
        "Evaluation loss rises from step 60 while evaluation WER still improves: the choice follows "
        "evaluation WER."
    )
    assert "overfitting band" not in advice.deploy_advice
    # By a loss, the band still vetoes.
    by_loss = recommend(run.checkpoints, run.history, "full_valid_loss", spans=[(0, 1000)])
    assert by_loss is not None and "Inside the overfitting band" in by_loss.deploy_advice


def test_a_result_file_without_full_validation_gets_its_best_validated_step() -> None:
    rows = "".join(
        f"{step},{2 - step / 100},{0.5 + step / 1000},{'' if step % 10 else 1.9 - abs(step - 60) / 100},"
        f"{'' if step % 10 else 0.55}\n"
        for step in range(1, 121)
    )
    data = ("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n" + rows).encode()
    run = run_from_bytes(data, ORIGIN)
    page = _page(run)
    assert page.waiting is None and page.strip is not None
    strip = page.strip
    assert strip.step_only and strip.model == "" and strip.snippet is None
    assert strip.title.startswith("Best validated step") and strip.metric == "valid_loss"
    assert "No checkpoint was saved at that step" in strip.reason


def test_the_compare_page_ranks_two_trainer_runs_by_their_shared_declared_metric() -> None:
    better = _folder("classifier_f1")
    checkpoints = better.checkpoints.assign(eval_f1=better.checkpoints["eval_f1"] - 0.1)
    worse = replace(better, checkpoints=checkpoints)
    runs = [worse, better]
    assert default_compare_metric(runs) == "eval_f1"
    results = [run_result(run, "eval_f1") for run in runs]
    decision = verdict(runs, results, "eval_f1")
    assert decision.metric == "eval_f1" and decision.best == better.summary.ref
    assert "highest evaluation F1" in decision.reason


def test_the_strip_tone_follows_the_task_metric_inside_the_band() -> None:
    page = _page(_folder("speech_like_wer"))
    assert page.strip is not None
    assert page.strip.tone is Tone.GO or "still running" in page.strip.advice
    assert isinstance(page.table.frame, pd.DataFrame)


def test_the_table_calls_no_checkpoint_overfit_where_the_deciding_task_metric_overrules_the_band() -> None:
    from components.data.overfitting import CheckpointVerdict

    run = _folder("speech_like_wer")
    prepared = replace(prepare(run), spans=((60.0, 80.0),))  # evaluation loss rising from step 60
    by_wer = build_page(prepared, ViewOptions(metric="eval_wer"))
    by_loss = build_page(prepared, ViewOptions(metric="full_valid_loss"))
    assert by_wer.table is not None and by_loss.table is not None
    at_70 = by_wer.table.frame["step"] == 70
    assert by_wer.table.frame.loc[at_70, "verdict"].tolist() == [str(CheckpointVerdict.LOSS_RISING)]
    assert by_loss.table.frame.loc[by_loss.table.frame["step"] == 70, "verdict"].tolist() == [
        str(CheckpointVerdict.OVERFITTING)
    ]


def test_a_trainers_evaluation_loss_is_named_in_its_words_and_openais_in_todays() -> None:
    orpo = build_page(prepare(_uploaded("orpo")), ViewOptions())
    assert orpo.strip is not None and orpo.strip.metric == "full_valid_loss"
    assert orpo.strip.decided_by == "Evaluation loss"  # the Trainer's eval_loss, not "Full validation loss"
    assert metric_phrase("full_valid_loss", OPENAI_CONVENTIONS) == "Full validation loss"
    assert metric_phrase("full_valid_mean_token_accuracy") == "Full validation accuracy"


def test_a_table_of_many_metrics_shows_the_decider_and_the_main_ones_and_the_rest_on_request() -> None:
    run = _uploaded("grpo")
    extra = {f"completions/stat_{n}": run.checkpoints["step"] * n for n in range(12)}  # as a real GRPO logs
    wide = replace(run, checkpoints=run.checkpoints.assign(**extra), history=run.history.assign(**extra))
    prepared = prepare(wide)
    table = build_page(prepared, ViewOptions()).table
    assert table is not None and table.decider == "eval_reward"
    metrics = [name for name in table.frame.columns if name in prepared.labels]
    assert len(metrics) == len(prepared.metrics) == 8 + 12
    shown = [name for name in table.main_columns if name in prepared.labels]
    assert shown[0] == "eval_reward" and len(shown) == MAIN_METRICS
    assert shown[1:3] == ["train_loss", "full_valid_loss"]  # the page's order: losses first
    assert set(table.more) == set(metrics) - set(shown) and table.main_columns[-1] == "model"
    narrow = build_page(prepare(run), ViewOptions()).table
    assert narrow is not None and narrow.more == ()  # eight metrics: every one shown
