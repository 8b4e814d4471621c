"""The plotly config of both charts (one run's and the comparison): no logo, a PNG download named after
what the chart shows, and no mode-bar buttons for what plotly must not do there. Pure: a name in, a dict
out."""

from __future__ import annotations

IMAGE = {"format": "png", "scale": 2}
"""The PNG download: twice the screen's size, sharp on a slide."""
SELECTION_BUTTONS = ["select2d", "lasso2d"]
"""Neither chart takes a box or lasso selection from the mode bar (the run chart's drag selects steps)."""


def plotly_config(image_name: str, *, zoom_on_page: bool) -> dict[str, object]:
    """The config of a chart whose PNG download is ``image_name`` (not plotly's "newplot").

    With ``zoom_on_page`` the zoom lives on the page (the toolbar and the drag), where it survives reruns,
    so plotly's own zoom, pan and autoscale buttons go too: theirs would not.
    """
    removed = SELECTION_BUTTONS
    if zoom_on_page:
        removed = ["zoom2d", "pan2d", *SELECTION_BUTTONS, "zoomIn2d", "zoomOut2d", "autoScale2d"]
    return {
        "displaylogo": False,
        "toImageButtonOptions": {**IMAGE, "filename": image_name},
        "modeBarButtonsToRemove": list(removed),
    }
