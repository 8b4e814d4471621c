"""Pure figure builders: DataFrames in, plotly figures out; no Streamlit, no I/O."""

from components.charts.curves import curves_figure
from components.charts.view import ChartRun, ChartView, RunDisplay, build_display, run_axes

__all__ = ["ChartRun", "ChartView", "RunDisplay", "build_display", "curves_figure", "run_axes"]
