"""Fine-tuning checkpoint dashboard: give a job ID, see how training went and which checkpoint to deploy."""

from __future__ import annotations

import streamlit as st

from components.api import KeySource, validate_id
from components.charts.view import build_display, run_axes
from components.data.best import available_metrics, default_metric
from components.data.recommend import recommend
from components.demo import DEMO_CONFIG, DEMO_JOB_ID
from components.text import NOTE_CHARS, WORD_CHARS, code_span, markdown_literal
from components.ui.auto_refresh import auto_refresh
from components.ui.checkpoint_card import checkpoint_card
from components.ui.checkpoint_table import checkpoint_table
from components.ui.connection import connection_sidebar
from components.ui.curves_panel import curves_panel
from components.ui.errors import show_error
from components.ui.exports import export_buttons
from components.ui.job_header import job_header
from components.ui.job_picker import job_picker
from components.ui.loading_status import load_with_status
from components.ui.metric_help import metric_help
from components.ui.selection import picked
from components.ui.view_options import view_options
from components.wording import count

# An emoji favicon is drawn in the page; a Material one is fetched from a Google host on every page view.
st.set_page_config(page_title="Fine-tuning checkpoints", page_icon="📈", layout="wide")

config, key_source = connection_sidebar()
typed_job, refresh = job_picker()
st.title("Fine-tuning checkpoints")

if key_source is KeySource.NONE:
    config, job_id = DEMO_CONFIG, DEMO_JOB_ID
    st.info(
        "**Demo job.** These curves come from a built-in example run. Add an OpenAI API key "
        "(environment, `.streamlit/secrets.toml`, or the sidebar) to read your own jobs.",
        icon=":material/science:",
    )
    if typed_job and typed_job != DEMO_JOB_ID:
        st.warning(f"Add an API key to open {code_span(typed_job)}; until then this page shows the demo.")
elif not typed_job:
    st.markdown(
        "Paste a fine-tuning job ID (`ftjob-…`) in the sidebar to see every checkpoint, its train and "
        "validation curves, and the checkpoint to deploy."
    )
    st.stop()
else:
    job_id = typed_job

try:
    job_id = validate_id(job_id)
except ValueError as exc:
    show_error(exc)
    st.stop()

run = load_with_status(config, job_id, refresh=refresh)
if run is None:
    st.stop()

job_header(run.summary)
auto_refresh(config, job_id, running=not run.summary.is_terminal and config != DEMO_CONFIG)
for note in run.notes:
    st.warning(markdown_literal(note, NOTE_CHARS), icon=":material/warning:")

checkpoints = run.checkpoints
if checkpoints.empty:
    st.info(
        "**This job has no checkpoints yet** "
        f"(status: {markdown_literal(run.summary.status_text, WORD_CHARS)}). "
        "OpenAI saves a checkpoint at the end of each epoch and keeps the last three, so they appear as "
        "epochs finish.",
        icon=":material/hourglass:",
    )

metrics = available_metrics(checkpoints)
axes = run_axes(
    run.history, checkpoints, n_epochs=run.summary.hyperparameters.n_epochs, total_steps=run.total_steps
)
options = view_options(metrics, default_metric(checkpoints), axes.modes)
advice = recommend(checkpoints, run.history, options.metric, finished=run.summary.is_terminal)
best_id = advice.checkpoint_id if advice else None
ids = checkpoints["checkpoint_id"].astype(str).tolist()
selected_id = picked(ids)

if advice is not None:
    best_row = checkpoints.loc[checkpoints["checkpoint_id"] == best_id].iloc[0]
    checkpoint_card(
        "Recommended checkpoint",
        best_row,
        metric=advice.metric,
        reason=advice.reason,
        warning=advice.unsaved_minimum,
        key="best_card",
    )
elif not checkpoints.empty:
    st.info("No checkpoint of this job carries a metric, so none can be recommended.")

display = build_display(
    run.history,
    checkpoints,
    axes=axes,
    x_mode=options.x_mode,
    smoothing=options.smoothing,
    log_y=options.log_y,
    ignore_outliers=options.ignore_outliers,
    keep_steps=[int(advice.step)] if advice else [],
    keep_ids=[selected_id] if selected_id else [],
)
if not run.history.empty:
    curves_panel(display, decider=options.metric, best_id=best_id, selected_id=selected_id)
    shown = f", {display.rows_shown:,} drawn" if display.rows_shown < display.rows_total else ""
    marked = f", {len(display.checkpoints):,} marked" if len(display.checkpoints) < len(checkpoints) else ""
    st.caption(
        f"Per-step metrics from the {run.history_source}: {display.rows_total:,} steps{shown}. "
        f"{count(len(checkpoints), 'checkpoint')} in {count(run.checkpoint_pages, 'page')}{marked}. "
        + ("Click a ◇ checkpoint marker or a table row to inspect it." if not checkpoints.empty else "")
    )
else:
    st.info("No training metrics yet: the curves appear once the job reports its first steps.")
metric_help()

if selected_id is not None and selected_id != best_id:
    selected_row = checkpoints.loc[checkpoints["checkpoint_id"] == selected_id].iloc[0]
    checkpoint_card(
        "Selected checkpoint", selected_row, metric=options.metric, deciding=False, key="selected_card"
    )

if not checkpoints.empty:
    st.subheader("All checkpoints")
    checkpoint_table(checkpoints, best_id)
export_buttons(run, job_id)
