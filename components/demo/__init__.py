"""The built-in demo job: fixture files in the API's exact response shapes, served by an httpx transport.

The demo goes through the same client, parsers and page as a real job, so what a newcomer sees is
what the dashboard does. The fixtures were generated once by ``scripts/build_demo_fixture.py``; the job's
validation file and its models' answers to prompts are built in too (``components.demo.chat``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import httpx

from components.api.auth import BearerAuth
from components.api.config import ApiConfig
from components.api.limits import Limits
from components.demo.chat import VALIDATION_FILE, chat_response, validation_file

DEMO_JOB_ID = "ftjob-demo"
DEMO_CONFIG = ApiConfig(
    base_url="https://demo.invalid/v1", auth=BearerAuth("demo"), limits=Limits(max_retries=0)
)
FIXTURES = Path(__file__).with_name("fixtures")


@cache
def _routes() -> dict[str, tuple[bytes, str]]:
    """Path -> (body, content type), read once per process."""
    job = json.loads((FIXTURES / "job.json").read_bytes())
    prefix = f"/v1/fine_tuning/jobs/{DEMO_JOB_ID}"
    listed = json.dumps({"object": "list", "data": [job], "has_more": False}).encode()
    routes = {
        "/v1/fine_tuning/jobs": (listed, "application/json"),
        prefix: ((FIXTURES / "job.json").read_bytes(), "application/json"),
        f"{prefix}/checkpoints": ((FIXTURES / "checkpoints.json").read_bytes(), "application/json"),
        f"{prefix}/events": ((FIXTURES / "events.json").read_bytes(), "application/json"),
    }
    for file_id in job["result_files"]:
        routes[f"/v1/files/{file_id}/content"] = ((FIXTURES / f"{file_id}.txt").read_bytes(), "text/plain")
    routes[f"/v1/files/{VALIDATION_FILE}/content"] = (validation_file(), "application/octet-stream")
    return routes


def _handle(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/chat/completions" and request.method == "POST":
        return chat_response(request)
    found = _routes().get(request.url.path) if request.method == "GET" else None
    if found is None:
        error = {"message": "The demo has one job only.", "type": "invalid_request_error", "param": None}
        return httpx.Response(404, json={"error": {**error, "code": "not_found"}})
    body, content_type = found
    return httpx.Response(
        200, content=body, headers={"content-type": content_type, "x-request-id": "req_demo"}
    )


def demo_transport() -> httpx.MockTransport:
    """A transport that answers like the API for the demo job (its reads, its validation file, its models'
    chat completions) and 404 for anything else."""
    return httpx.MockTransport(_handle)
