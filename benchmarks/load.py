"""Twenty users on one dashboard server: how long each waits for its charts, and the server's memory.

Run from the repo root: ``python benchmarks/load.py`` (about 3 minutes today; ``--help`` for options).
It prints numbers only; nothing here passes or fails.

One ``streamlit run app.py`` server reads a stand-in API that runs in a process of its own, so the
server's numbers are not mixed with the stand-in's. Each session is a websocket client that speaks
Streamlit's own protocol (the protobuf messages the browser exchanges), which loads the server like
a browser tab does at a fraction of the client-side cost. Times run from opening the session's
websocket to the moment the plotly figure (loss above accuracy) has arrived, i.e. when a browser
starts drawing them; ``benchmarks/render.py`` measures the drawing that follows.

- Reference: a fresh server, one session, one 100,000-step job: the single-user baseline (time and
  peak memory) that the issue's memory bound is stated against.
- Phase 1: a fresh server, 20 sessions at once, each on a different job of realistic size (400 to
  100,000 steps, result file as OpenAI serves it, base64).
- Phase 2 (same server): one session opens a job whose API never answers (the stand-in hangs on the
  job endpoint) while 19 others load fresh jobs; the 19 must stay fast, and the hung one must end on
  an error message. ``DASHBOARD_LOAD_DEADLINE`` and the ``OPENAI_*`` settings in this environment
  are passed to the app, so their effect shows here.
- Phase 3 (same server, issue 17): one hostile session types 16 Azure endpoints with a key (each a
  rerun) and uploads 12 result files at the size limit, as a browser does (the upload endpoint, then
  the uploader's widget state), while 20 others load fresh jobs; the 20 must stay as fast as in phase 1,
  and the server must hold no more of the uploads than the bounds allow (``components.page.uploads``).

Memory: VmHWM (the kernel's peak resident set) of the streamlit process after each phase, and the
peak of VmRSS sampled every 50 ms during each phase (VmHWM never goes down, so only the sample says
what a later phase needed by itself).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from components.api.limits import DEFAULT_MAX_FILE_MB, MEGABYTE  # noqa: E402
from devtools.app_settings import ARCHIVE_OFF  # noqa: E402
from devtools.harness import RunningApp, app_process  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_run  # noqa: E402

# Twenty jobs from a short tune to a long one; every size is a multiple of N_EPOCHS.
SIZES = (
    400, 800, 1_200, 2_000, 3_000, 4_000, 6_000, 8_000, 10_000, 12_000,
    16_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 100_000,
)  # fmt: skip
N_EPOCHS = 4
REFERENCE_STEPS = 100_000
WARMUP_STEPS = 40
HANG_SECONDS = 900.0  # the stand-in's hang outlasts any client timeout and retry budget
HUNG_TARGET_SECONDS = 45.0  # issue 6: a hung API reaches a clear message within 45 s by default
CHARTS = 1  # one figure: loss above accuracy
SAMPLE_SECONDS = 0.05
MIB = 1024 * 1024


@dataclass(frozen=True)
class Job:
    """One stand-in job: its id, its size, and whether its job endpoint hangs."""

    id: str
    steps: int
    seed: int
    hangs: bool = False


@dataclass
class Session:
    """What one websocket session saw, in seconds since it started to connect (None: never)."""

    job: Job
    shell: float | None = None  # the first element of the page arrived (the sidebar)
    charts: float | None = None  # the chart arrived
    error: float | None = None  # an error box arrived
    done: float | None = None  # the script run finished
    problem: str | None = None  # what went wrong in the client (timeout, closed socket)
    charts_seen: int = 0

    def record(self, message: ForwardMsg, now: float) -> bool:
        """Note what one message from the server adds to the page; True once the run has finished."""
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            self.done = now
            return message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        if kind != "delta" or message.delta.WhichOneof("type") != "new_element":
            return False
        element = message.delta.new_element
        shown = element.WhichOneof("type")
        if self.shell is None:
            self.shell = now
        if shown == "plotly_chart":
            self.charts_seen += 1
            if self.charts_seen == CHARTS:
                self.charts = now
        if shown == "alert" and element.alert.format == Alert.ERROR and self.error is None:
            self.error = now
        return False


# --- the stand-in API, in its own process -------------------------------------------------------


def _serve_standin(jobs: Sequence[Job], conn: Connection) -> None:
    """Child process: build the jobs, serve them, send the base URL, and serve until told to stop."""
    with StandInServer() as server:
        for job in jobs:
            faults = [Fault("job", "hang", times=None, hang_seconds=HANG_SECONDS)] if job.hangs else []
            server.add_run(make_run(job.id, n_steps=job.steps, n_epochs=N_EPOCHS, seed=job.seed), faults)
        conn.send(server.base_url)
        conn.recv()


@contextmanager
def standin_process(jobs: Sequence[Job]) -> Iterator[str]:
    """A stand-in serving ``jobs`` in a separate process; yields its base URL."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve_standin, args=(jobs, child), daemon=True)
    process.start()
    try:
        if not parent.poll(300):
            raise RuntimeError("the stand-in did not start within 300 s")
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


