"""A long local run (a pre-training-style log) read from the runs folder and drawn, against the library's own
read of the same file.

Run from the repo root: ``python benchmarks/local_large.py [--steps N]`` (1,000,000 by default). It writes a
LLaMA-Factory ``trainer_log.jsonl`` of N training lines with 20 metrics each (LLaMA-Factory's own keys plus
15 more a pre-training run logs, and its elapsed and remaining times as text) and an evaluation line every
1,000 steps, then, each in a fresh process so that the peak memory (``ru_maxrss``) is its own:

- **baseline**: what the format's own reader does, ``json.loads`` of every line (LLaMA-Factory reads its log
  back line by line in ``llamafactory.extras.ploting``), keeping the records;
- **dashboard**: the run read from the runs folder (``FilesSource.load_run``, the file size limit raised to
  hold it), what it holds (its history, and the run pickled as the run cache keeps it, its live state
  included), then the page model of a first visit (``prepare`` + ``build_page``), the figure
  (``curves_figure``) and its JSON: its bytes, the points drawn, and whether every evaluated step kept as a
  checkpoint candidate and the best one are in it.

Prints numbers and the read-time ratio against the 1.5x target; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOG = "trainer_log.jsonl"
EVAL_EVERY = 1_000
EXTRA = (
    "grad_norm",
    "throughput",
    "total_tokens",
    "vram_allocated",
    "vram_reserved",
    *(f"loss_part_{index}" for index in range(10)),
)
TARGET_RATIO = 1.5


def _clock(seconds: int) -> str:
    """A time as LLaMA-Factory's callback writes it (``str(timedelta)``): ``H:MM:SS``."""
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def write_log(path: Path, steps: int) -> None:
    """N training lines of 20 metrics (5 of LLaMA-Factory's, 15 more) with its elapsed and remaining times,
    and an evaluation every 1,000 steps."""
    with path.open("w") as log:
        for step in range(1, steps + 1):
            record = {
                "current_steps": step,
                "total_steps": steps,
                "loss": round(2.0 * math.exp(-3 * step / steps) + 0.01 * math.sin(step), 5),
                "lr": 3e-4 * (1 - step / steps),
                "epoch": round(step / steps, 6),
                "percentage": round(100 * step / steps, 2),
                "elapsed_time": _clock(step),
                "remaining_time": _clock(steps - step),
                **{name: round(1.0 + 0.001 * ((step * (i + 7)) % 997), 4) for i, name in enumerate(EXTRA)},
            }
            log.write(json.dumps(record) + "\n")
            if step % EVAL_EVERY == 0:
                evaluation = 2.1 * math.exp(-3 * step / steps) + 0.3 * (step / steps) ** 4
                log.write(
                    json.dumps({"current_steps": step, "total_steps": steps, "eval_loss": evaluation}) + "\n"
                )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    with (folder / LOG).open("rb") as log:
        records = [json.loads(line) for line in log]
    return {"seconds": time.perf_counter() - started, "records": len(records), "peak_mb": peak_mb()}


def dashboard(folder: Path) -> dict[str, float]:
    import plotly.io

    from components.api.limits import Limits
    from components.charts.curves import curves_figure
    from components.sources.files import FilesSource
    from devtools.bench import first_view

    size = (folder / LOG).stat().st_size
    source = FilesSource(folder, Limits(max_file_bytes=size + 1))
    [found] = source.scan().runs
    started = time.perf_counter()
    run = source.load_run(found.run_id)
    read_s = time.perf_counter() - started
    read_mb = peak_mb()
    held = {
        "history_mb": run.history.memory_usage(deep=True).sum() / 1e6,
        "cached_mb": len(pickle.dumps(run)) / 1e6,  # what the run cache keeps: the run with its live state
    }
    started = time.perf_counter()
    model = first_view(run)
    figure = curves_figure(model.chart.display, model.chart.highlights)
    text = plotly.io.to_json(figure)
    draw_s = time.perf_counter() - started
    shown = {int(x) for trace in figure.data if trace.x is not None for x in trace.x if x is not None}
    candidates = set(run.checkpoints["step"].astype(int))
    best_id = model.chart.highlights.best_id
    best_step = run.checkpoints.loc[run.checkpoints["checkpoint_id"] == best_id, "step"]
    return {
        "seconds": read_s,
        "rows": len(run.history),
        "peak_mb": read_mb,
        **held,
        "draw_s": draw_s,
        "figure_bytes": len(text.encode()),
        "points": sum(len(trace.x) for trace in figure.data if trace.x is not None),
        "candidates": len(candidates),
        "candidates_drawn": len(candidates & shown),
        "best": f"{best_id} ({'drawn' if set(best_step.astype(int)) <= shown else 'not drawn'})",
        "peak_after_draw_mb": peak_mb(),
        "notes": " | ".join(note.text for note in run.notes)[:300],
    }


def in_fresh_process(phase: str, folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, str(folder)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the {phase} process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--phase", choices=("baseline", "dashboard"))
    parser.add_argument("folder", nargs="?", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps((baseline if args.phase == "baseline" else dashboard)(args.folder)))
        return
    with tempfile.TemporaryDirectory(prefix="local-large-") as temp:
        folder = Path(temp) / "pretrain"
        folder.mkdir()
        started = time.perf_counter()
        write_log(folder / LOG, args.steps)
        size = (folder / LOG).stat().st_size
        took = time.perf_counter() - started
        print(f"{args.steps:,} steps x 20 metrics: {size / 1e6:,.0f} MB written in {took:.0f} s")
        base = in_fresh_process("baseline", folder)
        ours = in_fresh_process("dashboard", folder)
    ratio = ours["seconds"] / base["seconds"]
    print(f"baseline (json.loads per line): {base['seconds']:.1f} s, peak {base['peak_mb']:,.0f} MB")
    print(f"dashboard read: {ours['seconds']:.1f} s, peak {ours['peak_mb']:,.0f} MB, {ours['rows']:,} rows")
    print(
        f"held: the run's history {ours['history_mb']:,.0f} MB; the run as cached, live state included, "
        f"{ours['cached_mb']:,.0f} MB"
    )
    print(
        f"read ratio: {ratio:.2f}x ({'MET' if ratio <= TARGET_RATIO else 'NOT MET'} against {TARGET_RATIO}x)"
    )
    print(
        f"draw: {ours['draw_s']:.1f} s, figure {ours['figure_bytes'] / 1e6:.2f} MB, "
        f"{ours['points']:,} points, "
        f"{ours['candidates_drawn']:,} of {ours['candidates']:,} evaluated steps drawn, best {ours['best']}, "
        f"peak {ours['peak_after_draw_mb']:,.0f} MB"
    )
    print(f"notes: {ours['notes']}")


if __name__ == "__main__":
    main()
