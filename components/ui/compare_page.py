"""The compare page: up to ten runs on one chart, the best run named with its reason, one row per run.

``compare_page(runs)`` takes anything with ``.ref`` and ``.run`` (:class:`ComparedRun`, e.g. the router's
loaded runs); its options live in their own widget keys (``compare_*``), so they never disturb the
single-run page's, and they go into the URL (``?compare_metric=valid_loss&compare_x=epoch``) so a link
reopens the same view. Removing a run or opening one is the router's business: it passes ``on_remove`` and
``run_link`` and the page draws a button and a link per run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import streamlit as st

from components.charts.compare import compare_figure, run_colour
from components.charts.config import plotly_config
from components.charts.options import CompareOptions
from components.charts.style import DEFAULT_THEME
from components.data.compare import MAX_RUNS, Alignment
from components.data.metrics import metric_label
from components.domain import RunData, RunRef
from components.export.download import chart_image_name
from components.page.compare import (
    ALIGNMENT_LABELS,
    BEST_MARK,
    CompareModel,
    ComparePrepared,
    build_compare,
    prepare_compare,
)
from components.page.seed_groups import GROUPED
from components.text import NOTE_CHARS, code_span, markdown_literal
from components.ui.controls import (
    Control,
    forget_unless,
    log_toggle,
    metric_select,
    smoothing_slider,
    y_range_choice,
)
from components.ui.exports import comparison_button

METRIC_KEY = "compare_metric"
ALIGN_KEY = "compare_x"
SMOOTHING_KEY = "compare_smooth"
LOG_KEY = "compare_log"
Y_KEY = "compare_y"
TRAINING_KEY = "compare_training"
SEEDS_KEY = "compare_seeds"
RANKING_KEY = "compare_ranking"
CHART_KEY = "compare_chart"
TABLE_KEY = "compare_table"
EXPORT_KEY = "compare_export"
REMOVE_KEY = "compare_remove_{index}"
VERDICT_KEY = "compare_verdict"
NOTES_KEY = "compare_notes"
TOO_MANY = (
    "A comparison shows at most {limit} runs; these {total} were asked for, so the first {limit} are shown "
    "and {left} left out: {names}."
)
TOO_FEW = "Add another run to compare: a comparison needs two runs or more."
NO_RUNS = "No run to compare yet: pick two runs or more."
METRIC = Control(
    METRIC_KEY,
    help="Each run's best checkpoint by this metric, then the best of those. Losses: lowest wins; "
    "accuracies: highest. The curves drawn are this metric's split.",
    width=260,
)
SMOOTHING = Control(
    SMOOTHING_KEY,
    help="The same smoothing as one run's page, on every run's training and batch-validation curves; "
    "full validation is never smoothed.",
    width=220,
)
Y_RANGE = Control(
    Y_KEY,
    help="Around the choice: where each run's checkpoints are chosen. Middle 90 %: one spike cannot "
    "flatten the rest. All values: everything.",
    width=180,
)
LOG = Control(LOG_KEY)


class ComparedRun(Protocol):
    """A run as the compare page needs it: its address and its data (the router's loaded runs fit)."""

    @property
    def ref(self) -> RunRef: ...

    @property
    def run(self) -> RunData: ...


def _metric_label(name: str) -> str:
    return metric_label(name)


def _alignment(prepared: ComparePrepared) -> Alignment:
    """The x axis the runs line up on; one these runs do not offer is dropped first."""
    modes = list(prepared.alignments)
    forget_unless(ALIGN_KEY, modes)
    alignment = st.segmented_control(
        "Align by",
        modes,
        default=prepared.default_alignment,
        required=True,
        key=ALIGN_KEY,
        bind="query-params",
        format_func=ALIGNMENT_LABELS.__getitem__,
        help="Runs of different lengths line up by epoch, or by the fraction of training done (0 to 100 %).",
    )
    return Alignment(alignment or Alignment.STEP)


def _options(prepared: ComparePrepared) -> CompareOptions:
    """The options row above the chart; every value kept through reruns by its own key."""
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium", key="compare_options"):
        metric = None
        if prepared.metrics:
            metric = metric_select(
                "Rank by", METRIC, list(prepared.metrics), prepared.default_metric, _metric_label
            )
        alignment = _alignment(prepared)
        smoothing = smoothing_slider(SMOOTHING, prepared.default_smoothing)
        y_range = y_range_choice(Y_RANGE, st.selectbox)
        with st.container(horizontal=True, gap="medium", width="content"):
            log_y = log_toggle(LOG)
            training = st.toggle(
                "Training curves too",
                key=TRAINING_KEY,
                bind="query-params",
                help="Each run's training curve, faint and dotted.",
            )
            seeds = prepared.repeats and st.toggle(
                "Group seeds", key=SEEDS_KEY, bind="query-params", help=GROUPED
            )
    return CompareOptions(
        metric=metric,
        alignment=alignment,
        smoothing=smoothing,
        log_y=log_y,
        y_range=y_range,
        show_training=bool(training),
        theme=st.context.theme.type or DEFAULT_THEME,
        group_seeds=bool(seeds),
    )


def _verdict(model: CompareModel) -> None:
    """The best run in one line and why; what limits the choice below it."""
    verdict = model.verdict
    with st.container(border=True, key=VERDICT_KEY, gap="small"):
        if verdict.best is not None:
            st.markdown(f"**{BEST_MARK} Best run: {code_span(str(verdict.best))}**")
        else:
            st.markdown("**No run can be named best**")
        st.markdown(markdown_literal(verdict.reason, NOTE_CHARS))
        for caveat in verdict.caveats:
            st.caption(f"⚠ {markdown_literal(caveat, NOTE_CHARS)}")
        if model.seeds is not None:
            st.caption(markdown_literal(model.seeds.summary, NOTE_CHARS))


def _ranking(model: CompareModel) -> None:
    """The configurations ranked by their mean over seeds, with each one's spread, while grouped."""
    if model.seeds is None:
        return
    with st.expander(
        "Configurations ranked over their seeds", icon=":material/stacked_line_chart:", key=RANKING_KEY
    ):
        for line in model.seeds.ranking:
            st.markdown(markdown_literal(line, NOTE_CHARS))


def _run_actions(
    refs: Sequence[RunRef],
    on_remove: Callable[[RunRef], None] | None,
    run_link: Callable[[RunRef], str] | None,
) -> None:
    """A link to each run's own page and a button to drop it, when the router offers them."""
    if on_remove is None and run_link is None:
        return
    with st.container(horizontal=True, gap="small", key="compare_runs"):
        for index, ref in enumerate(refs):
            if run_link is not None:
                st.link_button(str(ref), run_link(ref), icon=":material/open_in_new:", type="tertiary")
            if on_remove is not None:
                st.button(
                    f"Remove {ref.run_id}",
                    key=REMOVE_KEY.format(index=index),
                    icon=":material/close:",
                    on_click=on_remove,
                    args=(ref,),
                    type="tertiary",
                )


def _run_notes(shown: Sequence[ComparedRun]) -> None:
    """What each run's source said about it (an archived copy, a list cut short…), a click away."""
    noted = [(item.ref, note.text) for item in shown for note in item.run.notes]
    if not noted:
        return
    with st.expander(f"Notes on these runs ({len(noted)})", icon=":material/info:", key=NOTES_KEY):
        for ref, note in noted:
            st.markdown(f"{code_span(str(ref))} {markdown_literal(note, NOTE_CHARS)}")


def _chart(model: CompareModel, refs: Sequence[RunRef]) -> None:
    """The figure and what its thinning leaves out, or why there is none."""
    figure = compare_figure(model.curves, model.view, model.seeds.groups if model.seeds else ())
    if not figure.data:
        st.info("None of these runs has logged a step of this metric yet.", icon=":material/hourglass:")
        return
    config = plotly_config(chart_image_name(refs, model.metric), zoom_on_page=False)
    st.plotly_chart(figure, key=CHART_KEY, config=config, width="stretch")
    if model.caption:
        st.caption(model.caption)


def _table(model: CompareModel, theme: str) -> None:
    """One row per run, each run's name in its colour on the chart."""
    st.markdown("#### One row per run")
    colours = [run_colour(curve.index, theme) for curve in model.curves]
    table = model.table.style.apply(
        lambda column: [f"color: {colour}; font-weight: 600" for colour in colours], subset=["Run"]
    )
    st.container(key=TABLE_KEY).dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "best": st.column_config.TextColumn("", width=28, help="The best run"),
            **{  # counts with thousands separators, as everywhere else on the page
                column: st.column_config.NumberColumn(format="localized")
                for column in ("Best step", "Final step", "Steps", "Trained tokens")
            },
            **{
                column: st.column_config.NumberColumn(format="%.4f")
                for column in model.table.columns
                if column.endswith((", best", ", final"))
            },
        },
    )


