"""Several runs side by side: one x axis they share, one metric they are ranked by, one row each.

Runs of different lengths line up by step, by epoch, or by the fraction of training done, so a 3-epoch run
and a 5-epoch one can be read against each other (H2O LLM Studio #700). Each run's best checkpoint is chosen
by the same rules as the single-run recommendation (:func:`components.data.recommend.recommend`), and the
best run is the one whose recommended checkpoint is best by the deciding metric, named with the reason in
words. Runs that cannot be ranked on that metric are named, never silently dropped. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from components.data.best import available_metrics, declared_of, run_metrics
from components.data.epochs import steps_per_epoch
from components.data.metric_model import Direction, MetricInfo, classify, default_decider
from components.data.metrics import BY_NAME, sentence_label
from components.data.overfitting import overfit_spans
from components.data.recommend import Basis, Recommendation, recommend
from components.domain import RunData, RunRef
from components.wording import count

MAX_RUNS = 10
"""More curves than this on one chart are no longer told apart, by colour or by anything else."""


class Alignment(StrEnum):
    """What the shared x axis counts."""

    STEP = "step"
    EPOCH = "epoch"
    FRACTION = "fraction"  # of the run's own length: 0 at the start, 1 at its last step


def metric_words(name: str) -> str:
    """A metric inside a sentence: ``full validation loss``, ``evaluation F1``."""
    return sentence_label(name)


def _declared(run: RunData) -> MetricInfo | None:
    """The metric ``run``'s source declared it chose by, with its direction, when the run offers it."""
    infos = run_metrics(run.history, run.checkpoints)
    decider = declared_of(run.provider_best, [infos[name] for name in available_metrics(run.checkpoints)])
    return None if decider is None else decider.metric


def metric_info(runs: Sequence[RunData], name: str) -> MetricInfo:
    """``name`` as the runs describe it: with the direction a run's source declared, else the name table's."""
    declared = (info for run in runs if (info := _declared(run)) is not None and info.name == name)
    return next(declared, classify(name))


def run_length(run: RunData) -> float | None:
    """The steps the run trains for: its planned total when the source says, else its last logged step."""
    for total in (run.total_steps, run.summary.total_steps):
        if total:
            return float(total)
    steps = pd.concat([run.history["step"], run.checkpoints["step"]]).dropna()
    return float(steps.max()) if len(steps) and steps.max() > 0 else None


def epoch_length(run: RunData) -> float | None:
    """Steps per epoch, from the job's epochs and length, else from the spacing of its checkpoints."""
    return steps_per_epoch(
        n_epochs=run.summary.hyperparameters.n_epochs,
        total_steps=run.total_steps or run.summary.total_steps,
        checkpoint_steps=run.checkpoints["step"].to_numpy(),
    )


def alignments(runs: Sequence[RunData]) -> list[Alignment]:
    """The x axes every run supports: steps always; epochs and fractions when each run knows its length."""
    modes = [Alignment.STEP]
    if runs and all(epoch_length(run) for run in runs):
        modes.append(Alignment.EPOCH)
    if runs and all(run_length(run) for run in runs):
        modes.append(Alignment.FRACTION)
    return modes


LENGTH_RATIO_FOR_FRACTION = 1.5
"""Runs whose lengths differ more than this open aligned by fraction of training: by step, the shorter ones
would be squeezed into the left of the chart."""


def default_alignment(runs: Sequence[RunData]) -> Alignment:
    """Step when the runs train for about as many steps; fraction of training when lengths differ."""
    lengths = [length for run in runs if (length := run_length(run))]
    every_known = len(lengths) == len(runs)  # what fraction alignment needs (see ``alignments``)
    differ = len(lengths) >= 2 and max(lengths) > LENGTH_RATIO_FOR_FRACTION * min(lengths)
    return Alignment.FRACTION if differ and every_known else Alignment.STEP


def aligned_x(run: RunData, steps: pd.Series | np.ndarray, alignment: Alignment) -> np.ndarray:
    """``steps`` of ``run`` in the units of ``alignment`` (steps when the run cannot say)."""
    values = np.asarray(steps, dtype="float64")
    if alignment is Alignment.EPOCH and (length := epoch_length(run)):
        return values / length
    if alignment is Alignment.FRACTION and (length := run_length(run)):
        return values / length
    return values


