"""What the reader chose and what the chart must point out, as small values passed whole (no Streamlit)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from components.charts.style import DEFAULT_THEME, Theme
from components.data.compare import Alignment
from components.data.recommend import UnsavedBest

DEFAULT_SMOOTHING = 0.6
MAX_SMOOTHING = 0.999
SMOOTHING_WINDOW = 0.01
"""The default smoothing averages over about this share of the run's steps."""
MAX_DEFAULT_SMOOTHING = 0.99


def default_smoothing(steps: float) -> float:
    """The slider's starting weight for a run of ``steps`` steps: averaging over about 1 % of the run.

    The weight decays per training step, so one value cannot suit every run: 0.6 leaves a 20,000-step run
    a band of noise (batch validation, every 10th step, is then barely smoothed at all), while 0.99
    flattens a 300-step one. From TensorBoard's 0.6 up to 0.99, three decimals as the slider shows.
    """
    weight = 1 - 1 / max(SMOOTHING_WINDOW * steps, 1)
    return round(min(max(weight, DEFAULT_SMOOTHING), MAX_DEFAULT_SMOOTHING), 3)


class XMode(StrEnum):
    """What the x axis counts."""

    STEP = "step"
    EPOCH = "epoch"
    ELAPSED = "elapsed"  # minutes since the run started


class YRange(StrEnum):
    """How the y axes are framed."""

    CHOICE = "choice"  # on the part of the run where the checkpoint is chosen
    ROBUST = "robust"  # the 5th to 95th percentile of every value, so one spike cannot flatten the rest
    ALL = "all"  # every value


class Drag(StrEnum):
    """What the mouse does on the chart: plotly's box selection cannot share a mode with click selection
    in Streamlit (its chart forces ``clickmode="event"`` while ``dragmode="select"``), so the reader
    chooses between picking checkpoints and zooming into steps."""

    PICK = "pick"
    ZOOM = "zoom"


@dataclass(frozen=True)
class ViewOptions:
    """Every choice the reader made about how to look at a run; passed whole to the page model."""

    metric: str | None = None
    x_mode: XMode = XMode.STEP
    smoothing: float = DEFAULT_SMOOTHING
    log_y: bool = False
    y_range: YRange = YRange.CHOICE
    drag: Drag = Drag.PICK
    theme: Theme = DEFAULT_THEME


@dataclass(frozen=True)
class CompareOptions:
    """Every choice the reader made on the compare page; passed whole to its page model."""

    metric: str | None = None
    alignment: Alignment | None = None  # None: the runs' default (``default_alignment``)
    smoothing: float = DEFAULT_SMOOTHING
    log_y: bool = False
    y_range: YRange = YRange.CHOICE
    show_training: bool = False
    theme: Theme = DEFAULT_THEME
    group_seeds: bool = False  # runs that differ only in their seed drawn as one mean with its band


@dataclass(frozen=True)
class StepRange:
    """A zoom on the x axis, in steps whatever the x axis shows, so it survives a switch to epochs."""

    start: float
    end: float

    @classmethod
    def of(cls, a: float, b: float) -> StepRange | None:
        """The range between two finite numbers in either order; None when empty or not finite."""
        low, high = sorted((float(a), float(b)))
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            return None
        return cls(low, high)

    @classmethod
    def parse(cls, text: str | None) -> StepRange | None:
        """``"120-480"`` (the ``?steps=`` form) as a range; None for anything else."""
        parts = (text or "").split("-")
        if len(parts) != 2 or len(text) > 40:
            return None
        try:
            return cls.of(float(parts[0]), float(parts[1]))
        except ValueError:
            return None

    def __str__(self) -> str:
        """Whole steps: a zoom finer than one step shows nothing more."""
        return f"{math.floor(self.start)}-{math.ceil(self.end)}"


@dataclass(frozen=True)
class Highlights:
    """What the chart marks apart from the data: the deciding metric, the recommended and the selected
    checkpoint, and the best point that has no checkpoint."""

    decider: str | None = None
    best_id: str | None = None
    selected_id: str | None = None
    unsaved_best: UnsavedBest | None = None


NO_HIGHLIGHTS = Highlights()
