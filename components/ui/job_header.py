"""A compact header: what the job is, how it was trained, and how it ended."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.domain import RunSummary
from components.text import MODEL_CHARS, WORD_CHARS, code_span, markdown_literal

STATUS_COLOURS = {"succeeded": "green", "failed": "red", "cancelled": "gray", "running": "blue"}


def _when(timestamp: pd.Timestamp | None) -> str:
    return timestamp.strftime("%Y-%m-%d %H:%M UTC") if timestamp is not None else "—"


def _duration(job: RunSummary) -> str | None:
    if job.created_at is None or job.finished_at is None:
        return None
    minutes = (job.finished_at - job.created_at).total_seconds() / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return markdown_literal(value, WORD_CHARS) or "—"


def _model(name: str | None) -> str:
    return code_span(name, MODEL_CHARS) or "—"


def job_header(job: RunSummary) -> None:
    """Status badge, base and final model, method and hyperparameters, tokens and times.

    Every value here comes from the API, so each goes through components.text: ids and model names as
    inline code, words as escaped text.
    """
    colour = STATUS_COLOURS.get(job.status, "orange")
    status = markdown_literal(job.status_text, WORD_CHARS) or "unknown"
    st.markdown(f"### {code_span(job.run_id)} &nbsp; :{colour}-badge[{status}]")
    facts = [
        ("Base model", _model(job.base_model)),
        ("Method", _value(job.method)),
        ("Epochs", _value(job.hyperparameters.n_epochs)),
        ("Batch size", _value(job.hyperparameters.batch_size)),
        ("LR multiplier", _value(job.hyperparameters.learning_rate_multiplier)),
        ("Trained tokens", _value(job.trained_tokens)),
        ("Created", _when(job.created_at)),
    ]
    if job.finished_at is not None:
        facts.append(("Finished", f"{_when(job.finished_at)} ({_duration(job)})"))
    elif job.estimated_finish is not None:
        facts.append(("Estimated finish", _when(job.estimated_finish)))
    st.markdown(" · ".join(f"**{label}** {value}" for label, value in facts))
    if job.fine_tuned_model:
        st.markdown(f"**Final model** {_model(job.fine_tuned_model)}")
    if job.error_message:
        code = markdown_literal(job.error_code, WORD_CHARS)
        reason = f" ({code})" if code else ""
        st.error(
            f"**The job failed{reason}:** {markdown_literal(job.error_message)}", icon=":material/error:"
        )
