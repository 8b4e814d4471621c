"""Several runs in one figure: loss above accuracy, one colour per run kept across both plots.

As in :mod:`components.charts.curves`, both plots share one x axis and one hover (``x unified`` over
``hoversubplots="axis"``), which names every run and its step under the pointer. Each run's recommended
checkpoint is a ★ in the run's colour. Colours come from a colour-blind-safe qualitative palette per theme
(Okabe & Ito's, extended with Paul Tol's muted scheme to ten); runs six to ten are also dashed, so no run is
told apart by colour alone. Pure: frames in, a plotly figure out.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from components.charts import style
from components.charts.compare_view import CompareView, RunCurves
from components.charts.layout import AxisOptions, axis_of, stacked_layout
from components.charts.seed_bands import GroupBand, group_traces
from components.charts.style import Theme
from components.data.metrics import Kind
from components.text import ID_CHARS, plotly_text

RUN_COLOURS: dict[Theme, tuple[str, ...]] = {
    # Okabe-Ito without black and yellow (too faint on white), then Tol's muted wine, green, indigo, olive.
    "light": (
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#882255",
        "#117733",
        "#332288",
        "#999933",
    ),
    # The same hues lightened for a dark background (Tol's light scheme where a hue was too dark to read).
    "dark": (
        "#56B4E9",
        "#F28E2B",
        "#44BB99",
        "#E39AC8",
        "#F0E442",
        "#99DDFF",
        "#EE8866",
        "#BBCC33",
        "#AA99FF",
        "#DDDDDD",
    ),
}
SOLID_RUNS = 5
"""Runs after the fifth are dashed too: a second cue besides colour for readers who cannot tell hues apart."""
_NUMBER: dict[Kind, str] = {"loss": "%{y:.4f}", "accuracy": "%{y:.2%}", "task": "%{y:.4f}"}
FLOAT32_POINTS = 1_500
"""Longer series go to the browser as float32: half the bytes, and far finer than a pixel."""
SPARSE_POINTS = 20
"""A series of this many points or fewer (full validation at epoch ends) shows its points as dots."""
STAR_SIZE = 17
STAR_OUTLINE = 1.5
TRAINING_OPACITY = 0.35
STAR_LEGEND = "★ recommended checkpoint of each run"


def run_colour(index: int, theme: str | None) -> str:
    """The colour of the ``index``-th run (0-based) in ``theme``; anything but "dark" is light."""
    colours = RUN_COLOURS["dark" if theme == "dark" else "light"]
    return colours[index % len(colours)]


def run_dash(index: int) -> str:
    return "solid" if index < SOLID_RUNS else "dash"


def _kinds(runs: Sequence[RunCurves], view: CompareView) -> list[Kind]:
    return [
        kind
        for kind in ("loss", "accuracy", "task")
        if kind in view.metrics
        and any(
            view.metrics[kind] in run.frame and run.frame[view.metrics[kind]].notna().any() for run in runs
        )
    ]


def _line(run: RunCurves, column: str, kind: Kind, view: CompareView, **look: object) -> go.Scatter | None:
    """The run's ``column`` on the plot of ``kind`` (``look`` names its y axis and line); None when the run
    has no value of it. SVG, not WebGL: a line is one SVG path however many points it has (markers only on
    sparse series), and twenty WebGL traces took seconds to set up in a browser without a GPU."""
    if column not in run.frame:
        return None
    values = run.frame[["x", "step", column]].dropna(subset=["x", column])
    if values.empty:
        return None
    name = plotly_text(run.label, ID_CHARS)
    step = " · step %{customdata:,.0f}" if view.step_in_hover else ""
    return go.Scatter(
        x=values["x"].to_numpy(),
        y=values[column].to_numpy(dtype="float32" if len(values) > FLOAT32_POINTS else "float64"),
        customdata=values["step"].to_numpy(dtype="int64") if view.step_in_hover else None,
        xaxis="x",
        name=name,
        legendgroup=f"run{run.index}",
        mode="lines+markers" if len(values) <= SPARSE_POINTS else "lines",
        marker={"size": style.FULL_VALID_SMALL_SIZE, "color": run_colour(run.index, view.theme)},
        hovertemplate=f"{name}: {_NUMBER[kind]}{step}<extra></extra>",
        **look,
    )


def _run_lines(run: RunCurves, kind: Kind, kinds: Sequence[Kind], view: CompareView) -> list[go.Scatter]:
    """The run's line on one plot (in the legend once, from the top plot) and, when asked, its training
    line under it: faint, dotted and out of the hover."""
    colour, axis = run_colour(run.index, view.theme), axis_of(kinds, kind)
    traces = []
    if kind in view.training and view.training[kind] != view.metrics[kind]:
        faint = _line(
            run,
            view.training[kind],
            kind,
            view,
            yaxis=axis,
            line={"color": colour, "width": style.RAW_LINE_WIDTH, "dash": "dot"},
            opacity=TRAINING_OPACITY,
            showlegend=False,
            hoverinfo="skip",
        )
        if faint is not None:
            faint.update(name=f"{faint.name} (training)", hovertemplate=None)
            traces.append(faint)
    line = _line(
        run,
        view.metrics[kind],
        kind,
        view,
        yaxis=axis,
        line={"color": colour, "width": style.LINE_WIDTH, "dash": run_dash(run.index)},
        showlegend=kind == kinds[0],
    )
    return traces if line is None else [*traces, line]


def _stars(
    runs: Sequence[RunCurves], kind: Kind, kinds: Sequence[Kind], view: CompareView
) -> go.Scatter | None:
    starred = [run for run in runs if kind in run.stars]
    if not starred:
        return None
    outline = style.palette(view.theme).best_outline
    return go.Scatter(
        x=[run.stars[kind][0] for run in starred],
        y=[run.stars[kind][1] for run in starred],
        xaxis="x",
        yaxis=axis_of(kinds, kind),
        name=STAR_LEGEND,
        legendgroup="stars",
        showlegend=False,
        mode="markers",
        marker={
            "symbol": "star",
            "size": STAR_SIZE,
            "color": [run_colour(run.index, view.theme) for run in starred],
            "line": {"color": outline, "width": STAR_OUTLINE},
        },
        hovertext=[
            f"★ {plotly_text(run.label, ID_CHARS)}: recommended, step {run.star_step:,}"
            if run.star_step is not None
            else f"★ {plotly_text(run.label, ID_CHARS)}: recommended"
            for run in starred
        ],
        hovertemplate=f"%{{hovertext}}: {_NUMBER[kind]}<extra></extra>",
    )


def _legend_star(view: CompareView) -> go.Scatter:
    """The legend's one ★ entry for every run's star (the stars themselves stay out of the legend)."""
    return go.Scatter(
        x=[None],
        y=[None],
        name=STAR_LEGEND,
        legendgroup="stars",
        mode="markers",
        marker={"symbol": "star", "size": STAR_SIZE - 4, "color": style.palette(view.theme).checkpoint},
        hoverinfo="skip",
    )


def _group_traces(groups: Sequence[GroupBand], kinds: Sequence[Kind], view: CompareView) -> list[go.Scatter]:
    """Each group of seeds' band and mean on every plot (in the legend once, from the top plot)."""
    return [
        trace
        for kind in kinds
        for group in groups
        for trace in group_traces(
            group, kind, axis_of(kinds, kind), run_colour(group.colour_index, view.theme), kind == kinds[0]
        )
    ]


