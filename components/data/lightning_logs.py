"""PyTorch Lightning's ``CSVLogger`` output to a :class:`LogRead`: ``metrics.csv``, ``hparams.yaml`` and the
``ModelCheckpoint`` files' names.

``metrics.csv`` (``lightning/fabric/loggers/csv_logs.py``) has one row per ``log_metrics`` call, sparse,
under a header that is the sorted union of the keys; every row has ``step`` (the global step) and most an
``epoch``. A metric logged both per step and per epoch becomes ``<name>_step`` and ``<name>_epoch``.
Validation runs on the whole validation set (``val_check_interval``, each epoch by default): ``val_loss`` is
full validation. ``train_loss`` (or its per-step ``train_loss_step``) is the training loss; NeMo's
``reduced_train_loss`` too. Every other column is kept under its own name.

A checkpoint's name is its step: ``ModelCheckpoint``'s default ``{epoch}-{step}`` gives
``epoch=3-step=1200.ckpt``, a monitored value adds ``-val_loss=0.41``, a clash ``-v1``; ``last.ckpt`` names
no step and is not placed (it is a copy of the last one saved).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from components.data.log_read import LogRead
from components.data.step_records import RecordLayout, step_records_frame
from components.domain.note import Note, left_out
from components.errors import MalformedDataError

LIGHTNING_METRICS: dict[str, str] = {
    "train_loss": "train_loss",
    "train_loss_step": "train_loss",
    "reduced_train_loss": "train_loss",
    "reduced_train_loss_step": "train_loss",
    "val_loss": "full_valid_loss",
}
LIGHTNING_RECORDS = RecordLayout("step", LIGHTNING_METRICS)
_CHECKPOINT_STEP = re.compile(r"(?:^|-)step=(\d{1,10})(?=[-.=]|$)")
# hparams.yaml as ``save_hparams_to_yaml`` writes a flat dict: ``key: value`` lines at the top level.
_YAML_SCALAR = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,63}):[ \t]+([-+0-9.eE]{1,32})[ \t]*")
_HYPERPARAMETERS = {
    "lr": "learning_rate",
    "learning_rate": "learning_rate",
    "batch_size": "batch_size",
    "max_epochs": "n_epochs",
}


class LightningCsvError(MalformedDataError):
    """The file is not a readable Lightning ``metrics.csv``."""


def read_lightning_metrics(data: bytes, notes: list[Note] | None = None) -> LogRead:
    """The run in a ``metrics.csv``: one row per step, the sparse rows of a step merged."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype="float64", encoding_errors="replace")
    except (ValueError, pd.errors.ParserError) as exc:
        raise LightningCsvError(
            f"The metrics.csv cannot be read as numbers ({type(exc).__name__})."
        ) from None
    if "step" not in frame:
        raise LightningCsvError("The metrics.csv has no step column.")
    records = [
        {key: value for key, value in row.items() if value == value}  # sparse: a blank cell is no value
        for row in frame.to_dict("records")
    ]
    history = step_records_frame(records, LIGHTNING_RECORDS, notes=notes, what="metrics.csv")
    return LogRead(history=history)


def checkpoint_records(paths: Iterable[PurePosixPath]) -> tuple[Mapping[str, Any], ...]:
    """Each ``.ckpt`` file that names its step, as a checkpoint named by its path (relative, to load it with
    ``load_from_checkpoint``); ``last.ckpt`` names none and is the copy of one of them, so it is left out."""
    records = []
    for path in paths:
        found = _CHECKPOINT_STEP.search(path.stem)
        if found is not None:
            step = int(found.group(1))
            records.append({"id": path.name, "step_number": step, "fine_tuned_model_checkpoint": str(path)})
    return tuple(records)


def read_hparams(data: bytes, notes: list[Note] | None = None) -> dict[str, float]:
    """The learning rate, batch size and epochs an ``hparams.yaml`` states at its top level (a flat
    ``key: number`` line each); nothing else of the YAML is read."""
    found: dict[str, float] = {}
    for line in data.decode("utf-8", "replace").splitlines()[:10_000]:
        match = _YAML_SCALAR.fullmatch(line)
        if match and match.group(1) in _HYPERPARAMETERS:
            try:
                found[_HYPERPARAMETERS[match.group(1)]] = float(match.group(2))
            except ValueError:
                if notes is not None:
                    left_out(notes, f"Ignored hparams.yaml's {match.group(1)}: not a number.")
    return found
