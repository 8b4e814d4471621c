"""From a run and the reader's choices to everything the page shows, decided in one pure function."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from components.charts.noise_band import BAND_NOTE
from components.charts.options import Highlights, StepRange, ViewOptions, XMode, default_smoothing
from components.charts.view import ChartRun, RunAxes, RunDisplay, build_display, run_axes
from components.data.best import available_metrics, choose_decider, declared_of, run_metrics
from components.data.metric_model import Decider, Direction, MetricInfo, default_decider
from components.data.metrics import METRIC_NAMES, metric_label
from components.data.overfitting import (
    CheckpointVerdict,
    checkpoint_verdicts,
    overfit_spans,
    overruled,
    unjudged,
)
from components.data.recommend import Recommendation, overrules_band, recommend
from components.domain import Conventions, Note, RunData
from components.page.chart import ChartModel
from components.page.header import Header, header_of, loaded_caption
from components.page.provider_best import provider_best_line
from components.page.recommendation import Comparison, Strip, comparison_of, strip_of
from components.page.sureness import Sureness, sureness_of
from components.page.table import Stars, TableModel, table_of
from components.wording import count

NO_CHECKPOINTS = "**This job has no checkpoints yet.**"
NO_METRIC = "No checkpoint of this job carries a metric, so none can be recommended."
NO_DIRECTION = (
    'Which way is {label} better? Choose lower or higher under "Best checkpoint by" to choose by it.'
)
NO_CURVES = "No training metrics yet: the curves appear once the job reports its first steps."
NO_ACCURACY = "This run reports no accuracy metric, so only the loss is drawn."
UNJUDGED = {
    CheckpointVerdict.NO_VALIDATION: "No validation data: overfitting cannot be judged, so no band is drawn.",
    CheckpointVerdict.TOO_FEW_POINTS: "Too few validation points to judge overfitting, so no band is drawn.",
}


@dataclass(frozen=True)
class Prepared:
    """What a run offers before the reader chooses anything: its axes, overfitting band and metrics."""

    run: RunData
    axes: RunAxes
    spans: tuple[tuple[int, int], ...]
    metrics: tuple[str, ...]  # every metric a checkpoint carries that can choose (bookkeeping cannot)
    default_metric: str | None  # the default decider's name
    default_smoothing: float
    labels: dict[str, str]  # every metric's label in this run (full validation as its source names it)
    infos: dict[str, MetricInfo]  # every metric of the run, as the metric model describes it

    @property
    def unknown_direction(self) -> tuple[str, ...]:
        """The metrics offered whose direction the reader must give."""
        return tuple(name for name in self.metrics if not self.infos[name].has_direction)

    @property
    def x_modes(self) -> list[XMode]:
        return self.axes.modes

    @property
    def has_curves(self) -> bool:
        """Whether any step was logged: without one there is no chart, so no chart toolbar either."""
        return not self.run.history.empty


def prepare(run: RunData) -> Prepared:
    """The parts of the page that depend on the run only, worked out once per run."""
    steps = run.history["step"]
    infos = run_metrics(run.history, run.checkpoints)
    offered = tuple(available_metrics(run.checkpoints, infos))
    default = _default_decider(run, infos, offered)
    return Prepared(
        run=run,
        axes=run_axes(
            run.history,
            run.checkpoints,
            n_epochs=run.summary.hyperparameters.n_epochs,
            total_steps=run.total_steps,
        ),
        spans=tuple(overfit_spans(run.history)),
        metrics=offered,
        default_metric=None if default is None else default.metric.name,
        default_smoothing=default_smoothing(float(steps.max() - steps.min()) if len(steps) else 0.0),
        labels={name: metric_label(name, run.conventions) for name in _labelled(offered)},
        infos=infos,
    )


def _default_decider(run: RunData, infos: dict[str, MetricInfo], offered: tuple[str, ...]) -> Decider | None:
    chosen = [infos[name] for name in offered]
    return declared_of(run.provider_best, chosen) or default_decider(chosen, None)


def _labelled(offered: tuple[str, ...]) -> list[str]:
    """The catalogue's six first (the table's and panel's order so far), then every other metric offered."""
    return [*METRIC_NAMES, *(name for name in offered if name not in METRIC_NAMES)]


def no_checkpoints(conventions: Conventions) -> str:
    """What the page says while a job has no checkpoint: when its source saves them, if it says."""
    saved = conventions.checkpoints_saved
    return f"{NO_CHECKPOINTS} {saved[0].upper()}{saved[1:]}." if saved else NO_CHECKPOINTS


