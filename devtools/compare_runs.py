"""Finished OpenAI-shaped runs of any length for the compare page's tests, benchmark and screenshots, read
through the real OpenAI source (client, parsers, history) from the stand-in's synthetic jobs, served in
memory by an httpx transport: no server, no network."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx

from components.api import FineTuningClient, make_http_client
from components.api.auth import BearerAuth
from components.api.config import ApiConfig
from components.api.limits import Limits
from components.domain import RunData, RunRef
from components.sources.openai import load_run
from devtools.standin import SyntheticRun, make_run

_CONFIG = ApiConfig(
    base_url="https://compare.invalid/v1", auth=BearerAuth("sk-none"), limits=Limits(max_retries=0)
)


def _transport(run: SyntheticRun) -> httpx.MockTransport:
    job_id = run.job["id"]
    prefix = f"/v1/fine_tuning/jobs/{job_id}"

    def page(rows: list[dict]) -> dict:
        return {"object": "list", "data": rows, "has_more": False}

    routes = {
        prefix: run.job,
        f"{prefix}/checkpoints": page(run.checkpoints),
        f"{prefix}/events": page([]),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in routes:
            return httpx.Response(200, content=json.dumps(routes[path]).encode())
        file_id = path.removeprefix("/v1/files/").removesuffix("/content")
        if file_id in run.files:
            return httpx.Response(200, content=run.files[file_id], headers={"content-type": "text/plain"})
        return httpx.Response(
            404, json={"error": {"message": "no such thing", "type": "invalid_request_error"}}
        )

    return httpx.MockTransport(handle)


def synthetic_job(
    job_id: str,
    *,
    n_steps: int = 300,
    n_epochs: int = 3,
    seed: int = 7,
    learning_rate_multiplier: float = 1.8,
    with_validation: bool = True,
    shared_files: bool = False,
) -> SyntheticRun:
    """The stand-in's succeeded job of ``n_steps`` steps with this learning rate multiplier: what
    :func:`synthetic_run` reads in memory, and what a test serves from a real stand-in server. With
    ``shared_files`` its training and validation files are the same for every seed, so runs of one
    configuration differ only in their seed."""
    synthetic = make_run(
        job_id,
        n_steps=n_steps,
        n_epochs=n_epochs,
        seed=seed,
        result_file="plain",
        with_validation=with_validation,
    )
    hyper = {**synthetic.job["hyperparameters"], "learning_rate_multiplier": learning_rate_multiplier}
    method = {"type": "supervised", "supervised": {"hyperparameters": hyper}}
    files = {"training_file": "file-train-shared", "validation_file": "file-valid-shared"}
    job = {**synthetic.job, "hyperparameters": hyper, "method": method, **(files if shared_files else {})}
    return replace(synthetic, job=job)


def synthetic_run(
    job_id: str,
    *,
    n_steps: int = 300,
    n_epochs: int = 3,
    seed: int = 7,
    learning_rate_multiplier: float = 1.8,
    source: str = "openai",
    with_validation: bool = True,
    shared_files: bool = False,
) -> RunData:
    """A succeeded ``source:job_id`` run of ``n_steps`` steps (a multiple of ``n_epochs``), its last three
    epoch-end checkpoints and a result file, as the OpenAI source reads it."""
    synthetic = synthetic_job(
        job_id,
        n_steps=n_steps,
        n_epochs=n_epochs,
        seed=seed,
        learning_rate_multiplier=learning_rate_multiplier,
        with_validation=with_validation,
        shared_files=shared_files,
    )
    http = make_http_client(_CONFIG.base_url, read_timeout=5, max_retries=0, transport=_transport(synthetic))
    with http:
        run = load_run(FineTuningClient(http, _CONFIG), job_id)
    if source == "openai":
        return run
    summary = replace(run.summary, ref=RunRef(source, job_id))
    return replace(run, summary=summary, provenance=replace(run.provenance, source=source))


def _spec_arguments(spec: str) -> dict:
    """``ID/STEPS/EPOCHS/SEED`` as keyword arguments; the learning rate multiplier is half the seed, so
    runs told apart by seed differ in their hyperparameters too. ``ID/STEPS/EPOCHS/SEED/LR`` sets the
    multiplier and shares the files: runs equal but for SEED are repeats of one configuration."""
    job_id, steps, epochs, seed, *rate = spec.split("/")
    return {
        "job_id": job_id,
        "n_steps": int(steps),
        "n_epochs": int(epochs),
        "seed": int(seed),
        "learning_rate_multiplier": float(rate[0]) if rate else int(seed) / 2,
        "shared_files": bool(rate),
    }


def job_from_spec(spec: str) -> SyntheticRun:
    """The stand-in job of ``ID/STEPS/EPOCHS/SEED`` (the compare tests' URL spec), to serve over HTTP."""
    return synthetic_job(**_spec_arguments(spec))


def run_from_spec(spec: str) -> RunData:
    """The run of ``ID/STEPS/EPOCHS/SEED`` as the OpenAI source reads :func:`job_from_spec`'s job."""
    return synthetic_run(**_spec_arguments(spec))
