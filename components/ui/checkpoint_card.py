"""A checkpoint shown so it can be used at once: its model name to copy, the deciding number, a snippet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data.metrics import BY_NAME, METRIC_NAMES
from components.text import MODEL_CHARS, clean, code_span, usage_snippet

NO_SNIPPET = (
    "No snippet: this model name has characters that no provider's model names have, so it is not "
    "offered as code to paste."
)


def _format(name: str, value: float) -> str:
    return f"{value:.2%}" if BY_NAME[name].higher_is_better else f"{value:.4f}"


def checkpoint_card(
    title: str,
    checkpoint: pd.Series,
    *,
    metric: str | None,
    reason: str | None = None,
    warning: str | None = None,
    deciding: bool = True,
    key: str,
) -> None:
    """Model name (copy button on hover), the metric that decided, the other metrics, and a snippet.

    ``title``, ``reason`` and ``warning`` are our own sentences; the model name and checkpoint id come from
    the API and are shown only through components.text.
    """
    model = str(checkpoint["model"])
    snippet = usage_snippet(model)
    with st.container(border=True, key=key):
        st.markdown(f"#### {title}")
        left, right = st.columns([3, 2], vertical_alignment="top")
        with left:
            st.caption(
                f"Model name · step {int(checkpoint['step']):,} · {code_span(checkpoint['checkpoint_id'])}"
            )
            if model:
                st.code(clean(model, MODEL_CHARS), language=None, wrap_lines=True)
            else:
                st.caption("The API sent no model name for this checkpoint.")
            if reason:
                st.markdown(reason)
            if warning:
                st.warning(warning, icon=":material/info:")
            if snippet is not None:
                st.caption("Use it as a model right away:")
                st.code(snippet, language="python", wrap_lines=True)
            elif model:
                st.caption(NO_SNIPPET)
        with right:
            shown = [name for name in METRIC_NAMES if pd.notna(checkpoint.get(name))]
            if metric in shown:
                label = BY_NAME[metric].label
                st.metric(f"Decided by: {label}" if deciding else label, _format(metric, checkpoint[metric]))
            rows = [
                {"Metric": BY_NAME[name].label, "Value": _format(name, checkpoint[name])}
                for name in shown
                if name != metric
            ]
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if not shown:
                st.caption("The API sent no metrics for this checkpoint.")
