"""An MLflow tracking server as a run source: its runs by experiment, newest first, searchable with the
server's own filter and paged by its page token; one run (``components.sources.mlflow``); a RUNNING run
refreshed at the cost of what is new (``components.sources.mlflow_live``).

Listing costs 1 request for the experiments (with the first page, so a new experiment is listed) and 1 per
page of 100 runs.
"""

from __future__ import annotations

from components.api.mlflow import MLflowClient
from components.api.pagination import Item
from components.data.mlflow import MLFLOW, parse_mlflow_run
from components.domain import RunData
from components.errors import DashboardError
from components.sources.base import Progress, Refresh, RunPage, SourceInfo, SourceKind, parsed
from components.sources.mlflow import MLFLOW_CONVENTIONS, MLFLOW_LABEL, load_mlflow_run
from components.sources.mlflow_live import MLflowRefresh
from components.text import ECHO_CHARS, clean
from components.wording import count


def _named(run: Item, experiments: dict[str, str]) -> Item:
    """The run with its experiment's name before its own, so the list reads by experiment."""
    info = run.get("info", {})
    experiment = experiments.get(str(info.get("experiment_id")), "")
    name = " · ".join(part for part in (experiment, str(info.get("run_name") or "")) if part)
    return {**run, "info": {**info, "run_name": clean(name, ECHO_CHARS * 2)}}


class MLflowSource:
    """Runs of one MLflow tracking server, read with one credential (or none)."""

    def __init__(self, client: MLflowClient, search: str | None = None) -> None:
        self._client = client
        self._search = search
        self._experiments: dict[str, str] | None = None
        self._info = SourceInfo(
            name=MLFLOW,
            label=MLFLOW_LABEL,
            endpoint=client.config.display_base_url,
            kind=SourceKind.API,
            inference=False,
            conventions=MLFLOW_CONVENTIONS,
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def experiments(self, again: bool = False) -> dict[str, str]:
        """Experiment id → name, read with a listing's first page (``again``), kept for its next pages."""
        if self._experiments is None or again:
            found = self._client.start_load().experiments()
            self._experiments = {str(item.get("experiment_id")): str(item.get("name", "")) for item in found}
        return self._experiments

    def list_runs(self, cursor: str | None = None) -> RunPage:
        """Up to 100 runs of every experiment, newest first, after the page token ``cursor``."""
        return self.search_runs(self._search, cursor)

    def search_runs(self, search: str | None, cursor: str | None = None) -> RunPage:
        """The runs matching the server's filter ``search`` (``metrics.`eval/loss` < 1``), newest first."""
        experiments = self.experiments(again=cursor is None)
        if not experiments:
            return RunPage(())
        found, token = self._client.start_load().runs_page(sorted(experiments), search, cursor)
        runs, unreadable = [], 0
        for item in found:
            try:
                runs.append(parsed("run list from MLflow", parse_mlflow_run, _named(item, experiments)))
            except DashboardError:
                unreadable += 1
        notes = (
            (f"Left out {count(unreadable, 'run')} whose id or fields cannot be read.",) if unreadable else ()
        )
        return RunPage(tuple(runs), token, notes)

    def load_run(
        self, run_id: str, on_progress: Progress | None = None, *, resume: RunData | None = None
    ) -> RunData:
        """The run whole; ``resume`` is not needed (a partial run is read whole again by Refresh)."""
        return load_mlflow_run(self._client, run_id, self._info, on_progress)

    def refresh(self, previous: RunData) -> Refresh:
        """``previous`` brought up to date at the cost of what is new (``sources.mlflow_live``)."""
        return MLflowRefresh(self._client, previous, self._info).run()
