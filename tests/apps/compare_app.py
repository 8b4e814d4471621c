"""A small app for the compare page's tests: it loads the runs the URL names and calls compare_page.

``?run=ID/STEPS/EPOCHS/SEED`` (repeatable) is a synthetic OpenAI-shaped run read through the real OpenAI
source (``devtools.compare_runs``); ``?run=demo`` is the built-in demo job; ``?run=trainer:NAME`` the
authentic trainer fixture NAME's output folder, read as a runs folder (tests/fixtures/trainers), and
``?run=upload:NAME`` its top trainer_state.json alone, as uploaded. Removing a run drops it from the
URL, as the router does. It tests the compare page on its own, with runs of any length and no server; the
dashboard's own ``?run=A&run=B`` route is tested in ``tests/browser/test_browser_compare.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components.api import Limits
from components.domain import RunData, RunRef
from components.sources import FilesSource, Upload
from components.sources.demo import demo_source
from components.sources.run_files import Origin, run_from_bytes
from components.ui.compare_page import compare_page
from devtools.compare_runs import run_from_spec

TRAINERS = Path(__file__).resolve().parents[1] / "fixtures" / "trainers"
st.set_page_config(page_title="Compare runs", layout="wide")


@dataclass(frozen=True)
class Loaded:
    ref: RunRef
    run: RunData


@st.cache_data(show_spinner=False)
def load(spec: str) -> RunData:
    if spec == "demo":
        return demo_source().load_run("ftjob-demo")
    if spec.startswith("upload:"):
        data = (TRAINERS / spec.removeprefix("upload:") / "trainer_state.json").read_bytes()
        upload = Upload("trainer_state.json", data)
        ref = RunRef("upload", upload.run_id)
        return run_from_bytes(data, Origin(ref, "Uploaded files", upload.name))
    if spec.startswith("trainer:"):
        folder = FilesSource(TRAINERS, Limits())
        name = spec.removeprefix("trainer:")
        return folder.load_run(next(run.run_id for run in folder.list_runs().runs if run.name == name))
    return run_from_spec(spec)


def remove(ref: RunRef) -> None:
    st.query_params["run"] = [
        spec for spec in st.query_params.get_all("run") if load(spec).summary.ref != ref
    ]


specs = st.query_params.get_all("run")
runs = [Loaded(run.summary.ref, run) for run in map(load, specs)]
compare_page(runs, on_remove=remove, run_link=lambda ref: f"/?run={ref}")
