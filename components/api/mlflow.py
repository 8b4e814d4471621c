"""An MLflow tracking server's REST API (MLflow 3; shared/formats.md §1), read with httpx alone.

Settings follow MLflow's own client: ``MLFLOW_TRACKING_URI`` (an ``http(s)://`` server; the REST paths are
``{uri}/api/2.0/mlflow/…``), ``MLFLOW_TRACKING_USERNAME`` + ``MLFLOW_TRACKING_PASSWORD`` (Basic, wins when
set) or ``MLFLOW_TRACKING_TOKEN`` (Bearer); a server without auth needs neither. The credential goes in a
header per request, never in the URL (a ``user:password@`` in the URI is refused).

Every list is paged by the server's ``page_token`` and bounded by a page count; a page of metric history
is sized so its answer stays within ``DASHBOARD_MAX_RESPONSE_MB`` (25,000 points, MLflow's own client
page, at the default 8 MB).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.api.auth import Auth, BasicAuth, BearerAuth, NoAuth
from components.api.client import ApiClient
from components.api.config import ApiConfig, normalise_base_url
from components.api.errors import MalformedResponseError, PaginationError
from components.api.limits import resolve_limits
from components.api.pagination import Item
from components.api.settings import ConfigError, KeySource, Settings

MLFLOW_API_PATH = "/api/2.0/mlflow"
HISTORY_PAGE_POINTS = 25_000  # MLflow's own client pages get-history by 25,000
BYTES_PER_POINT = 200  # one {key, value, timestamp, step} point is about 90 bytes of JSON
INTERVAL_POINTS = 2_500  # get-history-bulk-interval's most points per run and key
RUNS_PAGE = 100
MODELS_PAGE = 50  # the REST default of logged-models/search
MAX_PAGES = 1_000
LOCAL_STORE = (
    "MLFLOW_TRACKING_URI must be an http(s):// tracking server: a local mlruns folder or a database URI is "
    "not read by the dashboard; serve it with `mlflow server --backend-store-uri <it>` and point "
    "MLFLOW_TRACKING_URI there."
)
_STATUS_ORDER = "attributes.start_time DESC"


def _auth(settings: Settings) -> tuple[Auth, KeySource]:
    """Basic when a user name and password are set (as MLflow's client), else a bearer token, else none."""
    username = settings.text("MLFLOW_TRACKING_USERNAME")
    password, password_source = settings.key("MLFLOW_TRACKING_PASSWORD")
    if username and password:
        return BasicAuth(username, password), password_source
    if username or password:
        raise ConfigError("Set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or neither.")
    token, token_source = settings.key("MLFLOW_TRACKING_TOKEN")
    return (BearerAuth(token), token_source) if token else (NoAuth(), KeySource.NO_AUTH)


def resolve_mlflow_config(
    env: Mapping[str, Any], secrets: Mapping[str, Any]
) -> tuple[ApiConfig, KeySource] | None:
    """The MLflow source's config, or None when ``MLFLOW_TRACKING_URI`` is not set."""
    settings = Settings(env, secrets)
    uri = settings.text("MLFLOW_TRACKING_URI")
    if uri is None:
        return None
    if not uri.lower().startswith(("http://", "https://")):
        raise ConfigError(LOCAL_STORE)
    base = normalise_base_url(uri, "MLFLOW_TRACKING_URI")
    auth, source = _auth(settings)
    return ApiConfig(base_url=base + MLFLOW_API_PATH, auth=auth, limits=resolve_limits(env, secrets)), source


def _list(body: dict[str, Any], key: str, path: str) -> list[Item]:
    """``body[key]`` as a list of objects (absent: empty, as MLflow leaves out empty lists)."""
    items = body.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedResponseError(f"{path} answered with a '{key}' that is not a list of objects.")
    return items


def _token(body: dict[str, Any]) -> str | None:
    token = body.get("next_page_token")
    return token if isinstance(token, str) and token else None


class MLflowClient(ApiClient):
    """Reads runs, metric histories and logged models from one MLflow tracking server."""

    def _paged(self, path: str, key: str, request: dict[str, Any], *, post: bool = True) -> list[Item]:
        """Every page of one list, continued by ``page_token``; a repeated token or runaway count fails."""
        items: list[Item] = []
        seen: set[str] = set()
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = {**request, **({"page_token": token} if token else {})}
            body = self.json_object(path, method="POST", json=page) if post else self.json_object(path, page)
            items.extend(_list(body, key, path))
            token = _token(body)
            if token is None:
                return items
            if token in seen:
                raise PaginationError(f"The server sent the same page token twice while listing {key}.")
            seen.add(token)
        raise PaginationError(f"Stopped after {MAX_PAGES:,} pages of {key} without reaching the end.")

    def experiments(self) -> list[Item]:
        """Every active experiment (``max_results`` is required: without it the server refuses)."""
        return self._paged("experiments/search", "experiments", {"max_results": 1000})

    def runs_page(
        self, experiment_ids: list[str], search: str | None = None, token: str | None = None
    ) -> tuple[list[Item], str | None]:
        """One page of runs of these experiments, newest first, matching the server's own ``search`` filter
        (``metrics.`eval/loss` < 1``, ``params.lr = '2e-5'``, ``attributes.status = 'RUNNING'``)."""
        request: dict[str, Any] = {
            "experiment_ids": experiment_ids,
            "max_results": RUNS_PAGE,
            "order_by": [_STATUS_ORDER],
        }
        if search:
            request["filter"] = search
        if token:
            request["page_token"] = token
        body = self.json_object("runs/search", method="POST", json=request)
        return _list(body, "runs", "runs/search"), _token(body)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """The run: info (status, times), data (latest metrics, params, tags), outputs (logged models)."""
        run = self.json_object("runs/get", {"run_id": run_id}).get("run")
        if not isinstance(run, dict) or not isinstance(run.get("info"), dict):
            raise MalformedResponseError("runs/get answered without a run.")
        return run

    def history_page_points(self) -> int:
        """Points per get-history page, so one answer fits ``max_response_bytes``."""
        return max(100, min(HISTORY_PAGE_POINTS, self.config.limits.max_response_bytes // BYTES_PER_POINT))

    def metric_history(self, run_id: str, key: str) -> list[Item]:
        """Every point of one metric, ``{key, value, timestamp, step}``, paged by the server's token."""
        request = {"run_id": run_id, "metric_key": key, "max_results": self.history_page_points()}
        return self._paged("metrics/get-history", "metrics", request, post=False)

    def metric_steps(self, run_id: str, key: str, start: int, end: int) -> list[Item]:
        """The points of one metric from step ``start`` to ``end`` (at most ``INTERVAL_POINTS`` steps apart):
        a live run's new points, without reading its history again."""
        params = {
            "run_ids": run_id,
            "metric_key": key,
            "start_step": start,
            "end_step": end,
            "max_results": INTERVAL_POINTS,
        }
        return _list(
            self.json_object("metrics/get-history-bulk-interval", params), "metrics", "get-history-bulk"
        )

    def logged_models(self, experiment_id: str, run_id: str) -> list[Item]:
        """The run's MLflow 3 logged models (its checkpoints), every page."""
        return self._paged("logged-models/search", "models", _models_request(experiment_id, run_id))

    def ranked_first(self, experiment_id: str, run_id: str, key: str, ascending: bool) -> Item | None:
        """MLflow's own ranking of the run's logged models by ``key`` (its latest value; nulls last): the
        first, as ``mlflow.search_logged_models(order_by=[…])`` gives it."""
        request = {
            **_models_request(experiment_id, run_id),
            "max_results": 1,
            "order_by": [{"field_name": f"metrics.{key}", "ascending": ascending}],
        }
        models = _list(
            self.json_object("logged-models/search", method="POST", json=request), "models", "models"
        )
        return models[0] if models else None


def _models_request(experiment_id: str, run_id: str) -> dict[str, Any]:
    # Both ids are checked safe segments (letters, digits, '-', '_'): nothing can leave the quotes.
    return {
        "experiment_ids": [experiment_id],
        "filter": f"source_run_id = '{run_id}'",
        "max_results": MODELS_PAGE,
    }
