"""What the chart shows and how a click or a drag on it becomes a pick or a zoom."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from components.charts.options import Highlights, StepRange
from components.charts.style import CLICK_TOLERANCE
from components.charts.view import RunDisplay
from components.data.uncertainty.noise import CurveNoise

PICK_HINT = "Hover for every value at a step; click a checkpoint to compare it, elsewhere to clear."
ZOOM_HINT = "Drag across the steps to zoom in; double-click or Full range to zoom out."


@dataclass(frozen=True)
class ChartModel:
    """The display to draw, the marks to highlight, and what the page says around the chart."""

    display: RunDisplay
    highlights: Highlights
    zoom: StepRange | None
    caption: str
    notes: tuple[str, ...]
    noise: CurveNoise | None = None  # batch validation's noise band, drawn on ``noise_metric``'s plot
    noise_metric: str = ""

    def pick_at(self, x: float) -> str | None:
        """The marked checkpoint nearest to a click at ``x`` (chart units), if it is close enough.

        With one hover for all series, plotly reports the click on whichever series is nearest, often a
        curve rather than the checkpoint's mark, so the click's position decides: a click within
        ``CLICK_TOLERANCE`` of the visible x span (about the mark's width) picks; anywhere else clears.
        """
        marks = self.display.checkpoints
        if marks.empty or not np.isfinite(x):
            return None
        xs = marks["x"].to_numpy(dtype="float64")
        shown = self.display.view.x_range or (
            float(np.nanmin(self.display.history["x"])),
            float(np.nanmax(self.display.history["x"])),
        )
        span = max(shown[1] - shown[0], 1e-9)
        nearest = int(np.nanargmin(np.abs(xs - x)))
        return (
            str(marks["checkpoint_id"].iloc[nearest])
            if abs(xs[nearest] - x) <= CLICK_TOLERANCE * span
            else None
        )

    def zoom_from(self, x0: float, x1: float) -> StepRange | None:
        """A box the reader drew (chart units) as a step range, so it outlives a change of x axis."""
        steps = self.display.steps_at([x0, x1])
        return StepRange.of(*steps) if len(steps) == 2 else None
