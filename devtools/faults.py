"""The fault table of issue 6, defined once: every way the API side can misbehave, and what the user sees.

Used by ``tests/api/test_fault_table.py`` and ``tests/page/test_page_fault_table.py`` (one test per row,
with each row's small test settings and skipped retry waits) and by ``benchmarks/faults.py`` (the same
rows with the default settings and real waits, printed as a table). Each row names a synthetic run, the
stand-in faults, the settings a test runs it with, and the expectation under those settings.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from components.api import (
    APIConnectionError,
    DeadlineExceededError,
    FineTuningClient,
    MalformedResponseError,
    RateLimitError,
    make_http_client,
    resolve_config,
)
from components.domain import RunData
from components.errors import DashboardError, MalformedDataError
from components.sources.openai import load_run
from components.ui.errors import describe
from devtools.standin import (
    DEFAULT_API_KEY,
    Fault,
    StandInServer,
    SyntheticRun,
    closed_port_url,
    make_checkpoints_only,
    make_run,
    metrics_as,
    with_result_file,
    with_status,
    without_fields,
)

MB = 1_000_000
FAST_RETRY = {"retry-after-ms": "5"}  # the server paces retries at 5 ms, so page tests wait for nothing
SMALL_DEADLINE = {"DASHBOARD_LOAD_DEADLINE": "1"}
HANG = 600.0  # longer than any deadline: the stand-in releases it when it stops


def file_run(job_id: str) -> SyntheticRun:
    """A succeeded job: 3 checkpoints (1 page), a base64 result file of 480 steps, 483 events (5 pages)."""
    return make_run(job_id)


def pages_run(job_id: str) -> SyntheticRun:
    """650 checkpoints in 7 pages, no result file and no events (1 empty page)."""
    return make_checkpoints_only(job_id, 650)


def events_run(job_id: str) -> SyntheticRun:
    """A running job at step 600: 3 checkpoints (1 page) and 601 events (7 pages), no result file."""
    return make_run(job_id, n_steps=600, n_epochs=3, status="running", progress=1.0, result_file=None)


@dataclass(frozen=True)
class Expect:
    """What the user sees under the row's test settings; None means "not checked"."""

    error: type[DashboardError] | None = None  # the page shows this error instead of the run
    says: str = ""  # words in the error message, or in one of the run's notes
    notes: int = 0  # warnings shown above the run
    requests: int | None = None  # HTTP attempts the client made
    checkpoints: int | None = None  # checkpoints shown
    events: int | None = None  # metrics events kept
    partial: bool = False  # Refresh has something to continue
    resume_requests: int | None = None  # attempts a Refresh makes to complete a partial run
    status: str | None = None  # the job status shown
    has_metrics: bool | None = None  # whether the checkpoints carry a training loss


