"""The fault table of issue 6 with the DEFAULT settings and real waits: what the user sees, requests, seconds.

Run from the repo root: ``python benchmarks/faults.py [WORDS…]`` (only rows whose name contains all WORDS).
Every row of ``devtools/faults.py`` is loaded once through the app's own client and ``load_run`` against
the stand-in on loopback, with the settings a fresh install has (no test overrides: a 40 s load deadline,
30 s read timeout, 2 retries, 20 s cap on retry waits, 8 MB per JSON answer, 32 MB per result file).
Retry waits are real sleeps, so the seconds are what a user waits. Prints numbers; asserts nothing. The
whole table takes about three minutes, most of it the rows that wait for the 40 s deadline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.text import clean  # noqa: E402
from devtools.faults import SCENARIOS, run_scenario  # noqa: E402
from devtools.standin import StandInServer  # noqa: E402

HUNG_ROW = "hung API: no answer at all"
TARGET_SECONDS = 45.0


def main(words: list[str]) -> None:
    rows = [
        scenario for scenario in SCENARIOS if all(word.lower() in scenario.name.lower() for word in words)
    ]
    name_width = max(len(scenario.name) for scenario in rows)
    print(f"{'scenario':<{name_width}}  {'what the user sees':<60} {'requests':>8} {'seconds':>8}  message")
    hung_seconds = None
    with StandInServer() as server:
        for scenario in rows:
            outcome = run_scenario(scenario, server, settings={})
            says = clean(outcome.says().split("\n")[0], 90)
            numbers = f"{outcome.requests:>8} {outcome.seconds:>8.2f}"
            print(f"{scenario.name:<{name_width}}  {outcome.shows():<60} {numbers}  {says}", flush=True)
            if scenario.name == HUNG_ROW:
                hung_seconds = outcome.seconds
    if hung_seconds is not None:
        verdict = "within" if hung_seconds < TARGET_SECONDS else "OVER"
        print(f"\nA hung API showed its message after {hung_seconds:.1f} s: {verdict} {TARGET_SECONDS:g} s.")


if __name__ == "__main__":
    began = time.monotonic()
    main(sys.argv[1:])
    print(f"Table built in {time.monotonic() - began:.0f} s.")
