"""Going to another page: the URL written from the page wanted (``components.page.route.params_of``), so
every button, switch and upload that changes the page writes it the one way ``route`` reads it."""

from __future__ import annotations

import streamlit as st

from components.page.route import JOB_PARAM, RUN_PARAM, JobLink, Place, params_of

JOB_KEY = JOB_PARAM
"""The sidebar's job ID field: bound to ``?job=`` (``components.ui.job_picker``), so the field's state is
how the URL's job is written; Streamlit refuses to set a bound parameter any other way."""


def go(where: Place | JobLink) -> None:
    """Point the URL at ``where``; the next run of the script draws it.

    The run and the job ``where`` does not name are dropped (the field is emptied); a ``source`` it does
    not name stays, as route reads it only without a run or a job: it is the list a run was opened from,
    which emptying the job field later returns to. The view's parameters (checkpoint, zoom, options) stay.
    """
    params = params_of(where)
    job = str(params.pop(JOB_PARAM, ""))
    if (st.session_state.get(JOB_KEY) or "").strip() != job.strip():  # a blank field names no job
        st.session_state[JOB_KEY] = job
    if RUN_PARAM not in params:
        st.query_params.pop(RUN_PARAM, None)
    st.query_params.update(params)