@dataclass(frozen=True)
class Scenario:
    """One row of the fault table."""

    name: str
    make: Callable[[str], SyntheticRun]
    expect: Expect
    faults: tuple[Fault, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)  # environment of the test (not the benchmark)
    deadline: bool = False  # the load must end within its deadline (plus a small margin)
    refused: bool = False  # the client points at a port where nothing listens
    page: bool = False  # also checked through the page (AppTest), Refresh included

    @property
    def job_id(self) -> str:
        return "ftjob-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:100]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("healthy job (baseline)", file_run, Expect(requests=3, checkpoints=3)),
    Scenario(
        "429 with Retry-After: 1, twice",
        file_run,
        Expect(requests=5, checkpoints=3),
        (Fault("job", "status", status=429, headers={"retry-after": "1"}, times=2),),
    ),
    Scenario(
        "429 with retry-after-ms: 300, twice",
        file_run,
        Expect(requests=5, checkpoints=3),
        (Fault("checkpoints", "status", status=429, headers={"retry-after-ms": "300"}, times=2),),
    ),
    Scenario(
        "429 without Retry-After on every try of events page 3",
        events_run,
        Expect(says="HTTP 429", notes=1, requests=7, checkpoints=3, events=200, partial=True),
        (Fault("events", "status", status=429, skip=2, times=None),),
    ),
    Scenario(
        "429 asking to wait 50 s, more than the load has left",
        file_run,
        Expect(RateLimitError, "asks to wait 50 s", requests=1),
        (Fault("job", "status", status=429, headers={"retry-after": "50"}, times=None),),
        page=True,
    ),
    Scenario(
        "429 asking for 15 s on every try: past the 20 s cap on retry waits",
        file_run,
        Expect(RateLimitError, "asks to wait 15 s", requests=2),
        (Fault("job", "status", status=429, headers={"retry-after": "15"}, times=None),),
    ),
    Scenario(
        "500 twice on checkpoints page 3, then fine",
        pages_run,
        Expect(requests=11, checkpoints=650),
        (Fault("checkpoints", "status", status=500, skip=2, times=2),),
    ),
    Scenario(
        "502 on every try of checkpoints page 7",
        pages_run,
        Expect(
            says="HTTP 502",
            notes=1,
            requests=11,
            checkpoints=600,
            partial=True,
            resume_requests=2,
        ),
        (Fault("checkpoints", "status", status=502, headers=FAST_RETRY, skip=6, times=3),),
        page=True,
    ),
    Scenario(
        "503 on every try of events page 4",
        events_run,
        Expect(
            notes=1, says="HTTP 503", requests=8, checkpoints=3, events=300, partial=True, resume_requests=5
        ),
        (Fault("events", "status", status=503, headers=FAST_RETRY, skip=3, times=3),),
        page=True,
    ),
    Scenario(
        "connection refused",
        file_run,
        Expect(APIConnectionError, "Could not reach", requests=3),
        refused=True,
    ),
    Scenario(
        "connection reset once (the job)",
        file_run,
        Expect(requests=4, checkpoints=3),
        (Fault("job", "reset"),),
    ),
    Scenario(
        "connection reset on every try of checkpoints page 2",
        pages_run,
        Expect(says="ReadError", notes=1, requests=6, checkpoints=100, partial=True),
        (Fault("checkpoints", "reset", skip=1, times=None),),
    ),
    Scenario(
        "hung API: no answer at all",
        file_run,
        Expect(DeadlineExceededError, "time limit for one load", requests=1),
        (Fault("any", "hang", hang_seconds=HANG, times=None),),
        SMALL_DEADLINE,
        deadline=True,
        page=True,
    ),
    Scenario(
        "hung read on checkpoints page 3",
        pages_run,
        Expect(says="time limit for one load", notes=2, requests=4, checkpoints=200, partial=True),
        (Fault("checkpoints", "hang", hang_seconds=HANG, skip=2, times=None),),
        SMALL_DEADLINE,
        deadline=True,
    ),
    Scenario(
        "trickled body: 1 byte every 100 ms",
        file_run,
        Expect(DeadlineExceededError, "time limit for one load", requests=1),
        (Fault("job", "trickle", interval=0.1, times=None),),
        SMALL_DEADLINE,
        deadline=True,
    ),
    Scenario(
        "truncated body on every try of checkpoints page 2",
        pages_run,
        Expect(says="before a whole answer arrived", notes=1, requests=6, checkpoints=100, partial=True),
        (Fault("checkpoints", "truncate", skip=1, times=None),),
    ),
    Scenario(
        "HTML instead of JSON for the job",
        file_run,
        Expect(MalformedResponseError, "not valid JSON", requests=1),
        (Fault("job", "body"),),
    ),
    Scenario(
        "HTML instead of JSON on events page 2",
        events_run,
        Expect(says="not valid JSON", notes=1, requests=4, checkpoints=3, events=100, partial=True),
        (Fault("events", "body", skip=1),),
    ),
    Scenario(
        "JSON labelled text/html",
        file_run,
        Expect(requests=3, checkpoints=3),
        (Fault("any", "content_type", times=None),),
    ),
    Scenario(
        "has_more: true on every page, then an empty page",
        pages_run,
        Expect(requests=10, checkpoints=650),
        (Fault("checkpoints", "has_more_always", times=None),),
    ),
    Scenario(
        "has_more: true with an empty first page",
        file_run,
        Expect(requests=3, checkpoints=0),
        (Fault("checkpoints", "empty_page"),),
    ),
    Scenario(
        "server ignores the cursor (the same page again)",
        pages_run,
        Expect(says="same page twice", notes=1, requests=4, checkpoints=100, partial=True),
        (Fault("checkpoints", "repeat_cursor", times=None),),
    ),
    Scenario(
        "duplicate ids across pages",
        pages_run,
        Expect(requests=9, checkpoints=650),
        (Fault("checkpoints", "overlap", times=None),),
    ),
    Scenario(
        "job object without id or status",
        lambda job_id: without_fields(file_run(job_id), "job", ["id", "status"]),
        Expect(MalformedDataError, "without an id", requests=1),
        page=True,
    ),
    Scenario(
        "checkpoints without id",
        lambda job_id: without_fields(file_run(job_id), "checkpoints", ["id"]),
        Expect(MalformedResponseError, "objects with ids", requests=2),
    ),
    Scenario(
        "checkpoints without step_number",
        lambda job_id: without_fields(file_run(job_id), "checkpoints", ["step_number"]),
        Expect(says="Left out 3 checkpoints", requests=3, checkpoints=0, notes=1),
    ),
    Scenario(
        "metrics as strings",
        lambda job_id: metrics_as(events_run(job_id), "string"),
        Expect(requests=9, checkpoints=3, events=601, has_metrics=True),
    ),
    Scenario(
        "metrics as nulls",
        lambda job_id: metrics_as(events_run(job_id), "null"),
        Expect(requests=9, checkpoints=3, events=601, has_metrics=False),
    ),
    Scenario(
        "unknown job status",
        lambda job_id: with_status(file_run(job_id), "paused_by_gremlins"),
        Expect(requests=3, checkpoints=3, status="paused_by_gremlins"),
    ),
    Scenario(
        "result file neither CSV nor base64",
        lambda job_id: with_result_file(file_run(job_id), b"\x00\xff<not csv, not base64>"),
        Expect(says="could not be read", notes=1, requests=8, checkpoints=3, events=483),
    ),
    Scenario(
        "JSON page over the byte limit (Content-Length)",
        pages_run,
        Expect(says="larger than 8 MB", notes=1, requests=4, checkpoints=100, partial=True),
        (Fault("checkpoints", "oversize", size=9 * MB, skip=1),),
    ),
    Scenario(
        "result file over the byte limit (streamed, no length)",
        file_run,
        Expect(says="larger than", notes=1, requests=8, checkpoints=3, events=483),
        (Fault("file", "oversize", size=33 * MB, chunked=True),),
        {"DASHBOARD_MAX_FILE_MB": "1"},
    ),
    Scenario(
        "Set-Cookie on every answer",
        file_run,
        Expect(requests=3, checkpoints=3),
        (Fault("any", "headers", headers={"Set-Cookie": "session=user-a; Path=/"}, times=None),),
    ),
)


