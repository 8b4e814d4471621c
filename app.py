"""Fine-tuning checkpoint dashboard: every run of every source, how training went, which checkpoint to deploy.

Only composition here: the sidebar says which sources there are, the route which page the URL means, and
one page function draws it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components.demo import DEMO_JOB_ID
from components.domain import RunRef
from components.page.route import AddressProblem, Compare, Demo, JobList, OneRun, current_source, route
from components.sources.demo import DEMO
from components.text import code_span, markdown_literal
from components.ui.compare_route import comparison
from components.ui.connection import connection_sidebar, source_switch
from components.ui.errors import show_error
from components.ui.first_paint import FOLLOW_NOTE, follow_first_chart, settle
from components.ui.job_list import job_list_page
from components.ui.job_picker import job_picker
from components.ui.run_loading import load_ref
from components.ui.run_page import run_page
from components.ui.signin import for_user, signed_in_user
from components.ui.uploads import upload_sidebar

# An emoji favicon is drawn in the page; a Material one is fetched from a Google host on every page view.
st.set_page_config(page_title="Fine-tuning checkpoints", page_icon="📈", layout="wide")

user = signed_in_user()  # stops here, with only the sign-in page, unless signed in and allowed (or off)
controls = st.sidebar.empty()
with controls.container():
    connection, switch = connection_sidebar()
    typed_job, refresh = job_picker()
    uploads = upload_sidebar(connection.limits)
connection = replace(for_user(connection, user), uploads=uploads)
params = {name: st.query_params.get_all(name) for name in st.query_params}
where = route(params, connection.registry, job=typed_job, uploads=connection.upload_ids)
with switch:
    source_switch(connection, current_source(where))
if isinstance(where, OneRun | Demo):  # a run's page: its chart first
    follow_first_chart(controls, FOLLOW_NOTE)

match where:
    case JobList(source):
        job_list_page(connection, source, refresh=refresh)
    case OneRun(ref):
        if (loaded := load_ref(connection, ref, refresh=refresh, preload_chart=True)) is not None:
            run_page(connection, loaded)
    case Compare(refs):
        comparison(connection, refs, refresh=refresh)
    case Demo(wanted):
        st.info(
            "**Demo job**: a built-in example run. Add an API key in the sidebar, or upload a run's file, "
            "to read your own runs.",
            icon=":material/science:",
        )
        if wanted:
            st.warning(f"Add an API key to open {code_span(wanted)}; until then this page shows the demo.")
        if (
            loaded := load_ref(connection, RunRef(DEMO, DEMO_JOB_ID), refresh=refresh, preload_chart=True)
        ) is not None:
            run_page(connection, loaded)
    case AddressProblem(message, error):
        if error is not None:
            show_error(error)
        else:
            st.warning(markdown_literal(message), icon=":material/link_off:")
settle()
