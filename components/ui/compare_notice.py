"""What a comparison link shows until the comparison page is wired in: the runs it names, each a link to
its own page (every run was loaded first, so its problems are shown above)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.text import code_span
from components.ui.loading_status import Loaded


def compare_notice(runs: Sequence[Loaded]) -> None:
    """An info box naming the loaded runs, each linked to ``?run=<ref>``."""
    if not runs:
        return
    # A RunRef is ``[a-z0-9]+:[A-Za-z0-9_-]+`` (checked when parsed), so it is safe in a link's address.
    links = "\n".join(f"- [{code_span(str(item.ref))}](?run={item.ref})" for item in runs)
    st.info(f"**Comparing {len(runs)} runs** (the comparison view comes next); open one:\n\n{links}")
