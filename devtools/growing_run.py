"""A LLaMA-Factory output folder written while it trains, for the live tests (unit, page and browser).

LLaMA-Factory's ``LogCallback`` appends one ``trainer_log.jsonl`` line per Trainer log (``current_steps,
total_steps, loss, lr, epoch, percentage, elapsed_time, remaining_time``; an evaluation line has
``eval_loss``), the Trainer saves ``checkpoint-N/trainer_state.json`` every ``save_steps`` and, at the end,
``trainer.save_state()`` writes the final ``trainer_state.json`` with its summary entry
(``devtools.trainer_runs``). Each method writes what the trainer would at that point, nothing more.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from devtools.trainer_runs import trainer_state

LOG = "trainer_log.jsonl"


class GrowingRun:
    """One run folder, grown by the caller step by step."""

    def __init__(self, folder: Path, total_steps: int = 200, eval_steps: int = 50) -> None:
        self.folder = folder
        self.total_steps = total_steps
        self.eval_steps = eval_steps
        self.logged = 0
        folder.mkdir(parents=True, exist_ok=True)

    def _options(self) -> dict[str, int]:
        return {"n_steps": self.total_steps, "logging_steps": 1, "eval_steps": self.eval_steps}

    def _line(self, step: int) -> str:
        loss = round(0.4 + 1.6 * math.exp(-5 * step / self.total_steps), 4)
        record = {
            "current_steps": step,
            "total_steps": self.total_steps,
            "loss": loss,
            "lr": 2e-5 * (1 - step / self.total_steps),
            "epoch": round(step / self.total_steps, 4),
            "percentage": round(100 * step / self.total_steps, 2),
            "elapsed_time": f"0:00:{step % 60:02d}",
            "remaining_time": "0:01:00",
        }
        lines = [json.dumps(record)]
        if step % self.eval_steps == 0:
            eval_loss = round(0.5 + 1.5 * math.exp(-5 * step / self.total_steps), 4)
            lines.append(
                json.dumps({"current_steps": step, "total_steps": self.total_steps, "eval_loss": eval_loss})
            )
        return "".join(f"{line}\n" for line in lines)

    def log_steps(self, upto: int, *, cut: bool = False) -> None:
        """Append the log lines of the steps after the last logged up to ``upto``; ``cut``: the last line is
        left half written (a writer in the middle of it)."""
        text = "".join(self._line(step) for step in range(self.logged + 1, upto + 1))
        if cut:
            text += '{"current_steps": '
        with (self.folder / LOG).open("a") as log:
            log.write(text)
        self.logged = upto

    def finish_line(self) -> None:
        """Finish a line left half written (the writer's next write): the next step's."""
        self.logged += 1
        step = self.logged
        with (self.folder / LOG).open("a") as log:
            log.write(f'{step}, "total_steps": {self.total_steps}, "loss": 0.5}}\n')

    def save_checkpoint(self, step: int) -> None:
        """The Trainer's save at ``step``: ``checkpoint-N/`` with its weights' bytes and its trainer state."""
        self.start_checkpoint(step)
        self.write_checkpoint_state(step)

    def start_checkpoint(self, step: int) -> None:
        """The start of the save at ``step``: the folder and the weights, written before the trainer state."""
        folder = self.folder / f"checkpoint-{step}"
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(b"\0" * 16)

    def write_checkpoint_state(self, step: int) -> None:
        """The end of the save at ``step``: the Trainer writes ``checkpoint-N/trainer_state.json`` last."""
        state = trainer_state(upto=step, save_steps=step, **self._options())
        (self.folder / f"checkpoint-{step}" / "trainer_state.json").write_text(json.dumps(state, indent=2))

    def finish(self) -> None:
        """The last steps logged and ``trainer.save_state()``: the final state, with its summary entry."""
        self.log_steps(self.total_steps)
        state = trainer_state(save_steps=self.eval_steps, **self._options())
        (self.folder / "trainer_state.json").write_text(json.dumps(state, indent=2))