# --- the server's memory --------------------------------------------------------------------------


def _status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of /proc/<pid>/status, e.g. VmRSS or VmHWM."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler:
    """The highest VmRSS of a process seen while this sampler runs (a background thread)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._stop = threading.Event()
        self.peak_kib = _status_kib(pid, "VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak_kib = max(self.peak_kib, _status_kib(self._pid, "VmRSS"))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


# --- one session: Streamlit's websocket protocol ------------------------------------------------


def _open_page(job_id: str) -> bytes:
    """The BackMsg a browser sends for ``/?job=<id>``: run the main page with that query string."""
    message = BackMsg()
    message.rerun_script.query_string = f"job={job_id}"
    message.rerun_script.page_script_hash = ""
    return message.SerializeToString()


async def _watch(session: Session, url: str, started: float) -> None:
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with websockets.connect(
        ws_url, subprotocols=[websockets.Subprotocol("streamlit")], max_size=None, ping_interval=None
    ) as ws:
        await ws.send(_open_page(session.job.id))
        async for data in ws:
            message = ForwardMsg()
            message.ParseFromString(data)
            if session.record(message, time.monotonic() - started):
                return


async def run_session(session: Session, url: str, timeout: float) -> Session:
    """Open the job's page and follow the script run until it finishes, or ``timeout`` seconds."""
    started = time.monotonic()
    try:
        await asyncio.wait_for(_watch(session, url, started), timeout)
    except TimeoutError:
        session.problem = f"no end of the run within {timeout:g} s"
    except (OSError, websockets.WebSocketException) as exc:
        session.problem = f"{type(exc).__name__}: {exc}"
    if session.done is not None and session.charts is None and session.error is None:
        session.problem = "the run ended with neither charts nor an error message"
    return session


def run_sessions(url: str, jobs: Sequence[Job], timeout: float) -> list[Session]:
    """All sessions at once, as many users opening their links at the same moment."""

    async def all_of_them() -> list[Session]:
        return list(await asyncio.gather(*(run_session(Session(job), url, timeout) for job in jobs)))

    return asyncio.run(all_of_them())


# --- a hostile session: typed endpoints and uploads at the limits -------------------------------------

TYPED_ENDPOINTS = 16
UPLOADS = 12
UPLOAD_BYTES = round(DEFAULT_MAX_FILE_MB * MEGABYTE) - 1_000  # just under DASHBOARD_MAX_FILE_MB
ENDPOINT_LABEL = "Azure OpenAI endpoint"
UPLOADER_LABEL = "Open a run from a file"


def limit_sized_csv(seed: int) -> bytes:
    """A result CSV just under the file limit: as many ``step,train_loss`` rows as fit."""
    row = b"%d,0.%d\n"
    parts, size, step = [b"step,train_loss\n"], 16, 1
    while size < UPLOAD_BYTES - 40:
        line = row % (step, (step * 7 + seed) % 1000)
        parts.append(line)
        size += len(line)
        step += 1
    return b"".join(parts)


@dataclass
class Hostile:
    """What the hostile session did and saw."""

    typed: int = 0
    uploaded: int = 0
    refused: int = 0  # uploads the upload endpoint turned away
    seconds: float | None = None
    problem: str | None = None
    widgets: dict[str, str] | None = None