@dataclass(frozen=True)
class PageModel:
    """Everything the page shows, top to bottom. Strings are ours unless a field's docstring says they
    come from the API (the header's values, the notes, model names and ids): the UI escapes those.

    ``provider_best`` is the provider's or trainer's own pick beside ours, in one line (its metric's name
    comes from the source); ``unavailable`` holds ``(metric kind, why the source cannot report it)``, said
    where that metric's panel would be, so only with a chart (the reasons come from the source).
    """

    header: Header
    loaded: str
    notes: tuple[Note, ...]
    waiting: str | None
    strip: Strip | None
    comparison: Comparison | None
    chart: ChartModel | None
    no_curves: str | None
    table: TableModel | None
    provider_best: str | None
    unavailable: tuple[tuple[str, str], ...]


def _chart_caption(display_rows: int, total_rows: int, marked: int, checkpoints: int) -> str | None:
    """What thinning left out, so no reader mistakes the drawing for the data (tables keep every row)."""
    parts = []
    if display_rows < total_rows:
        parts.append(
            f"{display_rows:,} of {total_rows:,} steps drawn (their shape, extremes and checkpoints kept)"
        )
    if marked < checkpoints:
        parts.append(f"{marked:,} of {count(checkpoints, 'checkpoint')} marked, evenly spread")
    return ("; ".join(parts) + "; the table and downloads have every row.") if parts else None


def _advice(prepared: Prepared, decider: Decider | None) -> Recommendation | None:
    """Our recommendation by ``decider``, worded for a running or a finished job."""
    run = prepared.run
    if decider is None:
        return None
    return recommend(
        run.checkpoints,
        run.history,
        decider.metric,
        finished=run.summary.is_terminal,
        spans=prepared.spans,
        checkpoints_saved=run.conventions.checkpoints_saved,
    )


def _highlights(
    ids: pd.Series, advice: Recommendation | None, metric: str | None, picked: str | None
) -> Highlights:
    """What the chart and the table mark: the deciding metric, our pick, and the reader's pick when it is
    one of this run's checkpoints. The chart draws the decider's plot (the six, or the run's own metric)."""
    return Highlights(
        decider=advice.metric if advice else metric,
        best_id=advice.checkpoint_id if advice else None,
        selected_id=picked if picked is not None and (ids == picked).any() else None,
        unsaved_best=advice.unsaved_best if advice else None,
    )


def _chart_notes(run: RunData, display: RunDisplay) -> tuple[str, ...]:
    """What the chart cannot show and why: no accuracy (unless the source says so itself, where the
    accuracy panel would be, or the deciding metric's plot is drawn there) and overfitting that cannot be
    judged."""
    has_accuracy = any(name.endswith("accuracy") for name in available_metrics(run.history))
    quiet = has_accuracy or "accuracy" in run.unavailable or _below_loss(display) == "task"
    judged = [UNJUDGED[reason] for reason in [unjudged(run.history)] if reason in UNJUDGED]
    return tuple(([] if quiet else [NO_ACCURACY]) + judged)


def _chart(
    prepared: Prepared,
    options: ViewOptions,
    highlights: Highlights,
    zoom: StepRange | None,
    sureness: Sureness | None = None,
) -> ChartModel | None:
    """The chart, thinned for drawing, with what thinning left out; None before the first step."""
    run = prepared.run
    if run.history.empty:
        return None
    total_steps = None if run.summary.is_terminal else run.total_steps
    chart_run = ChartRun(
        run.history, run.checkpoints, prepared.axes, prepared.spans, total_steps, run.conventions
    )
    display = build_display(chart_run, options, highlights=highlights, zoom=zoom)
    caption = _chart_caption(
        display.rows_shown, display.rows_total, len(display.checkpoints), len(run.checkpoints)
    )
    noise = sureness.noise if sureness is not None else None
    return ChartModel(
        display,
        highlights,
        zoom,
        caption or "",
        _chart_notes(run, display) + ((BAND_NOTE,) if noise is not None else ()),
        noise,
        sureness.metric if sureness is not None else "",
    )


def _below_loss(display: RunDisplay) -> str | None:
    """What the chart's second plot draws: ``accuracy``, ``task`` (the deciding metric) or nothing."""
    kinds = [plot.kind for plot in display.view.plots if plot.kind != "loss"]
    return kinds[0] if kinds else None


