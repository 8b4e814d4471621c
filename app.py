"""Fine-tuning checkpoint dashboard: give a job ID, see how training went and which checkpoint to deploy."""

from __future__ import annotations

import streamlit as st

from components.api import validate_id
from components.demo import DEMO_JOB_ID
from components.page import build_page, prepare
from components.sources import SourceKind
from components.text import NOTE_CHARS, code_span, markdown_literal
from components.ui.auto_refresh import current_run, live_progress
from components.ui.checkpoint_table import checkpoint_table
from components.ui.comparison import comparison_panel
from components.ui.connection import connection_sidebar
from components.ui.curves_panel import curves_panel
from components.ui.errors import show_error
from components.ui.exports import export_buttons
from components.ui.job_header import job_header
from components.ui.job_picker import job_picker
from components.ui.loading_status import load_with_status
from components.ui.metric_help import metric_help
from components.ui.recommendation import recommendation_strip
from components.ui.selection import picked, zoom_of
from components.ui.try_checkpoints import try_checkpoints
from components.ui.view_options import view_options

# An emoji favicon is drawn in the page; a Material one is fetched from a Google host on every page view.
st.set_page_config(page_title="Fine-tuning checkpoints", page_icon="📈", layout="wide")

connection = connection_sidebar()
source = connection.source
typed_job, refresh = job_picker()

if source.kind is SourceKind.DEMO:
    job_id = DEMO_JOB_ID
    st.info(
        "**Demo job**: a built-in example run. Add an OpenAI API key in the sidebar to read your own jobs.",
        icon=":material/science:",
    )
    if typed_job and typed_job != DEMO_JOB_ID:
        st.warning(f"Add an API key to open {code_span(typed_job)}; until then this page shows the demo.")
elif not typed_job:
    st.title("Fine-tuning checkpoints")
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

run = current_run(source, job_id, refresh=refresh) or load_with_status(connection, job_id, refresh=refresh)
if run is None:
    st.stop()

prepared = prepare(run)
selected_id = picked(run.checkpoints["checkpoint_id"].astype(str).tolist())
zoom = zoom_of(job_id)
# Laid out top to bottom here, filled once the options (read by widgets further down) are known.
header, strip, toolbar = st.container(), st.container(), st.container()
options = view_options(
    prepared, job_id, zoomed=zoom is not None, toolbar=toolbar if prepared.has_curves else None
)
page = build_page(prepared, options, selected_id=selected_id, zoom=zoom)

with header:
    job_header(page.header)
    live_progress(connection, job_id, run)
    for note in page.notes:
        st.warning(markdown_literal(note, NOTE_CHARS), icon=":material/warning:")
    if page.waiting:
        st.info(page.waiting, icon=":material/hourglass:")
if page.strip is not None:
    with strip:
        recommendation_strip(page.strip)
if page.chart is not None:
    curves_panel(page.chart, job_id, page.loaded)
else:
    st.info(page.no_curves, icon=":material/hourglass:")
    st.caption(f"Read: {page.loaded}.")
if page.comparison is not None:
    comparison_panel(page.comparison)
if page.table is not None:
    st.markdown("#### All checkpoints")
    checkpoint_table(page.table)
try_checkpoints(source, run, page.strip.checkpoint_id if page.strip else None)
export_buttons(run, job_id)
metric_help()