def offered_metrics(runs: Sequence[RunData]) -> list[str]:
    """Every metric with a direction some run's checkpoints carry, in the runs' order: what a reader may
    rank by (runs are ranked against each other, so a metric must say which way is better)."""
    present = dict.fromkeys(name for run in runs for name in available_metrics(run.checkpoints))
    return [name for name in present if metric_info(runs, name).has_direction]


def common_metrics(runs: Sequence[RunData]) -> list[str]:
    """The offered metrics every run's checkpoints carry: the ones all runs can be ranked by."""
    carried = [set(available_metrics(run.checkpoints)) for run in runs]
    return [name for name in offered_metrics(runs) if all(name in names for names in carried)]


def default_compare_metric(runs: Sequence[RunData]) -> str | None:
    """The metric every run declared it chose by, when they agree and share it; else the single-run
    order (:func:`~components.data.metric_model.default_decider`) over the metrics all runs share, else
    over those any run has."""
    shared = common_metrics(runs)
    declared = {info.name if info else None for info in map(_declared, runs)}
    if len(declared) == 1 and (name := declared.pop()) in shared:
        return name
    for pool in (shared, offered_metrics(runs)):
        decider = default_decider([metric_info(runs, name) for name in pool], None)
        if decider is not None:
            return decider.metric.name
    return None


@dataclass(frozen=True)
class RunResult:
    """One run's row: its recommended checkpoint by the deciding metric and what the run was."""

    ref: RunRef
    recommendation: Recommendation | None  # None: no checkpoint of this run has the metric
    final_step: int | None
    final_value: float | None  # the last checkpoint's value of the metric (NaN-free, else None)

    @property
    def value(self) -> float | None:
        return self.recommendation.value if self.recommendation else None


@dataclass(frozen=True)
class RunVerdict:
    """The best run and why, or why there is none (``best`` None: fewer than two runs have the metric)."""

    metric: str | None
    best: RunRef | None
    reason: str
    caveats: tuple[str, ...]
    unranked: tuple[RunRef, ...]  # runs without the metric


def _number(value: float) -> str:
    return f"{value:.3f}" if abs(value) >= 0.01 else f"{value:.3g}"


def _final(run: RunData, metric: str) -> tuple[int | None, float | None]:
    checkpoints = run.checkpoints.dropna(subset=["step"]).sort_values("step", kind="stable")
    if checkpoints.empty:
        return None, None
    last = checkpoints.iloc[-1]
    value = last.get(metric)
    return int(last["step"]), (float(value) if pd.notna(value) else None)


def run_result(run: RunData, metric: str | MetricInfo | None) -> RunResult:
    """``run``'s recommended checkpoint by ``metric`` (a name: the name table's direction), chosen exactly
    as the single-run page chooses it."""
    advice = None
    name = metric.name if isinstance(metric, MetricInfo) else metric
    if name is not None and name in available_metrics(run.checkpoints):
        advice = recommend(
            run.checkpoints,
            run.history,
            metric,
            finished=run.summary.is_terminal,
            spans=overfit_spans(run.history),
            checkpoints_saved=run.conventions.checkpoints_saved,
        )
    final_step, final_value = _final(run, name) if name else (None, None)
    return RunResult(run.summary.ref, advice, final_step, final_value)


def _difference(metric: MetricInfo, best: float, other: float) -> str:
    """``4.2 % lower than`` / ``0.012 higher than``: how far ahead the best run is."""
    direction = "higher" if metric.direction is Direction.HIGHER else "lower"
    if metric.name in BY_NAME and BY_NAME[metric.name].kind == "accuracy":
        return f"{abs(best - other) * 100:.1f} points {direction} than"
    if other:
        return f"{abs(best - other) / abs(other) * 100:.1f} % {direction} than"
    return f"{_number(abs(best - other))} {direction} than"


def _validation_files_differ(runs: Sequence[RunData]) -> bool:
    files = {run.summary.validation_file for run in runs}
    return None not in files and len(files) > 1


