"""The "More metrics" section of a run's page: a small panel per metric the main chart does not draw.

Built apart from :func:`components.page.build_page` and only when asked (the section opened), so a run
that logs fifty metrics draws its main chart as fast as one that logs none: :func:`more_metric_names` is
all the page needs before that (the count in the section's label).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.charts.more_metrics_view import (
    SERIES_POINTS,
    MetricGroup,
    Panel,
    PanelOptions,
    PanelRun,
    PanelView,
    build_panel,
    metric_groups,
    more_metric_names,
    panel_view,
    smoothing_gap,
    x_mode_of,
)
from components.charts.options import Highlights, StepRange, ViewOptions
from components.charts.view import MAX_CHECKPOINT_MARKERS
from components.data.downsample import evenly_spaced
from components.page.model import Prepared
from components.wording import count


@dataclass(frozen=True)
class GroupPanels:
    """One prefix's heading and its panels."""

    group: MetricGroup
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class MoreMetricsModel:
    """The panels by group, what they share with the main chart, and a caption of what was thinned."""

    groups: tuple[GroupPanels, ...]
    view: PanelView
    caption: str

    @property
    def panels(self) -> tuple[Panel, ...]:
        return tuple(panel for group in self.groups for panel in group.panels)


def more_metrics_count(prepared: Prepared) -> int:
    """How many panels the section holds (cheap: names only, nothing thinned or smoothed)."""
    return len(more_metric_names(prepared.run.history))


def _keep_steps(prepared: Prepared, marks: Highlights) -> tuple[float, ...]:
    """The checkpoints' steps every series keeps (as the main chart marks them: all, or an evenly
    spread thousand and the recommended and selected ones)."""
    checkpoints = prepared.run.checkpoints
    kept = checkpoints["checkpoint_id"].astype(str).isin([i for i in (marks.best_id, marks.selected_id) if i])
    marked = evenly_spaced(checkpoints, MAX_CHECKPOINT_MARKERS, keep=kept.to_numpy())
    return tuple(marked["step"].astype("float64").tolist())


def _caption(panels: tuple[Panel, ...], view: PanelView) -> str:
    thinned = sum(len(panel.x) < panel.total for panel in panels)
    said = [
        f"Against {view.x_title.lower()}, zoom, smoothing (training series only) and checkpoints as the "
        "chart above; evaluations drawn as logged."
    ]
    if thinned:
        said.append(
            f"{count(thinned, 'metric')} drawn at about {SERIES_POINTS:,} points (each stretch's extremes "
            "and the checkpoints kept); the downloads have every value."
        )
    return " ".join(said)


def more_metrics_of(
    prepared: Prepared, options: ViewOptions, zoom: StepRange | None, highlights: Highlights
) -> MoreMetricsModel:
    """Every panel of the section for the reader's x axis, smoothing and zoom, with the recommended and
    selected checkpoints of ``highlights`` (the main chart's) as lines."""
    run = prepared.run
    total_steps = None if run.summary.is_terminal else run.total_steps
    panel_run = PanelRun(run.history, run.checkpoints, prepared.axes, total_steps)
    history = run.history
    panel_options = PanelOptions(
        x_mode_of(prepared.axes, options),
        options.smoothing,
        zoom,
        _keep_steps(prepared, highlights),
        smoothing_gap(history),
    )
    groups = tuple(
        GroupPanels(group, tuple(build_panel(panel_run, info, panel_options) for info in group.metrics))
        for group in metric_groups(more_metric_names(history))
    )
    view = panel_view(panel_run, options, zoom, highlights)
    model = MoreMetricsModel(groups, view, "")
    return MoreMetricsModel(groups, view, _caption(model.panels, view))
