"""A job with 2,500 checkpoints (25 pages of 100): every page is read once and the page still renders.

The page runs in a child process with a time limit. AppTest cannot stop a script stuck inside a call that
never returns to Streamlit (its timeout joins the script thread), so an in-process hang would hang the
whole test session; a child process can simply be killed. (This job has 2,500 epochs: drawing one
``add_vline`` per epoch end once made the page take hours.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest

from components.ui.first_paint import DRAWN_KEY
from devtools.app_settings import clean_env
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_checkpoints_only
from tests.page.page_support import ROOT

N_CHECKPOINTS = 2_500
BIG = make_checkpoints_only("ftjob-big", N_CHECKPOINTS)
RENDER_LIMIT_SECONDS = 20.0  # about 4 s when healthy: interpreter start, imports, 25 pages, one run
RESULT_MARK = "PAGE-RESULT:"

CHILD = f"""
import json
from streamlit.testing.v1 import AppTest

at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=600)
at.secrets["UNUSED"] = "x"
at.session_state["{DRAWN_KEY}"] = True  # a browser that has drawn a chart: the whole page in one run
at.query_params["job"] = "ftjob-big"
at.run()
card = at.get_by_key("best_card")
print({RESULT_MARK!r} + json.dumps({{
    "exceptions": [e.value for e in at.exception],
    "errors": [e.value for e in at.error],
    "table_rows": len(at.get_by_key("checkpoint_table").dataframe[0].value),
    "best_model": card.code[0].value,
    "captions": [c.value for c in at.main.caption],
    "charts": len(at.get("plotly_chart")),
}}))
"""


@dataclass(frozen=True)
class BigPage:
    result: dict[str, Any] | None  # None: the page did not finish within the limit
    seconds: float
    checkpoint_requests: int
    stderr: str


@pytest.fixture(scope="module")
def big_page(standin_server: StandInServer) -> BigPage:
    """Render the big job once for this module, in a child process pointed at the shared stand-in."""
    standin_server.reset()
    standin_server.add_run(BIG)
    env = clean_env(
        os.environ,
        OPENAI_API_KEY=DEFAULT_API_KEY,
        OPENAI_BASE_URL=standin_server.base_url,
        PYTHONPATH=str(ROOT),
    )
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RENDER_LIMIT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:  # subprocess.run has killed the child
        stderr = expired.stderr.decode(errors="replace") if isinstance(expired.stderr, bytes) else ""
        result, stderr = None, stderr
    else:
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
        assert lines, f"the child printed no result (exit {done.returncode}):\n{done.stderr[-3000:]}"
        result, stderr = json.loads(lines[-1].removeprefix(RESULT_MARK)), done.stderr
    seconds = time.monotonic() - started
    return BigPage(result, seconds, standin_server.count("checkpoints", "ftjob-big"), stderr)


def test_every_checkpoint_page_is_requested_exactly_once(big_page: BigPage) -> None:
    assert big_page.checkpoint_requests == N_CHECKPOINTS // 100


def test_big_job_renders_table_and_best_checkpoint(big_page: BigPage) -> None:
    assert big_page.result is not None, (
        f"the page did not render within {RENDER_LIMIT_SECONDS:g} s:\n{big_page.stderr[-2000:]}"
    )
    result = big_page.result
    assert result["exceptions"] == []
    assert result["errors"] == []
    assert result["table_rows"] == N_CHECKPOINTS
    best = min(BIG.checkpoints, key=lambda c: (c["metrics"]["full_valid_loss"], c["step_number"]))
    assert result["best_model"] == best["fine_tuned_model_checkpoint"]
    assert any("Read: 2,500 checkpoints (25 pages)" in caption for caption in result["captions"])
    assert any("1,000 of 2,500 checkpoints marked" in caption for caption in result["captions"])
    assert result["charts"] == 1