def verdict(runs: Sequence[RunData], results: Sequence[RunResult], metric: str | None) -> RunVerdict:
    """The best run by ``metric`` and the reason, as the single-run recommendation words its choice.

    Only runs whose checkpoints carry the metric are ranked; the others are named. With fewer than two
    ranked runs there is no comparison to make, and the reason says so.
    """
    if metric is None:
        return RunVerdict(
            None, None, "No checkpoint of these runs carries a metric, so none can be ranked.", (), ()
        )
    decider = metric_info(runs, metric)
    words = metric_words(metric)
    ranked = [result for result in results if result.value is not None]
    unranked = tuple(result.ref for result in results if result.value is None)
    caveats = [_unranked_caveat(unranked, words)] if unranked else []
    if len(ranked) < 2:
        return RunVerdict(metric, None, _no_comparison(ranked, words), tuple(caveats), unranked)
    best, runner_up = _best_two(ranked, decider)
    reason = _reason(best, runner_up, decider, words, len(ranked))
    caveats += _best_caveats(best, runs, words)
    return RunVerdict(metric, best.ref, reason, tuple(caveats), unranked)


def _unranked_caveat(unranked: Sequence[RunRef], words: str) -> str:
    one = len(unranked) == 1
    return (
        f"{', '.join(map(str, unranked))} {'has' if one else 'have'} no {words} at any "
        f"checkpoint, so {'it is' if one else 'they are'} not ranked; pick a metric all "
        "runs share to rank them all."
    )


def _no_comparison(ranked: Sequence[RunResult], words: str) -> str:
    """Why fewer than two ranked runs cannot be compared."""
    if ranked:
        return f"Only {ranked[0].ref} has {words} at its checkpoints, so the runs cannot be compared on it."
    return f"No run has {words} at its checkpoints, so the runs cannot be compared on it."


def _best_two(ranked: Sequence[RunResult], decider: MetricInfo) -> tuple[RunResult, RunResult]:
    """The best and the runner-up; ties go to the first run as given, so only the data decides."""
    order = sorted(
        range(len(ranked)),
        key=lambda i: (-ranked[i].value if decider.direction is Direction.HIGHER else ranked[i].value, i),
    )
    return ranked[order[0]], ranked[order[1]]


def _reason(best: RunResult, runner_up: RunResult, decider: MetricInfo, words: str, ranked: int) -> str:
    """``run has the lowest … of 3 runs: 0.412 at its step 300 checkpoint, 4.2 % lower than …``."""
    advice = best.recommendation
    assert advice is not None and best.value is not None and runner_up.value is not None
    extreme = "highest" if decider.direction is Direction.HIGHER else "lowest"
    if best.value == runner_up.value:
        ahead = f"tied with {runner_up.ref}, named first as listed"
    else:
        than = _difference(decider, best.value, runner_up.value)
        ahead = f"{than} {runner_up.ref} ({_number(runner_up.value)})"
    return (
        f"{best.ref} has the {extreme} {words} of {count(ranked, 'run')}: {_number(best.value)} at its "
        f"step {advice.step:,} checkpoint, {ahead}."
    )


def _best_caveats(best: RunResult, runs: Sequence[RunData], words: str) -> list[str]:
    """What to keep in mind about the best run's checkpoint and what it was ranked by."""
    advice = best.recommendation
    assert advice is not None
    caveats = []
    if advice.basis in (Basis.TRAINING_ONLY, Basis.NO_VALIDATION):
        caveats.append(
            f"Ranked by {words}, which cannot show overfitting: rank by a validation metric where the runs "
            "have one."
        )
    elif _validation_files_differ(runs):
        caveats.append(
            "The runs were validated on different files, so their validation metrics measure different "
            "examples."
        )
    if advice.in_overfit_span and not advice.band_overruled:
        caveats.append(
            f"{best.ref}'s checkpoint lies inside its overfitting band: compare an earlier checkpoint."
        )
    if not advice.final:
        caveats.append(f"{best.ref} is still running: its checkpoint is the best so far.")
    return caveats
