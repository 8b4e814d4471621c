"""Peak memory of loading and drawing one run, for an ordinary 100,000-step job and for hostile payloads.

Run from the repo root: ``python benchmarks/memory.py`` (``--only NAME …`` for some cases,
``--file-limit-mb N`` for the largest result file the API's byte limit lets through, in MB of 10^6 bytes;
the default is the API layer's DEFAULT_MAX_FILE_MB). Prints numbers; asserts nothing.

The stand-in API serves each case on loopback from this process. Each case then runs in a fresh child
process that does what the page does with a run: ``load_run`` over real HTTP (or, for a hostile file,
``run_from_bytes`` as an upload or the runs folder reads it), then the page model
(``prepare`` and ``build_page``, default view) and its ``curves_figure`` serialised with
``plotly.io.to_json`` (as ``st.plotly_chart`` does). The child imports Streamlit as the app server
does, so its resident set starts where the server's does. Peak = VmHWM from /proc/<pid>/status;
"load +MB" and "draw +MB" are the peaks while loading and while drawing (VmHWM is reset in between
through /proc/self/clear_refs), less the resident set once every module is imported. The target
(issues 6 and 17): no case above 2.5 × the ordinary job.

The hostile files of issue 17: a result file whose header names one column 80,000 times and one of 10^6
columns (served by the API), and (``FILE_CASES``, opened as uploads) a 675 KB Parquet export whose 50 run
bodies all name the same rows and a limit-sized trainer_state.json of empty log entries.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.api import limits  # noqa: E402
from devtools.configs import openai_config  # noqa: E402
from devtools.standin import (  # noqa: E402
    DEFAULT_API_KEY,
    StandInServer,
    SyntheticRun,
    make_checkpoints_only,
    make_run,
)

TARGET_RATIO = 2.5
# The API layer's byte limit for one result file (DASHBOARD_MAX_FILE_MB), where it has one.
DEFAULT_FILE_LIMIT_MB = limits.DEFAULT_MAX_FILE_MB
BASELINE = "ordinary 100k steps"


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    build: Callable[[str, int], SyntheticRun]  # (job id, result-file byte limit) -> run


@dataclass(frozen=True)
class FileCase:
    """A hostile file, opened as an upload is: ``build(byte limit)`` gives its name and bytes."""

    name: str
    what: str
    build: Callable[[int], tuple[str, bytes]]


def _job(run: SyntheticRun, **fields: object) -> SyntheticRun:
    return replace(run, job={**run.job, **fields})


def _hyperparameters(run: SyntheticRun, **values: object) -> SyntheticRun:
    """The run with ``values`` in both copies of its hyperparameters (top level and the method's)."""
    method = run.job["method"]
    kind = method["type"]
    nested = {**method[kind], "hyperparameters": {**method[kind]["hyperparameters"], **values}}
    top = {**run.job["hyperparameters"], **values}
    return _job(run, hyperparameters=top, method={**method, kind: nested})


def _result_file(run: SyntheticRun, csv: bytes) -> SyntheticRun:
    """The run with its one result file replaced by ``csv``, base64-encoded as OpenAI serves it."""
    (file_id,) = run.files
    return replace(run, files={file_id: base64.b64encode(csv)})


def _small_succeeded(job_id: str) -> SyntheticRun:
    return make_run(job_id, n_steps=400, n_epochs=4)


def ordinary(job_id: str, _limit: int) -> SyntheticRun:
    return make_run(job_id, n_steps=100_000, n_epochs=4)


def running_from_events(job_id: str, _limit: int) -> SyntheticRun:
    """An ordinary running job: no result file yet, so its 100,000 metrics events are the curve."""
    return make_run(job_id, n_steps=100_000, n_epochs=4, status="running", progress=1.0)


def epochs_in_the_millions(job_id: str, _limit: int) -> SyntheticRun:
    """10^7 epochs over 10,000 steps: a thousand epoch ends per step."""
    run = make_run(job_id, n_steps=10_000, n_epochs=4, status="running", progress=0.5)
    return _hyperparameters(run, n_epochs=10_000_000)


def one_row_at_step_1e7(job_id: str, _limit: int) -> SyntheticRun:
    """Checkpoints at steps 1–3 (one step per epoch) and a result row at step 10^7."""
    run = make_run(job_id, n_steps=3, n_epochs=3)
    csv = b"step,train_loss,train_accuracy\n1,1.0,0.5\n2,0.9,0.6\n3,0.8,0.7\n10000000,0.7,0.8\n"
    return _result_file(run, csv)


def checkpoints_100k(job_id: str, _limit: int) -> SyntheticRun:
    return make_checkpoints_only(job_id, 100_000)


def result_file_17mb(job_id: str, _limit: int) -> SyntheticRun:
    """An honest 456,000-step result file: 17 MB as served (base64)."""
    return replace(make_run(job_id, n_steps=456_000, n_epochs=4), events=[])


def _fill(limit: int, header: bytes, row: Callable[[int], bytes]) -> bytes:
    """A CSV whose base64 fits in ``limit`` bytes: ``header``, then ``row(1)``, ``row(2)``… while they fit."""
    budget = limit * 3 // 4  # base64 turns 3 bytes into 4
    parts, size, step = [header], len(header), 1
    while size + len(line := row(step)) <= budget:
        parts.append(line)
        size += len(line)
        step += 1
    return b"".join(parts)


def result_file_max_rows(job_id: str, limit: int) -> SyntheticRun:
    """As many rows as the byte limit holds: ``step,train_loss`` rows of a few bytes each."""
    csv = _fill(limit, b"step,train_loss\n", lambda step: b"%d,0.5\n" % step)
    return _result_file(_small_succeeded(job_id), csv)


def result_file_max_cells(job_id: str, limit: int) -> SyntheticRun:
    """As many numeric cells as the byte limit holds: 2,000 extra columns of ``1``."""
    width = 2_000
    header = b"step,train_loss," + b",".join(b"extra_%d" % i for i in range(width)) + b"\n"
    cells = b",1" * width
    csv = _fill(limit, header, lambda step: b"%d,0.5%s\n" % (step, cells))
    return _result_file(_small_succeeded(job_id), csv)


def timestamps_in_milliseconds(job_id: str, _limit: int) -> SyntheticRun:
    """A running 10,000-step job whose gateway sends every time in milliseconds."""
    run = make_run(job_id, n_steps=10_000, n_epochs=4, status="running", progress=1.0)
    return replace(
        _job(run, created_at=run.job["created_at"] * 1000),
        checkpoints=[{**c, "created_at": c["created_at"] * 1000} for c in run.checkpoints],
        events=[{**e, "created_at": e["created_at"] * 1000} for e in run.events],
    )


def checkpoint_time_1e14(job_id: str, _limit: int) -> SyntheticRun:
    run = make_run(job_id, n_steps=100_000, n_epochs=4)
    return replace(run, checkpoints=[{**c, "created_at": 10**14} for c in run.checkpoints])


def huge_step_numbers(job_id: str, _limit: int) -> SyntheticRun:
    """A running 10,000-step job with steps of 1e20: a checkpoint (float and int), an event, total_steps."""
    run = make_run(job_id, n_steps=10_000, n_epochs=4, status="running", progress=1.0)
    newest, *rest = run.checkpoints
    checkpoints = [
        {**newest, "id": newest["id"] + "f", "step_number": 1e20},
        {**newest, "id": newest["id"] + "i", "step_number": 10**20},
        newest,
        *rest,
    ]
    events = list(run.events)
    first = next(i for i, e in enumerate(events) if e["type"] == "metrics")
    events[first] = {**events[first], "data": {**events[first]["data"], "step": 1e20, "total_steps": 1e20}}
    return replace(run, checkpoints=checkpoints, events=events)


def parquet_bodies_on_the_same_rows(_limit: int) -> tuple[str, bytes]:
    """A 27,000-step run's Parquet export (about 675 KB) whose document names its rows in 50 run bodies."""
    import pyarrow.parquet as pq

    from components.export.parquet_file import METADATA_KEY, to_parquet_export
    from devtools.archive_runs import finished_run

    table = pq.read_table(io.BytesIO(to_parquet_export(finished_run("ftjob-mem", n_steps=27_000))))
    document = json.loads(table.schema.metadata[METADATA_KEY])
    document["runs"] *= 50
    sink = io.BytesIO()
    pq.write_table(
        table.replace_schema_metadata({METADATA_KEY: json.dumps(document)}), sink, compression="zstd"
    )
    return "fifty.parquet", sink.getvalue()


def header_of_duplicates(job_id: str, _limit: int) -> SyntheticRun:
    """The job's result file: a header naming one column 80,000 times (160 KB)."""
    csv = b"step,train_loss," + b",".join([b"a"] * 80_000) + b"\n1,0.5\n"
    return _result_file(_small_succeeded(job_id), csv)


def header_of_a_million_columns(job_id: str, _limit: int) -> SyntheticRun:
    """The job's result file: a header of 1,000,000 columns."""
    csv = b"step,train_loss," + b",".join(b"c%d" % i for i in range(10**6)) + b"\n1,0.5\n"
    return _result_file(_small_succeeded(job_id), csv)


def trainer_state_of_empty_entries(limit: int) -> tuple[str, bytes]:
    """A trainer_state.json as large as the file limit, its log_history all empty entries."""
    count = (limit - 20) // 3
    return "trainer_state.json", b'{"log_history": [' + b"{}," * (count - 1) + b"{}]}"


FILE_CASES: tuple[FileCase, ...] = (
    FileCase(
        "parquet 50 bodies",
        "675 KB export, 50 run bodies naming the same rows",
        parquet_bodies_on_the_same_rows,
    ),
    FileCase(
        "trainer state of {}",
        "limit-sized trainer_state.json of empty entries",
        trainer_state_of_empty_entries,
    ),
)


CASES: tuple[Case, ...] = (
    Case(BASELINE, "succeeded, 4 epochs, base64 result file", ordinary),
    Case("ordinary running 100k", "running, curve from 100,000 metrics events", running_from_events),
    Case("n_epochs 10^7", "running 10k-step job, n_epochs = 10,000,000", epochs_in_the_millions),
    Case("result row at 10^7", "checkpoints at steps 1-3, one result row at step 10^7", one_row_at_step_1e7),
    Case("100k checkpoints", "1,000 pages of checkpoints, no result file", checkpoints_100k),
    Case("result file 17 MB", "456,000 steps, base64", result_file_17mb),
    Case("result file max rows", "byte limit of 'step,train_loss' rows", result_file_max_rows),
    Case("result file max cells", "byte limit of rows with 2,000 extra columns", result_file_max_cells),
    Case("times in ms", "running 10k-step job, every created_at in ms", timestamps_in_milliseconds),
    Case("created_at 10^14", "ordinary 100k job, checkpoints created at 10^14", checkpoint_time_1e14),
    Case("steps of 1e20", "checkpoint, event step and total_steps of 1e20", huge_step_numbers),
    Case("CSV 80k duplicate names", "result file header: one name 80,000 times", header_of_duplicates),
    Case("CSV 10^6 columns", "result file header of 1,000,000 columns", header_of_a_million_columns),
)


def _status_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def _reset_peak() -> None:
    """Start VmHWM afresh from the current resident set (Linux: "5" to clear_refs), to time stages apart."""
    Path("/proc/self/clear_refs").write_text("5")


def _reader(job_id: str, base_url: str, file: str | None) -> Callable[[], object]:
    """How the child reads its run: the job over HTTP, or a file as an upload is read."""
    if file is not None:
        from components.domain import RunRef
        from components.sources.run_files import Origin, run_from_bytes

        data = Path(file).read_bytes()
        origin = Origin(RunRef("upload", "bench-0123456789"), "Uploaded files", Path(file).name)
        return lambda: run_from_bytes(data, origin)
    from components.api import FineTuningClient, make_http_client
    from components.sources.openai import load_run

    config = openai_config(DEFAULT_API_KEY, base_url, read_timeout=120, max_retries=0)
    client = FineTuningClient(make_http_client(base_url, read_timeout=120, max_retries=0), config)
    return lambda: load_run(client, job_id)


def child(job_id: str, base_url: str, file: str | None = None) -> None:
    """Do what the page does with one run and print one JSON line of measurements."""
    import plotly.io
    import streamlit  # noqa: F401  (the app server has it loaded)

    from components.charts.curves import curves_figure
    from components.charts.options import ViewOptions
    from components.page import build_page, prepare

    read = _reader(job_id, base_url, file)
    imports_kib = _status_kib("VmRSS")
    result: dict[str, object] = {"imports_kib": imports_kib}
    started = time.perf_counter()
    try:
        run = read()
        result["load_s"] = time.perf_counter() - started
        result["load_peak_kib"] = _status_kib("VmHWM")
        _reset_peak()
        prepared = prepare(run)
        page = build_page(prepared, ViewOptions(smoothing=prepared.default_smoothing))
        figures = [curves_figure(page.chart.display, page.chart.highlights)] if page.chart else []
        texts = [plotly.io.to_json(figure, validate=False) for figure in figures]
        result |= {
            "steps": len(run.history),
            "checkpoints": len(run.checkpoints),
            "json_bytes": sum(len(text) for text in texts),
            "notes": len(run.notes),
        }
    except Exception as exc:  # the point of a hostile case is to see whether it crashes
        result["error"] = f"{type(exc).__name__}: {str(exc)[:60]}"
    result["total_s"] = time.perf_counter() - started
    result["draw_peak_kib"] = _status_kib("VmHWM")
    result["peak_kib"] = max(result["draw_peak_kib"], result.get("load_peak_kib", 0))
    print(json.dumps(result))


def _in_child(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def measure(server: StandInServer, case: Case | FileCase, file_limit: int) -> dict[str, object]:
    """Serve ``case`` alone (or write its file) and run the page's work on it in a fresh process."""
    job_id = "ftjob-mem-" + re.sub(r"[^a-z0-9]+", "-", case.name.lower()).strip("-")
    if isinstance(case, FileCase):
        name, data = case.build(file_limit)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            done = _in_child(job_id, "--base-url", server.base_url, "--file", str(path))
    else:
        server.reset()
        server.add_run(case.build(job_id, file_limit))
        done = _in_child(job_id, "--base-url", server.base_url)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": f"child exited {done.returncode}: {done.stderr.strip()[-200:]}"}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="case names to run (the baseline always runs)")
    parser.add_argument("--file-limit-mb", type=float, default=DEFAULT_FILE_LIMIT_MB)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.base_url, args.file)
        return
    wanted = set(args.only or [case.name for case in (*CASES, *FILE_CASES)]) | {BASELINE}
    file_limit = int(args.file_limit_mb * 1_000_000)
    print(f"Peak resident memory (VmHWM), each case in a fresh process; result-file limit {file_limit:,} B.")
    print("MB over imports: the peak while loading (load_run) and while drawing (display, figures, JSON).")
    print(
        f"{'case':<24} {'peak MB':>8} {'× base':>7} {'load +MB':>9} {'draw +MB':>9} {'load s':>7} "
        f"{'total s':>8} {'steps':>10} {'ckpts':>8} {'JSON MB':>8} {'notes':>5}  outcome"
    )
    baseline_kib = None
    worst = (0.0, "")
    with StandInServer() as server:
        for case in (*CASES, *FILE_CASES):
            if case.name not in wanted:
                continue
            r = measure(server, case, file_limit)
            peak = r.get("peak_kib")
            if peak is None:
                print(f"{case.name:<24} {'—':>8}  {r['error']}")
                continue
            baseline_kib = baseline_kib or peak
            ratio = peak / baseline_kib
            worst = max(worst, (ratio, case.name))
            load = (r.get("load_peak_kib", peak) - r["imports_kib"]) / 1024
            draw = (r["draw_peak_kib"] - r["imports_kib"]) / 1024 if "load_peak_kib" in r else float("nan")
            print(
                f"{case.name:<24} {peak / 1024:>8.0f} {ratio:>7.2f} {load:>9.0f} {draw:>9.0f} "
                f"{r.get('load_s', float('nan')):>7.2f} {r['total_s']:>8.2f} {r.get('steps', 0):>10,} "
                f"{r.get('checkpoints', 0):>8,} {r.get('json_bytes', 0) / 1e6:>8.2f} {r.get('notes', 0):>5}  "
                f"{r.get('error', 'drawn')}"
            )
    print()
    for case in (*CASES, *FILE_CASES):
        if case.name in wanted:
            print(f"  {case.name}: {case.what}")
    if baseline_kib:
        ceiling = TARGET_RATIO * baseline_kib / 1024
        met = "MET" if worst[0] <= TARGET_RATIO else "NOT MET"
        print(
            f"Target: no case above {TARGET_RATIO:g} × the ordinary job ({ceiling:.0f} MB): {met} "
            f"(worst: {worst[1]}, {worst[0]:.2f} ×)"
        )


if __name__ == "__main__":
    main()
