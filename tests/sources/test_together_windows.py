"""Together AI's metrics of a long job in step windows: a 100,000-step job (about 18 MB as one answer)
loads with the default 8 MB response limit, every step once; a short job still costs one request; a window
that comes back too large is read again in halves."""

from __future__ import annotations

import math
from dataclasses import replace

from components.api.limits import MEGABYTE
from components.api.together import BYTES_PER_STEP
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_together_run, together_job_id
from tests.sources.conftest import OpenSource


def env(standin: StandInServer, **extra: str) -> dict[str, str]:
    return {"TOGETHER_API_KEY": DEFAULT_API_KEY, "TOGETHER_BASE_URL": standin.together_base_url, **extra}


def _metric_queries(standin: StandInServer) -> list[dict[str, str]]:
    return [request.query for request in standin.requests if request.path.endswith("/metrics")]


def test_a_100k_step_job_loads_in_windows_with_the_default_limits(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job = together_job_id("long")
    steps = 99_999
    standin.add_run(make_together_run(job, n_steps=steps, n_epochs=3))
    run = open_configured(env(standin), "together").load_run(job)
    assert not run.is_partial and not run.notes, run.notes
    assert run.history["step"].tolist() == list(range(1, steps + 1))  # every step, once
    window = round(8 * MEGABYTE) // BYTES_PER_STEP
    queries = _metric_queries(standin)
    assert len(queries) == math.ceil((steps + 1) / window)
    froms = [int(query["global_step_from"]) for query in queries]
    assert froms == [n * window for n in range(len(queries))]
    assert all(int(q["global_step_to"]) == int(q["global_step_from"]) + window for q in queries[:-1])
    assert "global_step_to" not in queries[-1]  # the last window is open: nothing past the total is lost
    assert standin.count("job") == 1 and standin.count("checkpoints") == 1
    # The evaluations sit at epoch ends, inside windows, and come through too.
    assert run.history["full_valid_loss"].notna().sum() == 3


def test_a_short_job_still_costs_one_metrics_request(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job = together_job_id("short")
    standin.add_run(make_together_run(job))
    open_configured(env(standin), "together").load_run(job)
    assert _metric_queries(standin) == [{}]


def test_a_window_too_large_for_the_limit_is_read_again_in_halves(
    standin: StandInServer, open_configured: OpenSource
) -> None:
    job = together_job_id("dense")
    steps = 3_000
    run = make_together_run(job, n_steps=steps, n_epochs=3)
    # Records three times the budget's assumption (a DPO job with many reward keys, say).
    extra = {f"train/reward_{n:02d}": 0.123456789 for n in range(20)}  # about 820 bytes a record
    fat = replace(run, metrics=[{**record, **extra} for record in run.metrics])
    standin.add_run(fat)
    source = open_configured(env(standin, DASHBOARD_MAX_RESPONSE_MB="1"), "together")
    loaded = source.load_run(job)
    assert not loaded.is_partial, loaded.notes
    assert loaded.history["step"].tolist() == list(range(1, steps + 1))
    queries = _metric_queries(standin)
    first_window = round(MEGABYTE) // BYTES_PER_STEP
    spans = [int(q["global_step_to"]) - int(q["global_step_from"]) for q in queries if "global_step_to" in q]
    assert spans[0] == first_window  # too large: refused by the limit
    assert set(spans[1:]) == {first_window // 2}  # then read in halves, to the end
