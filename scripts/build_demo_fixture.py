"""Regenerate the built-in demo job's fixtures from the stand-in's synthetic run generator.

Run from the repository root: ``python scripts/build_demo_fixture.py``. The files are committed, so the
app needs neither this script nor the tests package at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.demo import DEMO_JOB_ID, FIXTURES  # noqa: E402
from devtools.standin import make_run  # noqa: E402


def _page(data: list[dict], *, with_ids: bool) -> dict:
    page: dict = {"object": "list", "data": data, "has_more": False}
    if with_ids:
        page |= {"first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None}
    return page


def main() -> None:
    run = make_run(DEMO_JOB_ID, n_steps=480, n_epochs=4, seed=7, result_file="base64")
    FIXTURES.mkdir(exist_ok=True)
    (FIXTURES / "job.json").write_text(json.dumps(run.job, indent=1) + "\n")
    (FIXTURES / "checkpoints.json").write_text(
        json.dumps(_page(run.checkpoints, with_ids=True), indent=1) + "\n"
    )
    messages = [event for event in run.events if event.get("type") != "metrics"]
    (FIXTURES / "events.json").write_text(json.dumps(_page(messages, with_ids=False), indent=1) + "\n")
    for file_id, body in run.files.items():
        (FIXTURES / f"{file_id}.txt").write_bytes(body)


if __name__ == "__main__":
    main()
