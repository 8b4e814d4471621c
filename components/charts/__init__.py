"""Pure figure builders: DataFrames in, plotly figures out; no Streamlit, no I/O."""

from components.charts.curves import ChartView, metric_figure

__all__ = ["ChartView", "metric_figure"]