def _unavailable(run: RunData, chart: ChartModel | None) -> tuple[tuple[str, str], ...]:
    """The source's reasons a metric cannot be reported, said where its plot would be: none without a
    chart, and no accuracy's reason when the deciding metric's plot stands there instead."""
    if chart is None:
        return ()
    task_below = _below_loss(chart.display) == "task"
    return tuple(
        (kind, why) for kind, why in run.unavailable.items() if not (task_below and kind == "accuracy")
    )


def _loaded(run: RunData) -> str:
    return loaded_caption(
        len(run.checkpoints),
        run.checkpoint_pages,
        len(run.history),
        run.history_source,
        partial=run.is_partial,
    )


def _waiting(prepared: Prepared, advice: Recommendation | None, picked: str | None) -> str | None:
    """Why there is no recommendation yet: no checkpoint saved, a picked metric with no direction given,
    or no checkpoint carries a metric."""
    run = prepared.run
    if run.checkpoints.empty:
        return no_checkpoints(run.conventions)
    if advice is None and picked in prepared.unknown_direction:
        return NO_DIRECTION.format(label=prepared.labels[picked])
    return NO_METRIC if advice is None else None


def _with_sureness(strip: Strip, sureness: Sureness | None) -> Strip:
    """The strip with how sure its choice is: a short line after its reason, the whole account in its
    details (both are the strip's own fields, so the strip draws them where it draws those)."""
    if sureness is None:
        return strip
    reason = f"{strip.reason} {sureness.short}" if sureness.short else strip.reason
    details = f"{strip.details}\n\n{sureness.line}" if strip.details else sureness.line
    return replace(strip, reason=reason, details=details)


def _table(
    prepared: Prepared, verdicts: pd.DataFrame, marks: Highlights, sureness: Sureness | None
) -> TableModel | None:
    """Every checkpoint, marked as the chart marks them (and those tied with the best); None while there is
    none."""
    if prepared.run.checkpoints.empty:
        return None
    return table_of(
        prepared.run.checkpoints,
        verdicts,
        decider=marks.decider,
        stars=Stars(marks.best_id, sureness.tied_ids if sureness is not None else ()),
        selected_id=marks.selected_id,
        labels=prepared.labels,
    )


def build_page(
    prepared: Prepared,
    options: ViewOptions,
    *,
    selected_id: str | None = None,
    zoom: StepRange | None = None,
    direction: Direction | None = None,
) -> PageModel:
    """The whole page for ``options``; ``selected_id`` is the reader's pick (ignored unless it is one of
    this run's checkpoints), ``zoom`` a step range drawn on the chart and ``direction`` which way is better
    for a picked metric whose direction is unknown."""
    run = prepared.run
    checkpoints = run.checkpoints
    picked = options.metric if options.metric in prepared.metrics else None
    decider = choose_decider(prepared.infos, prepared.metrics, run.provider_best, picked, direction)
    metric = decider.metric.name if decider is not None else picked or prepared.default_metric
    advice = _advice(prepared, decider)
    ids = checkpoints["checkpoint_id"].astype(str)
    marks = _highlights(ids, advice, metric, selected_id)
    verdicts = checkpoint_verdicts(checkpoints, prepared.spans, run.history)
    if decider is not None and overrules_band(decider.metric):
        verdicts = overruled(verdicts)
    strip = comparison = sureness = None
    if advice is not None and decider is not None:
        row = checkpoints.loc[ids == advice.checkpoint_id].iloc[0]
        strip = strip_of(advice, row, prepared.labels, decider, run.conventions)
        comparison = comparison_of(
            checkpoints, verdicts, advice.metric, advice.checkpoint_id, marks.selected_id, prepared.labels
        )
        sureness = sureness_of(checkpoints, run.history, advice, decider.metric)
        strip = _with_sureness(strip, sureness)
    chart = _chart(prepared, options, marks, zoom, sureness)
    return PageModel(
        header=header_of(run.summary),
        loaded=_loaded(run),
        notes=run.notes,
        waiting=_waiting(prepared, advice, picked),
        strip=strip,
        comparison=comparison,
        chart=chart,
        no_curves=None if chart is not None else NO_CURVES,
        table=_table(prepared, verdicts, marks, sureness),
        provider_best=provider_best_line(run.provider_best, strip),
        unavailable=_unavailable(run, chart),
    )
