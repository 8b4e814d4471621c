"""OpenAI's fine-tuning API as a run source; Azure OpenAI and the demo are the same source under their own
base, auth and names.

It lists jobs, loads one (``components.sources.openai``) and refreshes a running one
(``components.sources.openai_live``). The job list is ``GET /fine_tuning/jobs`` in pages of 100, newest
first: listing N jobs costs ceil(N/100) requests, each page on demand.
"""

from __future__ import annotations

from components.api import FineTuningClient, PaginationError
from components.data.job import parse_job
from components.domain import RunData
from components.errors import DashboardError
from components.sources.base import Progress, Refresh, RunPage, SourceInfo, parsed
from components.sources.openai import load_run, openai_info
from components.sources.openai_live import OpenAIRefresh
from components.text import ECHO_CHARS, clip
from components.wording import count


class OpenAISource:
    """Runs of OpenAI's (or an OpenAI-shaped API's) fine-tuning jobs, read with one client and key; named
    by ``info`` (default: OpenAI's own, see :func:`openai_info`)."""

    def __init__(self, client: FineTuningClient, info: SourceInfo | None = None) -> None:
        self._client = client
        self._info = info or openai_info(client)

    @property
    def info(self) -> SourceInfo:
        return self._info

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Up to 100 jobs after the job ``cursor`` (None: the newest), newest first, in one request."""
        client = self._client.start_load()
        data, has_more = client.jobs_page(cursor)
        if cursor is not None and any(item["id"] == cursor for item in data):
            raise PaginationError(
                f"The server sent the job list from the start again (after={clip(cursor, ECHO_CHARS)!r}); it "
                "may be a proxy that ignores the 'after' parameter."
            )
        notes: list[str] = []
        runs = []
        unreadable = 0
        for item in data:
            try:
                runs.append(parsed("job list from the API", parse_job, item, source=self._info.name))
            except DashboardError:
                unreadable += 1
        if unreadable:
            notes.append(
                f"Left out {count(unreadable, 'job')} of this page whose id or fields cannot be read."
            )
        more = has_more is True and bool(data)
        return RunPage(tuple(runs), data[-1]["id"] if more else None, tuple(notes))

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        return load_run(self._client, run_id, on_progress, resume=resume, info=self._info)

    def refresh(self, previous: RunData) -> Refresh:
        """``previous`` brought up to date at the cost of what is new (``sources.openai_live``)."""
        return OpenAIRefresh(self._client, previous, self._info).run()
