"""Together AI as a run source: its job list, one job (``components.sources.together``), and a running job
refreshed at the cost of what is new (``components.sources.together_live``)."""

from __future__ import annotations

import pandas as pd

from components.api.together import TogetherClient
from components.data.together import TOGETHER, parse_together_job
from components.domain import RunData, RunSummary
from components.errors import DashboardError
from components.sources.base import Progress, Refresh, RunPage, SourceInfo, SourceKind, parsed
from components.sources.together import TOGETHER_CONVENTIONS, TOGETHER_LABEL, load_together_run
from components.sources.together_live import TogetherRefresh
from components.wording import count

_NEVER = pd.Timestamp.min.tz_localize("UTC")


def _newest_first(runs: list[RunSummary]) -> list[RunSummary]:
    """Runs by creation time, newest first (Together's order is not documented); unknown times last."""
    return sorted(
        runs, key=lambda run: run.created_at if run.created_at is not None else _NEVER, reverse=True
    )


class TogetherSource:
    """Runs of Together AI fine-tuning jobs, read with one key."""

    def __init__(self, client: TogetherClient) -> None:
        self._client = client
        self._info = SourceInfo(
            name=TOGETHER,
            label=TOGETHER_LABEL,
            endpoint=client.config.display_base_url,
            kind=SourceKind.API,
            inference=True,
            conventions=TOGETHER_CONVENTIONS,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Every job Together lists (one request), newest first."""
        jobs, next_cursor = self._client.start_load().jobs_page(cursor)
        runs, unreadable = [], 0
        for job in jobs:
            try:
                runs.append(parsed("job list from Together AI", parse_together_job, job))
            except DashboardError:
                unreadable += 1
        notes = (
            (f"Left out {count(unreadable, 'job')} whose id or fields cannot be read.",) if unreadable else ()
        )
        return RunPage(tuple(_newest_first(runs)), next_cursor, notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The job, its checkpoints and its metrics; ``resume`` is not needed (nothing here is paged)."""
        return load_together_run(self._client, run_id, self._info, on_progress)

    def refresh(self, previous: RunData) -> Refresh:
        """``previous`` brought up to date at the cost of what is new (``sources.together_live``)."""
        return TogetherRefresh(self._client, previous, self._info).run()