class CountingTransport(httpx.BaseTransport):
    """Counts the attempts that reach the network (also those a refused connection ends)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner
        self.attempts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass
class Outcome:
    """What one load of a row produced, as the user would see it."""

    run: RunData | None
    error: DashboardError | None
    requests: int
    seconds: float

    def shows(self) -> str:
        """The page in a few words: the error's title, or the run and its warnings."""
        if self.error is not None:
            return f"error: {describe(self.error)[0]}"
        assert self.run is not None
        run = self.run
        text = f"run: {len(run.checkpoints):,} checkpoints, {len(run.history):,} steps"
        return text + (f", {len(run.notes)} warning" + "s" * (len(run.notes) != 1) if run.notes else "")

    def says(self) -> str:
        """The error's message, or the run's notes: where an expectation's words must appear."""
        if self.error is not None:
            return str(self.error)
        assert self.run is not None
        return "\n".join(note.text for note in self.run.notes)


class Loader:
    """Loads one row's job through the app's own client and load_run, counting attempts and time."""

    def __init__(
        self,
        scenario: Scenario,
        server: StandInServer,
        *,
        settings: Mapping[str, str],
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scenario = scenario
        server.add_run(scenario.make(scenario.job_id), scenario.faults, job_id=scenario.job_id)
        base_url = closed_port_url() if scenario.refused else server.base_url
        env = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": base_url, **settings}
        self.config, _ = resolve_config(env, {})
        self._counter = CountingTransport(httpx.HTTPTransport())
        self._http = make_http_client(
            self.config.base_url,
            read_timeout=self.config.limits.read_timeout,
            max_retries=self.config.limits.max_retries,
            transport=self._counter,
            sleep=sleep,
        )
        self._client = FineTuningClient(self._http, self.config, clock=clock)
        self._clock = clock

    def load(self, resume: RunData | None = None) -> Outcome:
        before, started = self._counter.attempts, self._clock()
        try:
            run, error = load_run(self._client, self.scenario.job_id, resume=resume), None
        except DashboardError as exc:
            run, error = None, exc
        return Outcome(run, error, self._counter.attempts - before, self._clock() - started)

    def close(self) -> None:
        self._http.close()


def run_scenario(
    scenario: Scenario,
    server: StandInServer,
    *,
    settings: Mapping[str, str],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """One load of ``scenario`` against ``server``."""
    loader = Loader(scenario, server, settings=settings, sleep=sleep, clock=clock)
    try:
        return loader.load()
    finally:
        loader.close()
