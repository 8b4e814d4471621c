"""The archive's speed: reopening an archived 100,000-step run, archiving 100 jobs with the command, and what
storing a run's per-step table as rows instead of one Parquet blob would cost.

Run from the repo root: ``python benchmarks/archive.py``. It serves the stand-in API on loopback and uses a
SQLite file in a temporary folder, and a throwaway PostgreSQL server when Debian's binaries are installed.
Targets (issue 9): an archived 100,000-step run is ready in under 0.5 s with no request; archiving costs,
per job, what one load of it costs, plus (since issue 16) its events and files: one request per 100 events
and two per file (``benchmarks/save_all.py`` measures that part). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from components.archive import connect_archive, open_with_archive  # noqa: E402
from components.archive.command import main as archive_command  # noqa: E402
from components.sources import open_source, resolve_sources  # noqa: E402
from components.store import StoreConfig, Viewer, forget_stores, open_store  # noqa: E402
from devtools.bench import bench_stores  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run  # noqa: E402

REPEATS = 5
LONG_JOB = "ftjob-bench-100k"
JOBS = 100
JOB_STEPS = 2_000


def env_for(server: StandInServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}


def reopen(server: StandInServer, name: str, store: StoreConfig) -> None:
    registry = resolve_sources(env_for(server), {}, store=store)
    config = registry.get("openai")
    source = open_source(config)
    started = time.perf_counter()
    first = open_with_archive(connect_archive(registry), config, source, LONG_JOB)
    load_seconds = time.perf_counter() - started
    size = first.run.history.shape
    warm, cold, requests = [], [], set()
    for _ in range(REPEATS):
        forget_stores()  # a restarted server: the archive is opened again, nothing cached
        before = len(server.requests)
        started = time.perf_counter()
        access = connect_archive(registry)
        opened = open_with_archive(access, config, source, LONG_JOB)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        opened = open_with_archive(access, config, source, LONG_JOB)  # a running server
        warm.append(time.perf_counter() - started)
        requests.add(len(server.requests) - before)
        assert opened.served_from == "archive" and opened.run.history.shape == size
    print(
        f"{name:10} reopen a {size[0]:,}-step run: {statistics.median(warm):.3f} s on a running server, "
        f"{statistics.median(cold):.3f} s after a restart (archive opened again); "
        f"requests: {sorted(requests)} "
        f"(first load from the API and saving it: {load_seconds:.2f} s)"
    )
    forget_stores()


def archive_jobs(server: StandInServer, name: str, store: StoreConfig) -> None:
    one = open_source(resolve_sources(env_for(server), {}).get("openai"))
    before = len(server.requests)
    one.load_run("ftjob-bench-0000")
    single = len(server.requests) - before
    before = len(server.requests)
    env = env_for(server) | {"DASHBOARD_STORE": store.url.render_as_string(hide_password=False)}
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = archive_command([], env=env | {"DASHBOARD_STORE_SHARED": "false"})
    seconds = time.perf_counter() - started
    requests = len(server.requests) - before
    list_pages = server.count("jobs")  # the stand-in was reset before these jobs were added
    opened = open_store(store)
    stored = opened.list_runs(Viewer(shared=True), limit=500).runs
    opened.engine.dispose()
    summary = out.getvalue().strip().splitlines()[-1]
    per_job = (requests - list_pages) / JOBS
    print(
        f"{name:10} archive {JOBS} jobs of {JOB_STEPS:,} steps: {seconds:.2f} s "
        f"({seconds / JOBS * 1000:.0f} ms a job), exit {status}; requests {requests} = {list_pages} list "
        f"page(s) + {requests - list_pages} for the jobs ({per_job:g} a job; one load costs {single}); "
        f"{len([run for run in stored if run.ref.run_id != LONG_JOB])} stored, "
        f"{sum(run.stored_bytes for run in stored) / 1e6:.1f} MB in the store. {summary}"
    )
    server.reset()


def rows_instead_of_a_blob(history: pd.DataFrame) -> None:
    """What the per-step table would cost as rows in SQLite, against one Parquet blob."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/rows.sqlite3")
        frame = history.drop(columns=["created_at"])
        started = time.perf_counter()
        frame.to_sql("history", engine, index=False, chunksize=10_000)
        write = time.perf_counter() - started
        started = time.perf_counter()
        with engine.connect() as connection:
            back = pd.read_sql(text("SELECT * FROM history"), connection)
        read = time.perf_counter() - started
        size = Path(f"{folder}/rows.sqlite3").stat().st_size
        engine.dispose()
    print(
        f"As rows (SQLite, {len(back):,}): write {write:.2f} s, read {read:.3f} s, {size / 1e6:.1f} MB; "
        "the blob above is what the archive does."
    )


def main() -> None:
    with StandInServer() as server, bench_stores() as found:
        for name, store in found:
            server.reset()
            server.add_run(make_run(LONG_JOB, n_steps=100_000, n_epochs=4))
            reopen(server, name, store)
            opened = open_store(store)
            archived = opened.load(
                next(run.ref for run in opened.list_runs(Viewer(shared=True)).runs), Viewer(shared=True)
            )
            opened.engine.dispose()
            server.reset()
            for n in range(JOBS):
                server.add_run(
                    make_run(f"ftjob-bench-{n:04d}", n_steps=JOB_STEPS, seed=n, start=1_732_000_000 + n)
                )
            archive_jobs(server, name, store)
        rows_instead_of_a_blob(archived.run.history)


if __name__ == "__main__":
    main()
