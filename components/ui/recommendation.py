"""The recommendation as a compact strip above the chart: model name to copy, the deciding number, whether
to use it and why; the metric table, the long explanation, the name with a copy button and a snippet behind
"Details".

The strip shows the name as inline code (a triple click selects it whole), not ``st.code``: ``st.code``
makes the browser load and run a syntax highlighter of about 1.5 MB (~400 ms) before the chart below it is
drawn. The popover's ``st.code`` blocks are mounted only when it opens, so they cost nothing until then."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.page.recommendation import Strip, Tone
from components.text import MODEL_CHARS, clean, code_span

STRIP_KEY = "best_card"
NAME_KEY = "best_model"
NO_SNIPPET = (
    "No snippet: this model name has characters that no provider's model names have, so it is not "
    "offered as code to paste."
)
STEP_ONLY = (
    "No checkpoint was saved at this step, so there is no model name to copy: the file lists validated "
    "steps, not saved checkpoints."
)
# Plain glyphs, not icons: the page's only icons in text are Streamlit's own.
ADVICE_LOOK = {Tone.GO: ("green", "✓"), Tone.CAUTION: ("orange", "⚠")}


def _details(strip: Strip) -> None:
    """What the popover holds: why the metric decides, the long explanation, every metric, the id, and a
    line of code."""
    if strip.why and not strip.why_in_strip:
        st.markdown(strip.why)
    if strip.details:
        st.markdown(strip.details)
    if strip.unsaved:
        st.warning(strip.unsaved, icon=":material/star_half:")
    if strip.metrics:
        st.dataframe(
            pd.DataFrame(strip.metrics, columns=["Metric", "Value"]), hide_index=True, width="stretch"
        )
    if not strip.step_only:
        st.caption(f"Checkpoint {code_span(strip.checkpoint_id)}")
    if strip.model:
        st.code(clean(strip.model, MODEL_CHARS), language=None, wrap_lines=True)
    if strip.snippet is not None:
        st.caption("Call it with the OpenAI Python SDK:")
        st.code(strip.snippet, language="python", wrap_lines=True)
    elif strip.model:
        st.caption(NO_SNIPPET)


def _name(strip: Strip) -> None:
    """The model name to copy, as inline code (``code_span``: nothing in it becomes markup); a validated step
    has none, and none is invented."""
    if strip.model:
        with st.container(key=NAME_KEY):
            st.markdown(code_span(strip.model, MODEL_CHARS))
    elif strip.step_only:
        st.caption(STEP_ONLY)
    else:
        st.caption("The API sent no model name for this checkpoint.")


def recommendation_strip(strip: Strip) -> None:
    """The strip. ``strip.model`` and ``strip.checkpoint_id`` come from the API and are shown only through
    components.text; every other word is ours."""
    colour, icon = ADVICE_LOOK[strip.tone]
    # Rows that wrap rather than squeeze: on a narrow window the number goes under the model name.
    with st.container(border=True, key=STRIP_KEY, gap="small"):
        with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
            with st.container(width="stretch", gap="small"):
                st.caption(f"**★ {strip.title}** · step {strip.step:,}")
                _name(strip)
            st.metric(
                strip.decided_by, strip.value, help=f"Decided by: {strip.decided_by.lower()}", width="content"
            )
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.markdown(f":{colour}[{icon} {strip.advice}]", width="stretch")
            with st.popover("Details", icon=":material/description:", width="content"):
                _details(strip)
        st.caption(strip.reason)
        if strip.why_in_strip:
            st.caption(strip.why)