class _Wire:
    """One websocket session driven by hand: reruns with widget states, upload URLs, widget ids by label."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.session_id = ""
        self.widgets: dict[str, str] = {}
        self.urls: dict[str, ForwardMsg] = {}

    async def until_finished(self) -> None:
        async for data in self.ws:
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.session_id = message.new_session.initialize.session_id or self.session_id
            elif kind == "file_urls_response":
                self.urls[message.file_urls_response.response_id] = message
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                shown = element.WhichOneof("type")
                if shown in ("text_input", "file_uploader"):
                    widget = getattr(element, shown)
                    self.widgets[widget.label] = widget.id
            elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return

    async def rerun(self, states: Sequence[WidgetState]) -> None:
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        message.rerun_script.widget_states.widgets.extend(states)
        await self.ws.send(message.SerializeToString())
        await self.until_finished()

    async def upload_url(self, name: str) -> str:
        request_id = f"r{len(self.urls)}"
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        await self.ws.send(message.SerializeToString())
        async for data in self.ws:
            reply = ForwardMsg()
            reply.ParseFromString(data)
            if (
                reply.WhichOneof("type") == "file_urls_response"
                and reply.file_urls_response.response_id == request_id
            ):
                return reply.file_urls_response.file_urls[0].upload_url
        raise OSError("the websocket closed before the upload URL came")


def _text(widget_id: str, value: str) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.string_value = value
    return state


async def _type_endpoints(wire: _Wire, hostile: Hostile) -> None:
    for n in range(TYPED_ENDPOINTS):
        states = [_text(wire.widgets[ENDPOINT_LABEL], f"https://bench-{n:02d}.openai.azure.com/")]
        key_label = next(
            (label for label in wire.widgets if "Azure" in label and "key" in label.lower()), None
        )
        if key_label:
            states.append(_text(wire.widgets[key_label], "k" * 64))
        await wire.rerun(states)
        hostile.typed += 1


async def _put(client: httpx.AsyncClient, url: str, files: dict, token: str) -> httpx.Response:
    """One upload, sent again once when a kept-alive connection was closed under it (as a browser would)."""
    try:
        return await client.put(url, files=files, headers={"X-Xsrftoken": token})
    except httpx.TransportError:
        return await client.put(url, files=files, headers={"X-Xsrftoken": token})


async def _upload_files(wire: _Wire, client: httpx.AsyncClient, hostile: Hostile) -> None:
    files = WidgetState(id=wire.widgets[UPLOADER_LABEL])
    token = client.cookies.get("_streamlit_xsrf") or ""
    for n in range(UPLOADS):
        name = f"limit-{n:02d}.csv"
        url = await wire.upload_url(name)
        data = limit_sized_csv(n)
        answer = await _put(client, url, {"file": (name, data, "text/csv")}, token)
        if answer.status_code >= 300:
            hostile.refused += 1
            continue
        info = files.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), url.rstrip("/").rsplit("/", 1)[-1]
        await wire.rerun([files])
        hostile.uploaded += 1


async def run_hostile(url: str, hostile: Hostile, timeout: float) -> Hostile:
    """One session typing endpoints with a key, then uploading files at the limit, as fast as it can."""
    started = time.monotonic()
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            await client.get("/_stcore/health")  # the XSRF cookie, as the browser gets it
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            async with websockets.connect(
                ws_url,
                subprotocols=[websockets.Subprotocol("streamlit")],
                additional_headers={"Cookie": cookie},
                max_size=None,
                ping_interval=None,
            ) as ws:
                wire = _Wire(ws)
                await asyncio.wait_for(_hostile_steps(wire, client, hostile), timeout)
                hostile.widgets = dict(wire.widgets)
    except TimeoutError:
        hostile.problem = f"not done within {timeout:g} s"
    except (OSError, KeyError, httpx.HTTPError, websockets.WebSocketException) as exc:
        hostile.problem = f"{type(exc).__name__}: {exc}"
    hostile.seconds = time.monotonic() - started
    return hostile


async def _hostile_steps(wire: _Wire, client: httpx.AsyncClient, hostile: Hostile) -> None:
    await wire.rerun([])
    await _type_endpoints(wire, hostile)
    await _upload_files(wire, client, hostile)


def run_with_hostile(url: str, jobs: Sequence[Job], timeout: float) -> tuple[list[Session], Hostile]:
    """The sessions on ``jobs`` and the hostile one, all at once."""

    async def all_of_them() -> tuple[list[Session], Hostile]:
        hostile = run_hostile(url, Hostile(), timeout)
        sessions = [run_session(Session(job), url, timeout) for job in jobs]
        done = await asyncio.gather(hostile, *sessions)
        return list(done[1:]), done[0]

    return asyncio.run(all_of_them())


# --- the app ----------------------------------------------------------------------------------------


@contextmanager
def dashboard(base_url: str, warmup: Job) -> Iterator[RunningApp]:
    """A fresh ``streamlit run app.py`` on the stand-in; one small job opened so imports are done."""
    env = {**os.environ, **ARCHIVE_OFF, "OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": base_url}
    with app_process(env) as app:
        (first,) = run_sessions(app.url, [warmup], timeout=300)
        if first.charts is None:
            raise RuntimeError(f"the warm-up job did not load: {first}\n{app.log_text()[-3000:]}")
        yield app


# --- reporting --------------------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def print_sessions(title: str, sessions: Sequence[Session]) -> None:
    print(title)
    print(f"  {'job':<22} {'steps':>8} {'shell s':>8} {'charts s':>9} {'error s':>8} {'done s':>8}  problem")
    for session in sessions:
        print(
            f"  {session.job.id:<22} {session.job.steps:>8,} {_s(session.shell):>8} {_s(session.charts):>9} "
            f"{_s(session.error):>8} {_s(session.done):>8}  {session.problem or ''}"
        )


def chart_stats(sessions: Sequence[Session]) -> str:
    """Median and max time to the chart, and how many sessions got there."""
    times = [s.charts for s in sessions if s.charts is not None]
    if not times:
        return f"0 of {len(sessions)} sessions drew charts"
    missing = len(sessions) - len(times)
    return f"median {statistics.median(times):.2f} s, max {max(times):.2f} s" + (
        f" ({missing} of {len(sessions)} never got charts)" if missing else ""
    )


def memory_line(app: RunningApp, sampler: RssSampler) -> str:
    hwm = _status_kib(app.process.pid, "VmHWM")
    return f"peak VmRSS during the phase {_mib(sampler.peak_kib)}; VmHWM so far {_mib(hwm)}"


# --- the phases -------------------------------------------------------------------------------------


def reference(base_url: str, warmup: Job, job: Job, timeout: float) -> None:
    with dashboard(base_url, warmup) as app:
        idle = _status_kib(app.process.pid, "VmRSS")
        with RssSampler(app.process.pid) as sampler:
            sessions = run_sessions(app.url, [job], timeout)
        print_sessions(f"Reference: one session, a {job.steps:,}-step job, fresh server", sessions)
        print(f"  server after warm-up {_mib(idle)}; {memory_line(app, sampler)}")
        print()


def under_load(
    base_url: str, warmup: Job, first: Sequence[Job], second: Sequence[Job], hung: Job, timeout: float
) -> None:
    with dashboard(base_url, warmup) as app:
        pid = app.process.pid
        idle = _status_kib(pid, "VmRSS")
        with RssSampler(pid) as sampler:
            started = time.monotonic()
            phase1 = run_sessions(app.url, first, timeout)
            wall1 = time.monotonic() - started
        print_sessions(f"Phase 1: {len(first)} sessions at once, each on its own job", phase1)
        print(f"  time to the chart: {chart_stats(phase1)}; all done in {wall1:.1f} s")
        print(f"  server after warm-up {_mib(idle)}; {memory_line(app, sampler)}")
        print()

        with RssSampler(pid) as sampler:
            started = time.monotonic()
            phase2 = run_sessions(app.url, [hung, *second], timeout)
            wall2 = time.monotonic() - started
        stuck, others = phase2[0], phase2[1:]
        print_sessions(f"Phase 2: one session on a hung API, {len(others)} others on fresh jobs", phase2)
        same = {job.steps for job in second}
        comparable = [s for s in phase1 if s.job.steps in same]
        print(f"  the {len(others)}, time to the chart: {chart_stats(others)}")
        print(f"  the same sizes in phase 1:          {chart_stats(comparable)}")
        print(
            "  hung session: "
            + (
                f"error message after {stuck.error:.1f} s"
                if stuck.error is not None
                else f"no error message ({stuck.problem or 'run ended without one'})"
            )
            + f"; phase done in {wall2:.1f} s"
        )
        print(f"  {memory_line(app, sampler)}")
        print()
        met = stuck.error is not None and stuck.error <= HUNG_TARGET_SECONDS
        print(
            f"Target: a hung API reaches its message within {HUNG_TARGET_SECONDS:g} s: "
            f"{'MET' if met else 'NOT MET'} ({_s(stuck.error)} s)"
        )
        print()
        third = [Job(f"ftjob-load-c{i:02d}", job.steps, seed=400 + i) for i, job in enumerate(first)]
        with RssSampler(pid) as sampler:
            started = time.monotonic()
            phase3, hostile = run_with_hostile(app.url, third, timeout)
            wall3 = time.monotonic() - started
        print_sessions(f"Phase 3: {len(third)} sessions beside one typing endpoints and uploading", phase3)
        print(f"  the {len(third)}, time to the chart: {chart_stats(phase3)}")
        print(f"  the same jobs' sizes in phase 1:   {chart_stats(phase1)}")
        print(
            f"  hostile session: typed {hostile.typed} of {TYPED_ENDPOINTS} endpoints, uploaded "
            f"{hostile.uploaded} of {UPLOADS} files of {UPLOAD_BYTES / MEGABYTE:.1f} MB ({hostile.refused} "
            f"refused by the server) in {_s(hostile.seconds)} s"
            + (f"; {hostile.problem}" if hostile.problem else "")
        )
        print(f"  phase done in {wall3:.1f} s; {memory_line(app, sampler)}")
        print(f"  server now (uploads held, nothing loading) {_mib(_status_kib(pid, 'VmRSS'))}")
        problems = [s for s in (*phase1, *phase2, *phase3) if s.problem]
        if problems:
            print("Server log (last 40 lines), since some sessions had problems:")
            print("\n".join(app.log_text().splitlines()[-40:]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=len(SIZES), help="concurrent sessions (2 to 20)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a session may take (300)")
    parser.add_argument("--no-reference", action="store_true", help="skip the single-job reference")
    args = parser.parse_args(argv)
    count = min(max(args.sessions, 2), len(SIZES))
    sizes = [SIZES[round(i * (len(SIZES) - 1) / (count - 1))] for i in range(count)]  # the mix, spread

    warmup = Job("ftjob-load-warmup", WARMUP_STEPS, seed=0)
    single = Job("ftjob-load-reference", REFERENCE_STEPS, seed=1)
    first = [Job(f"ftjob-load-a{i:02d}", steps, seed=100 + i) for i, steps in enumerate(sizes)]
    # Phase 2 drops the smallest job, so its 19 carry about the load of phase 1's 20.
    second = [Job(f"ftjob-load-b{i:02d}", steps, seed=200 + i) for i, steps in enumerate(sizes[1:])]
    hung = Job("ftjob-load-hung", sizes[0], seed=300, hangs=True)

    deadline = os.environ.get("DASHBOARD_LOAD_DEADLINE")
    print(
        f"benchmarks/load.py: {len(first)} sessions; sizes {min(sizes):,} to {max(sizes):,} steps; "
        f"{os.cpu_count()} CPUs; DASHBOARD_LOAD_DEADLINE={deadline or 'unset (app default)'}"
    )
    print("Times are seconds from opening the websocket (shell: first element; charts: the chart).")
    print()
    third = [Job(f"ftjob-load-c{i:02d}", job.steps, seed=400 + i) for i, job in enumerate(first)]
    with standin_process([warmup, single, *first, *second, hung, *third]) as base_url:
        if not args.no_reference:
            reference(base_url, warmup, single, args.timeout)
        under_load(base_url, warmup, first, second, hung, args.timeout)


if __name__ == "__main__":
    main()
