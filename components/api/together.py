"""Together AI's fine-tuning endpoints (together-python ``resources/finetune.py``; shared/providers.md).

``GET /fine-tunes`` (every job, no pagination documented), ``GET /fine-tunes/{id}``,
``GET /fine-tunes/{id}/checkpoints`` (items without ids) and ``GET /fine-tunes/{id}/metrics`` (per-step
training and evaluation values). Paging is defensive: should a list ever answer ``has_more: true``, it is
continued (jobs by ``after=<last id>``, metrics by ``global_step_from``), with the same guards against a
server that repeats itself as the OpenAI lists.
"""

from __future__ import annotations

import math
from typing import Any

from components.api.client import ApiClient, segment
from components.api.errors import MalformedResponseError, PaginationError
from components.api.pagination import Item

MAX_METRIC_PAGES = 2_000


def _objects(body: dict[str, Any], key: str, path: str) -> list[Item]:
    """``body[key]`` as a list of JSON objects, or MalformedResponseError."""
    items = body.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedResponseError(f"{path} answered with a '{key}' that is not a list of objects.")
    return items


class TogetherClient(ApiClient):
    """Reads Together AI fine-tuning jobs with one key."""

    def jobs_page(self, after: str | None = None) -> tuple[list[Item], str | None]:
        """The jobs, and the cursor of the next page should the server ever page them (None: no more)."""
        params = {"after": after} if after is not None else None
        body = self.json_object("fine-tunes", params)
        jobs = _objects(body, "data", "fine-tunes")
        more = body.get("has_more") is True and bool(jobs) and isinstance(jobs[-1].get("id"), str)
        return jobs, jobs[-1]["id"] if more else None

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job object (status, model, output name, steps, hyperparameters…)."""
        return self.json_object(f"fine-tunes/{segment(job_id)}")

    def checkpoints(self, job_id: str) -> list[Item]:
        """The job's saved checkpoints, ``{step, created_at, path, checkpoint_type, …}`` each."""
        return _objects(self.json_object(f"fine-tunes/{segment(job_id)}/checkpoints"), "data", "checkpoints")

    def metrics(
        self, job_id: str, *, start: int | None = None, max_pages: int = MAX_METRIC_PAGES
    ) -> list[Item]:
        """The job's per-step metric records from step ``start`` on (None: all), continued by step should
        the server ever page them."""
        path = f"fine-tunes/{segment(job_id)}/metrics"
        records: list[Item] = []
        params: dict[str, Any] | None = None if start is None else {"global_step_from": start}
        for _ in range(max_pages):
            body = self.json_object(path, params)
            page = _objects(body, "metrics", "metrics")
            records.extend(page)
            if body.get("has_more") is not True or not page:
                return records
            last = max((_step(record) for record in page), default=None)
            start = None if last is None else last + 1
            if start is None or (params is not None and start <= params["global_step_from"]):
                raise PaginationError(
                    "The metrics list did not advance; the server may ignore global_step_from."
                )
            params = {"global_step_from": start}
        raise PaginationError(f"Stopped after {max_pages:,} pages of metrics without reaching the end.")


def _step(record: Item) -> int | None:
    step = record.get("train/global_step")
    usable = (
        isinstance(step, int | float) and not isinstance(step, bool) and math.isfinite(step) and step >= 0
    )
    return int(step) if usable else None
