"""Save all runs of a source, with their files: 300 finished jobs on the stand-in (each of 480 steps, with
its result, training and validation files and its events), into a fresh archive.

Run from the repo root: ``python benchmarks/save_all.py`` (``--jobs N`` for another count). It serves the
stand-in API on loopback and uses a SQLite file in a temporary folder, and a throwaway PostgreSQL server
when Debian's binaries are installed. Prints, per store: requests (all, per job, and what one page load of
a job costs), bytes read and stored, and times as ratios against a baseline measured in the same run (one
job saved alone, × the number of jobs); then a second save, which finds everything already there. Prints
numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.archive.save_all import Tally, byte_size, save_all  # noqa: E402
from components.domain import RunRef  # noqa: E402
from components.sources import open_source, resolve_sources  # noqa: E402
from components.sources.registry import SourceConfig  # noqa: E402
from components.store import StoreConfig, open_store, resolve_store  # noqa: E402
from devtools.many_jobs import job  # noqa: E402
from devtools.postgres import find_bindir, postgres_server  # noqa: E402
from devtools.standin import DEFAULT_API_KEY, StandInServer  # noqa: E402

STEPS = 480
BASELINE_REPEATS = 5


class Quiet:
    def listed(self, label: str, tally: Tally) -> None:
        pass

    def step(self, tally: Tally, ref: RunRef, outcome: object) -> None:
        pass


@contextlib.contextmanager
def store_factories() -> Iterator[list[tuple[str, object]]]:
    """Makers of fresh, empty stores: SQLite files, and PostgreSQL databases when the binaries are here."""
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        made = iter(range(1_000_000))

        def sqlite() -> StoreConfig:
            return resolve_store({"DASHBOARD_STORE": f"{folder}/archive-{next(made)}.sqlite3"}, {})

        found: list[tuple[str, object]] = [("SQLite", sqlite)]
        if find_bindir() is not None:
            server = stack.enter_context(postgres_server())

            def postgres() -> StoreConfig:
                name = f"bench_{next(made)}"
                server.create_database(name)
                return resolve_store({"DASHBOARD_STORE": server.url(name)}, {})

            found.append(("PostgreSQL", postgres))
        else:
            print("(PostgreSQL binaries not found: SQLite only)")
        yield found


def openai(server: StandInServer) -> SourceConfig:
    env = {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": server.base_url}
    return resolve_sources(env, {}).get("openai")


def timed_save(server: StandInServer, store_config: StoreConfig) -> tuple[Tally, float, int]:
    """One save of every job the stand-in serves into the store: its tally, seconds and requests."""
    store = open_store(store_config)
    try:
        server.reset_log()
        tally = Tally()
        started = time.perf_counter()
        save_all(store, [openai(server)], tally, Quiet())
        return tally, time.perf_counter() - started, len(server.requests)
    finally:
        store.engine.dispose()


def serve(server: StandInServer, jobs: int) -> None:
    server.reset()
    for n in range(jobs):
        server.add_run(job(n, n_steps=STEPS))


def measure(name: str, new_store: object, server: StandInServer, jobs: int) -> None:
    serve(server, 1)
    baseline = []
    for _ in range(BASELINE_REPEATS):
        _, seconds, one_requests = timed_save(server, new_store())
        baseline.append(seconds)
    single = statistics.median(baseline)
    server.reset_log()
    open_source(openai(server)).load_run("ftjob-0000")
    page_load = len(server.requests)

    serve(server, jobs)
    store = new_store()
    tally, seconds, requests = timed_save(server, store)
    list_pages = server.count("jobs")
    again, again_seconds, again_requests = timed_save(server, store)
    per_job = (requests - list_pages) / jobs
    print(
        f"{name:10} {jobs} jobs of {STEPS} steps: {seconds:.1f} s, {seconds / jobs * 1000:.0f} ms a job; "
        f"time / (one job alone × {jobs}) = {seconds / (single * jobs):.2f} "
        f"(one job alone {single * 1000:.0f} ms, its list included)"
    )
    print(
        f"{'':10} requests {requests} = {list_pages} list page(s) + {requests - list_pages} for the jobs "
        f"({per_job:g} a job; one page load of a job costs {page_load}, one job saved alone {one_requests}); "
        f"read {byte_size(tally.wire.bytes_read)}, stored {byte_size(tally.bytes_stored)}; "
        f"saved {tally.saved}, failed {len(tally.failures)}"
    )
    print(
        f"{'':10} saving again: {again.already} already there, {again_requests} request(s), "
        f"{again_seconds:.2f} s = {again_seconds / seconds:.3f} of the first save"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    with StandInServer() as server, store_factories() as found:
        for name, new_store in found:
            measure(name, new_store, server, args.jobs)


if __name__ == "__main__":
    main()
