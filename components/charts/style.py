"""Every colour, size, width, opacity and height the charts use, named once, per theme where it matters.

The chart follows the page's theme (light or dark, as the browser asks): the background, fonts and grid
come from Streamlit's own plotly theme, and the colours below are chosen to read on that background.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Theme = Literal["light", "dark"]
DEFAULT_THEME: Theme = "light"


@dataclass(frozen=True)
class Palette:
    """The colours of one theme; ``marker_fill`` is the page background, so hollow marks stay hollow."""

    train: str
    valid: str
    valid_trend: str
    full_valid: str
    checkpoint: str
    marker_fill: str
    best: str
    best_outline: str
    selected: str
    unsaved: str
    band_fill: str
    band_text: str
    epoch_line: str

    def split(self, split: str) -> str:
        """The colour of one split (train, valid or full_valid) of any metric."""
        return {"train": self.train, "valid": self.valid, "full_valid": self.full_valid}[split]


PALETTES: dict[Theme, Palette] = {
    "light": Palette(
        train="#2563eb",
        valid="#ea580c",
        valid_trend="#9a3412",
        full_valid="#b91c1c",
        checkpoint="#334155",
        marker_fill="#ffffff",
        best="#facc15",
        best_outline="#713f12",
        selected="#7c3aed",
        unsaved="#0d9488",
        band_fill="rgba(220, 38, 38, 0.08)",
        band_text="#b91c1c",
        epoch_line="#94a3b8",
    ),
    "dark": Palette(
        train="#60a5fa",
        valid="#fb923c",
        valid_trend="#fed7aa",
        full_valid="#f87171",
        checkpoint="#cbd5e1",
        marker_fill="#0e1117",
        best="#facc15",
        best_outline="#fef9c3",
        selected="#c4b5fd",
        unsaved="#5eead4",
        band_fill="rgba(248, 113, 113, 0.16)",
        band_text="#fca5a5",
        epoch_line="#475569",
    ),
}


def palette(theme: str | None) -> Palette:
    """The palette of ``theme``; anything but "dark" (also an unknown theme on a first page load) is light."""
    return PALETTES["dark" if theme == "dark" else DEFAULT_THEME]


# ---- Sizes, in pixels. A plotly marker's drawn width is its size plus its outline width. --------------

MANY_MARKS = 40
"""From this many points on, a series' marks shrink to ticks: 40 large diamonds hid the curve beneath."""

CHECKPOINT_SIZE = 13
CHECKPOINT_OUTLINE = 2.0
CHECKPOINT_TICK_SIZE = 8
"""A vertical tick (``line-ns-open``): 8 px tall, as wide as its stroke."""
CHECKPOINT_TICK_STROKE = 2.0
CLICK_TARGET_SIZE = 4
"""Invisible markers (opacity 0) of this size make a line's points selectable by a click."""
RUG_LIFT = 0.03
"""Ticks sit this share of the plot's height above its foot."""
FULL_VALID_SIZE = 9
FULL_VALID_OUTLINE = 1.5
FULL_VALID_SMALL_SIZE = 6
FULL_VALID_SMALL_OUTLINE = 1.0
BATCH_VALID_SIZE = 4
DOT_SIZE = 3
JOINED_POINTS = 200
"""Batch validation points joined by a line up to this many; beyond, a line through noise is a band."""
LONE_POINT_SIZE = 9
"""A series of one point has no line to show it, so its marker is what the reader sees."""
BEST_SIZE = 20
BEST_OUTLINE = 1.5
SELECTED_SIZE = 24
SELECTED_OUTLINE = 3.0
UNSAVED_SIZE = 18
UNSAVED_OUTLINE = 2.0

MAX_MARK_WIDTH_WHEN_MANY = 8
"""The widest any mark of a many-point series may be (issue 7: ticks, not diamonds, on large runs)."""

# ---- Lines ------------------------------------------------------------------------------------------------

LINE_WIDTH = 2.2
RAW_LINE_WIDTH = 1.0
BATCH_VALID_LINE_WIDTH = 1.4
FULL_VALID_LINE_WIDTH = 1.5
EPOCH_LINE_WIDTH = 1.0

# ---- Opacities --------------------------------------------------------------------------------------------

RAW_UNDER_SMOOTHED = 0.3
"""A raw line under its smoothed one: there to show the noise, not to be read point by point. Batch
validation that decides the checkpoint is never drawn this faint."""

# ---- Layout -----------------------------------------------------------------------------------------------

HEIGHT_BOTH = 560
"""Loss above accuracy: the loss plot alone is about 300 px, enough to read a turn in the curve."""
HEIGHT_LOSS_ONLY = 420
LOSS_DOMAIN = (0.40, 1.0)
ACCURACY_DOMAIN = (0.0, 0.31)
# With the deciding metric below the loss (F1, a reward), the two plots share the height more evenly: the
# lower plot is the one the choice is made on.
TASK_DOMAINS = ((0.50, 1.0), (0.0, 0.41))
"""Vertical shares of the plot area (paper coordinates) when both subplots show; loss gets the larger."""
MARGIN = {"l": 10, "r": 10, "t": 36, "b": 10}
"""The top margin holds the one legend, above the plots, where it never covers a curve."""
HOVER_DISTANCE = 24
"""How near (px) the pointer must be to a point for the hover to include it."""
CLICK_TOLERANCE = 0.012
"""A click this close to a checkpoint (as a share of the visible x span, ~10 px on a laptop) picks it."""
BAND_LABEL_SIZE = 10
TITLE_SIZE = 12
LEGEND_FONT_SIZE = 11
