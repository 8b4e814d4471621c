"""Property-based tests (hypothesis) of what a remote party or a link controls.

Over job ids, server-sent ids and cursors, query parameters and whole API payloads:
- no request ever leaves ``…/fine_tuning/jobs/{one segment}[/checkpoints|/events]`` or
  ``…/files/{one segment}/content``, and its query holds only ``limit``, ``after`` and ``api-version``;
- no exception other than a DashboardError escapes load_run, whatever JSON the server sends.
Requests go to an httpx.MockTransport that records them; example counts stay modest to keep this fast.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.api import FineTuningClient, make_http_client
from components.errors import DashboardError
from components.sources.openai import load_run
from devtools.configs import openai_config

BASE = "https://api.example.test/v1"
_SEGMENT = rb"[^/?#]+"
ALLOWED_PATH = re.compile(
    rb"/v1/(?:fine_tuning/jobs/" + _SEGMENT + rb"(?:/checkpoints|/events)?|files/" + _SEGMENT + rb"/content)"
)
ALLOWED_QUERY = {"limit", "after", "api-version"}
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Numbers a hostile server might send where a step, a time or a metric belongs: huge, tiny, in
# milliseconds, past int64, past float, as strings.
edge_numbers = st.sampled_from(
    [0, -1, 1e14, 1.7e12, 1e20, -1e20, 10**20, 2**63, -(2**63) - 1, 10**400, 1e308, -1e308, 1e-300, 0.5]
)
numbers = st.integers() | st.floats(allow_nan=True, allow_infinity=True) | edge_numbers
json_scalars = st.none() | st.booleans() | numbers | edge_numbers.map(str) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ids = st.text(max_size=40) | st.from_regex(r"[A-Za-z0-9_-]{1,30}", fullmatch=True)
hostile_ids = st.sampled_from(
    ["../files/x", "a/b", "a?b=c", "a#b", "%2F", "..", "ftjob-abc/../../files", "\u202eftjob", "a\nb", " "]
)
METRICS = ["step", "train_loss", "train_mean_token_accuracy", "valid_loss", "full_valid_loss", "total_steps"]


def metrics_objects() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(METRICS), json_values, max_size=6)


def checkpoint_items() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids},
        optional={
            "step_number": json_values,
            "created_at": json_values,
            "fine_tuned_model_checkpoint": json_values,
            "metrics": metrics_objects() | json_values,
        },
    )


def event_items() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"id": ids},
        optional={
            "type": st.sampled_from(["metrics", "message"]) | json_values,
            "created_at": json_values,
            "data": metrics_objects() | json_values,
        },
    )


def pages(items: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[Any]]:
    page = st.fixed_dictionaries({"data": st.lists(items, max_size=4)}, optional={"has_more": json_values})
    # Mostly well-formed pages, so the hostile values inside them reach the data layer.
    return st.lists(st.one_of(page, page, page, json_values), min_size=1, max_size=4)


def jobs() -> st.SearchStrategy[Any]:
    job = st.fixed_dictionaries(
        {"id": ids},
        optional={
            "status": json_values,
            "model": json_values,
            "fine_tuned_model": json_values,
            "result_files": st.lists(ids | json_values, max_size=2) | json_values,
            "hyperparameters": st.dictionaries(st.sampled_from(["n_epochs", "batch_size"]), json_values)
            | json_values,
            "created_at": json_values,
            "finished_at": json_values,
            "estimated_finish": json_values,
            "error": json_values,
            "method": json_values,
            "trained_tokens": json_values,
        },
    )
    return st.one_of(job, job, job, json_values)


class Server:
    """A MockTransport handler that answers from generated payloads and records every request."""

    def __init__(self, job: Any, checkpoint_pages: list[Any], event_pages: list[Any], file: bytes) -> None:
        self.job, self.file = job, file
        self.lists = {"checkpoints": checkpoint_pages, "events": event_pages}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/content"):
            return httpx.Response(200, content=self.file)
        kind = path.rsplit("/", 1)[-1]
        if kind in self.lists:
            served = self.lists[kind]
            body = served[min(sum(kind in r.url.path for r in self.requests) - 1, len(served) - 1)]
        else:
            body = self.job
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )


def _load(server: Callable[[httpx.Request], httpx.Response], job_id: str, **config: Any) -> None:
    api = openai_config("sk-test", BASE, max_retries=0, **config)
    http = make_http_client(BASE, read_timeout=5, max_retries=0, transport=httpx.MockTransport(server))
    with http, contextlib.suppress(DashboardError):
        load_run(FineTuningClient(http, api), job_id)


def _assert_confined(requests: list[httpx.Request], api_version: str | None = None) -> None:
    for request in requests:
        raw_path = request.url.raw_path.split(b"?", 1)[0]
        assert ALLOWED_PATH.fullmatch(raw_path), raw_path
        assert request.url.host == "api.example.test"
        assert set(request.url.params) <= ALLOWED_QUERY
        if api_version is not None:
            assert request.url.params["api-version"] == api_version


def _ok_job(job_id: str, files: list[Any] | None = None) -> dict[str, Any]:
    return {"id": job_id, "status": "succeeded", "result_files": files or []}


@FAST
@given(job_id=st.text(max_size=150) | ids | hostile_ids)
def test_a_job_id_never_leaves_its_path_segment(job_id: str) -> None:
    server = Server(
        _ok_job("ftjob-x"), [{"data": [], "has_more": False}], [{"data": []}], b"step,train_loss\n1,2\n"
    )
    _load(server, job_id)
    _assert_confined(server.requests)
    for request in server.requests:
        segment = request.url.raw_path.split(b"/")[4]
        assert segment.decode() == job_id.strip()  # the checked id itself, nothing added or decoded


@FAST
@given(
    checkpoint_ids=st.lists(ids | hostile_ids, min_size=1, max_size=5),
    event_ids=st.lists(ids | hostile_ids, min_size=1, max_size=5),
    files=st.lists(ids | hostile_ids, max_size=3),
)
def test_server_sent_ids_and_cursors_stay_in_the_query_or_are_refused(
    checkpoint_ids: list[str], event_ids: list[str], files: list[str]
) -> None:
    checkpoint_pages = [{"data": [{"id": ident}], "has_more": True} for ident in checkpoint_ids]
    event_pages = [{"data": [{"id": ident}], "has_more": True} for ident in event_ids]
    server = Server(
        _ok_job("ftjob-x", files), [*checkpoint_pages, {"data": []}], [*event_pages, {"data": []}], b""
    )
    _load(server, "ftjob-x")
    _assert_confined(server.requests)
    afters = [request.url.params.get("after") for request in server.requests if "after" in request.url.params]
    assert set(afters) <= set(checkpoint_ids) | set(event_ids)


@FAST
@given(api_version=st.text(min_size=1, max_size=40).filter(lambda text: text.strip() == text))
def test_the_api_version_setting_is_one_query_value_whatever_it_holds(api_version: str) -> None:
    server = Server(_ok_job("ftjob-x"), [{"data": []}], [{"data": []}], b"")
    _load(server, "ftjob-x", api_version=api_version)
    assert len(server.requests) == 3
    _assert_confined(server.requests, api_version)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    job=jobs(),
    checkpoints=pages(checkpoint_items()),
    events=pages(event_items()),
    file=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
)
def test_no_payload_makes_load_run_raise_anything_but_a_dashboard_error(
    job: Any, checkpoints: list[Any], events: list[Any], file: bytes
) -> None:
    if isinstance(job, dict) and isinstance(job.get("id"), str):
        job = {**job, "id": "ftjob-x"}
    server = Server(job, checkpoints, events, file)
    _load(server, "ftjob-x")
    _assert_confined(server.requests)
