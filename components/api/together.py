"""Together AI's fine-tuning endpoints (together-python ``resources/finetune.py``; shared/providers.md).

``GET /fine-tunes`` (every job, no pagination documented), ``GET /fine-tunes/{id}``,
``GET /fine-tunes/{id}/checkpoints`` (items without ids) and ``GET /fine-tunes/{id}/metrics`` (per-step
training and evaluation values). Paging is defensive: should a list ever answer ``has_more: true``, it is
continued (jobs by ``after=<last id>``, metrics by ``global_step_from``), with the same guards against a
server that repeats itself as the OpenAI lists.

The metrics of a long job come in step windows (``global_step_from`` / ``global_step_to``): one answer for
a 100,000-step job is about 18 MB, past the 8 MB a response may have (``DASHBOARD_MAX_RESPONSE_MB``). The
window is sized from that limit and the job's ``total_steps``; a window that still comes back too large
is read again in halves. A job short enough for one answer costs one request, as before.
"""

from __future__ import annotations

import math
from typing import Any

from components.api.client import ApiClient, segment
from components.api.errors import MalformedResponseError, PaginationError, ResponseTooLargeError
from components.api.pagination import Item

MAX_METRIC_PAGES = 2_000
BYTES_PER_STEP = 500
"""What one step's metric records may take in an answer, with room to spare: a training record is about
180 bytes of JSON, an evaluation one less, and DPO jobs add reward and KL keys."""
MIN_WINDOW_STEPS = 100


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

    def metrics_window(self) -> int:
        """How many steps one metrics request asks for, so its answer fits ``max_response_bytes``."""
        return max(MIN_WINDOW_STEPS, self.config.limits.max_response_bytes // BYTES_PER_STEP)

    def metrics(
        self,
        job_id: str,
        *,
        start: int | None = None,
        total_steps: int | None = None,
        max_pages: int = MAX_METRIC_PAGES,
    ) -> list[Item]:
        """The job's per-step metric records from step ``start`` on (None: all), in step windows when
        ``total_steps`` (the job's) says one answer would be too large."""
        path = f"fine-tunes/{segment(job_id)}/metrics"
        window = self.metrics_window()
        first = start or 0
        if total_steps is None or total_steps - first < window:
            return self._metric_pages(path, start, None, max_pages)
        records: list[Item] = []
        while True:
            last_window = first + window > total_steps  # open-ended: whatever lies past total_steps too
            try:
                page = self._metric_pages(path, first, None if last_window else first + window, max_pages)
            except ResponseTooLargeError:
                if window <= MIN_WINDOW_STEPS:
                    raise
                window = max(MIN_WINDOW_STEPS, window // 2)
                continue
            # ``global_step_to`` may or may not include its step: the next window starts there, so each
            # window keeps only the steps before it.
            end = None if last_window else first + window
            records.extend(record for record in page if end is None or (_step(record) or 0) < end)
            if last_window:
                return records
            first += window

    def _metric_pages(self, path: str, start: int | None, end: int | None, max_pages: int) -> list[Item]:
        """One window's records (``start`` to ``end``; None: open), continued by step should the server
        ever page them."""
        records: list[Item] = []
        bounds: dict[str, Any] = {} if end is None else {"global_step_to": end}
        params: dict[str, Any] | None = (
            None if start is None and end is None else {"global_step_from": start or 0, **bounds}
        )
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
            params = {"global_step_from": start, **bounds}
        raise PaginationError(f"Stopped after {max_pages:,} pages of metrics without reaching the end.")


def _step(record: Item) -> int | None:
    step = record.get("train/global_step")
    usable = (
        isinstance(step, int | float) and not isinstance(step, bool) and math.isfinite(step) and step >= 0
    )
    return int(step) if usable else None
