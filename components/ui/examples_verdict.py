"""Is the difference real? Two models picked among those scored on the same examples, the verdict with its
95 % interval, and the details behind it. Every decision is ``components.page.examples_verdict``'s."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.page.examples_verdict import (
    SCORES,
    default_pair,
    examples_verdict,
    score_matrix,
    scored_models,
)
from components.text import MODEL_CHARS, NOTE_CHARS, clean, markdown_literal


def examples_verdict_panel(results: pd.DataFrame, recommended: str | None, key: str) -> None:
    """The comparison under a set of scored answers; ``key`` keeps its widgets apart from another set's.
    Nothing is drawn with fewer than two models scored."""
    score = "token_f1"
    matrix = score_matrix(results, score)
    models = scored_models(matrix)
    if len(models) < 2:
        return
    first, second = default_pair(matrix, recommended)
    st.markdown("**Is the difference real?**")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        shown = {label: clean(label, MODEL_CHARS) for label in models}
        picked_first = st.selectbox(
            "Model", models, index=models.index(first), format_func=shown.get, key=f"{key}_first"
        )
        rest = [label for label in models if label != picked_first]
        picked_second = st.selectbox(
            "against",
            rest,
            index=rest.index(second) if second in rest else 0,
            format_func=shown.get,
            key=f"{key}_second",
        )
        score = (
            st.segmented_control(
                "Score", list(SCORES), default=score, format_func=SCORES.get, key=f"{key}_score"
            )
            or score
        )
    matrix = score_matrix(results, score)
    verdict = examples_verdict(matrix, (picked_first, picked_second), score, recommended)
    st.markdown(markdown_literal(verdict.verdict, NOTE_CHARS))
    details = [verdict.wins, verdict.method, verdict.power, verdict.optimism]
    st.caption(markdown_literal(" ".join(line for line in details if line), NOTE_CHARS))
    if verdict.against:
        with st.expander("Every model against the recommended one"):
            st.caption(markdown_literal(verdict.holm or "", NOTE_CHARS))
            for line in verdict.against:
                st.markdown("- " + markdown_literal(line, NOTE_CHARS))
