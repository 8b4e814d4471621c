"""The comparison as the URL names it (``?run=A&run=B``): each run loaded as its own page loads it, a link
to each run's own page, and removing a run by taking it out of the URL."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from components.domain import RunRef
from components.page.route import OneRun, link_to, showing
from components.ui.compare_page import compare_page
from components.ui.connection import Connection
from components.ui.navigation import go
from components.ui.run_loading import load_ref


def run_link(ref: RunRef) -> str:
    """The address of one run's own page (a RunRef is checked, so it is safe in a link)."""
    return link_to(OneRun(ref))


def remove_run(refs: Sequence[RunRef], ref: RunRef) -> None:
    """Take ``ref`` out of the comparison of ``refs``; with one run left, that run's page opens."""
    go(showing([kept for kept in refs if kept != ref]))


def comparison(connection: Connection, refs: Sequence[RunRef], *, refresh: bool) -> None:
    """Load every run (each one's problems shown where it failed) and compare those that loaded."""
    loaded = [item for ref in refs if (item := load_ref(connection, ref, refresh=refresh)) is not None]
    compare_page(loaded, on_remove=partial(remove_run, tuple(refs)), run_link=run_link)