def _shown(runs: Sequence[ComparedRun]) -> list[ComparedRun]:
    """The first :data:`MAX_RUNS` runs, the heading, and a warning naming any left out or a hint for one."""
    shown = list(runs)[:MAX_RUNS]
    st.subheader(f"Comparing {len(shown)} runs" if len(shown) > 1 else "Comparing runs")
    if len(runs) > MAX_RUNS:
        left = [str(item.ref) for item in list(runs)[MAX_RUNS:]]
        st.warning(
            markdown_literal(
                TOO_MANY.format(limit=MAX_RUNS, total=len(runs), left=len(left), names=", ".join(left)),
                NOTE_CHARS,
            ),
            icon=":material/filter_list:",
        )
    if len(shown) < 2:
        st.info(TOO_FEW, icon=":material/compare_arrows:")
    return shown


def compare_page(
    runs: Sequence[ComparedRun],
    *,
    on_remove: Callable[[RunRef], None] | None = None,
    run_link: Callable[[RunRef], str] | None = None,
) -> None:
    """Draw the comparison of ``runs`` (the first :data:`MAX_RUNS`; a message names any left out)."""
    if not runs:
        st.info(NO_RUNS, icon=":material/compare_arrows:")
        return
    shown = _shown(runs)
    prepared = prepare_compare([item.run for item in shown])
    options = _options(prepared)
    model = build_compare(prepared, options)
    _verdict(model)
    for note in model.notes:
        st.info(markdown_literal(note, NOTE_CHARS), icon=":material/straighten:")
    refs = [item.ref for item in shown]
    _chart(model, refs)
    _ranking(model)
    _table(model, options.theme)
    _run_notes(shown)
    _run_actions(refs, on_remove, run_link)
    comparison_button([item.run for item in shown], key=EXPORT_KEY)
