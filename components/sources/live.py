"""Live refresh of a run, for every source: one call the page makes on each auto-refresh tick.

:func:`refresh_run` brings a run up to date through its source's :class:`LiveSource` protocol, reading only
what is new (the steps every live source shares are in ``components.sources.refresh``; OpenAI and Azure
OpenAI's reads in ``components.sources.openai_live``, Together AI's in ``components.sources.together_live``;
their module docstrings give the request counts). Sources without live data (runs from files, uploads, an
archive) have nothing to refresh: their runs come back as they are, with no request. No Streamlit here; the
previous run is the page's own (per session and key), and the state a refresh keeps in ``RunData.resume``
is picklable.
"""

from __future__ import annotations

from components.domain import RunData
from components.sources.base import LiveSource, Refresh, RunSource


def is_live(source: RunSource) -> bool:
    """Whether the source reads runs that can still change (a provider's API, not files)."""
    return isinstance(source, LiveSource)


def needs_refresh(source: RunSource, run: RunData) -> bool:
    """Whether auto-refresh should run for ``run``: a live source, and a job not ended or a run partial."""
    return is_live(source) and (not run.summary.is_terminal or run.is_partial)


def refresh_run(source: RunSource, previous: RunData) -> Refresh:
    """``previous`` (a run this source loaded or refreshed) brought up to date; never loses what it knew.

    A failure comes back as :attr:`Refresh.error` with a note on the run, not as an exception, except a
    bug. Runs of sources without live data, and complete runs of ended jobs, cost no request.
    """
    if isinstance(source, LiveSource):
        return source.refresh(previous)
    return Refresh(previous)