def compare_figure(
    runs: Sequence[RunCurves], view: CompareView, groups: Sequence[GroupBand] = ()
) -> go.Figure:
    """Loss on top and accuracy (or the deciding metric, when not one of the six) below, each only when some
    run has it, a line per run in its colour, its ★, and a legend entry per run. A run in one of ``groups``
    (seeds of one configuration) gives its line to the group's mean and band; its ★ stays, so the seeds'
    best checkpoints show their spread. An empty figure when no run has a drawn value."""
    figure = go.Figure()
    kinds = _kinds(runs, view)
    if not kinds:
        return figure
    grouped = {member for group in groups for member in group.members}
    alone = [run for run in runs if run.index not in grouped]
    lines = [trace for kind in kinds for run in alone for trace in _run_lines(run, kind, kinds, view)]
    stars = [_stars(runs, kind, kinds, view) for kind in kinds]
    figure.add_traces(
        [
            *_group_traces(groups, kinds, view),
            *lines,
            *(star for star in stars if star is not None),
            _legend_star(view),
        ]
    )
    figure.update_layout(
        stacked_layout(
            kinds,
            AxisOptions(
                x_title=view.x_title,
                hover_title=view.hover_title,
                spike_colour=style.palette(view.theme).epoch_line,
                y_titles=view.labels,
                log_y=view.log_y,
                y_range=view.y_range,
                x_extra={"tickformat": ".0%"} if view.x_percent else None,
            ),
        ),
        margin={**style.MARGIN, "t": 56},
        dragmode="zoom",
    )
    return figure
