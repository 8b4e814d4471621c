"""The floor of ``benchmarks/first_chart.py``: a bare Streamlit page that draws one stored figure and nothing
else, so the run page's time to its first chart can be told as a ratio against what Streamlit and plotly
alone need for the very same figure.

``?figure=N`` draws ``$FLOOR_FIGURES/N.json`` (a run page's main figure, as plotly JSON), with the page's
layout and the chart's width; no heading, no sidebar, no other element.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")
number = int(st.query_params.get("figure", "0"))
figure = json.loads((Path(os.environ["FLOOR_FIGURES"]) / f"{number}.json").read_text(encoding="utf-8"))
st.plotly_chart(figure, width="stretch")
