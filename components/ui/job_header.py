"""The job in two short lines: id and status, then how it was trained; the rest behind a popover."""

from __future__ import annotations

import streamlit as st

from components.page.header import Fact, Header
from components.text import MODEL_CHARS, WORD_CHARS, code_span, markdown_literal


def _shown(fact: Fact) -> str:
    """A fact's value from the API, as inline code (ids, model names) or escaped words."""
    return (
        code_span(fact.value, MODEL_CHARS) if fact.code else markdown_literal(fact.value, WORD_CHARS)
    ) or "—"


def job_header(header: Header, note: str | None = None) -> None:
    """Status badge, one line of facts, and a failure (a running job's progress is ``auto_refresh``'s).

    Every value here comes from the API, so each goes through components.text; ``note`` is Markdown of the
    page's own words (when the run's models stop answering), put under the facts in the same caption so it
    costs a line, not an element.
    """
    status = markdown_literal(header.status, WORD_CHARS) or "unknown"
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(
            f"### {code_span(header.run_id)} &nbsp; :{header.colour}-badge[{status}]", width="stretch"
        )
        with st.popover("Job details", icon=":material/info:", width="content"):
            st.markdown("  \n".join(f"**{fact.label}** {_shown(fact)}" for fact in header.details))
    facts = " · ".join(f"{fact.label} {_shown(fact)}" for fact in header.summary)
    st.caption(facts + (f"  \n{note}" if note else ""))
    if header.failure is not None:
        message, code = header.failure
        shown_code = markdown_literal(code, WORD_CHARS)
        reason = f" ({shown_code})" if shown_code else ""
        st.error(f"**The job failed{reason}:** {markdown_literal(message)}", icon=":material/error:")
