"""Hostile variants of a synthetic run: the data faults a proxy or a broken server could send.

Each function returns a new :class:`SyntheticRun` (the original is untouched) that still follows the
API's transport contract (pages, cursors, status codes) but carries data of the wrong shape.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterable
from dataclasses import replace
from typing import Literal

from .synthetic import METRIC_KEYS, SyntheticRun


def with_status(run: SyntheticRun, status: str) -> SyntheticRun:
    """The job reports `status`, e.g. one the spec's enum lacks."""
    return replace(run, job=run.job | {"status": status})


def without_fields(
    run: SyntheticRun, where: Literal["job", "checkpoints", "events"], fields: Iterable[str]
) -> SyntheticRun:
    """`fields` removed from the job object, or from every checkpoint or event."""
    names = set(fields)

    def strip(obj: dict) -> dict:
        return {key: value for key, value in obj.items() if key not in names}

    if where == "job":
        return replace(run, job=strip(run.job))
    if where == "checkpoints":
        return replace(run, checkpoints=[strip(item) for item in run.checkpoints])
    return replace(run, events=[strip(item) for item in run.events])


def metrics_as(run: SyntheticRun, form: Literal["string", "null"]) -> SyntheticRun:
    """Every metric value of checkpoints and metrics events sent as a string ("0.51") or as null."""

    def recast(metrics: dict | None) -> dict | None:
        if metrics is None:
            return None
        return {
            key: (str(value) if form == "string" else None) if key in METRIC_KEYS else value
            for key, value in metrics.items()
        }

    checkpoints = [item | {"metrics": recast(item["metrics"])} for item in copy.deepcopy(run.checkpoints)]
    events = [item | {"data": recast(item["data"])} for item in copy.deepcopy(run.events)]
    return replace(run, checkpoints=checkpoints, events=events)


def with_result_file(run: SyntheticRun, body: bytes) -> SyntheticRun:
    """Every result file of the job answers with `body` instead of its CSV."""
    return replace(run, files=dict.fromkeys(run.files, body))


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
