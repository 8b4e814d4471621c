"""Chart PNG names: the run or runs, then the metric, in safe characters, bounded in length."""

from __future__ import annotations

from components.domain import RunRef
from components.export.download import MAX_NAME_CHARS, chart_image_name


def test_a_chart_is_named_after_its_run_and_metric() -> None:
    assert (
        chart_image_name([RunRef("openai", "ftjob-abc")], "full_valid_loss")
        == "openai-ftjob-abc_full_valid_loss"
    )
    assert chart_image_name(["ftjob-abc"], "valid_loss") == "ftjob-abc_valid_loss"
    assert chart_image_name(["ftjob-abc"], None) == "ftjob-abc"


def test_a_comparison_chart_names_its_runs_and_stays_short() -> None:
    two = [RunRef("openai", "ftjob-a"), RunRef("together", "ft-b")]
    assert chart_image_name(two, "train_loss") == "compare_openai-ftjob-a_together-ft-b_train_loss"
    many = [RunRef("openai", f"ftjob-{'x' * 40}{i}") for i in range(10)]
    name = chart_image_name(many, "valid_loss")
    assert len(name) <= MAX_NAME_CHARS and name.endswith("_valid_loss")
    assert "_and-9-more-" in name
    assert name != chart_image_name([*many[:9], RunRef("openai", "ftjob-other")], "valid_loss")


def test_nothing_but_safe_characters_reach_the_name() -> None:
    name = chart_image_name(["../../etc/passwd"], "<b>loss</b>")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
