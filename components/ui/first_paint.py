"""The first chart first: on a session's first run page the browser draws the chart before anything else.

A browser tab that has not drawn a chart yet must still load and start plotly's bundle (about a second of its
main thread); everything drawn beside it (the checkpoint table, the Try panel, the downloads) competes for
that thread, and the chart, what the user opened the page for, comes last. So, once per browser session:

- while the run is read, an invisible chart in the loading line makes the browser load plotly meanwhile
  (:func:`preload_chart_library`);
- the sidebar's controls give way to one line (:func:`follow_first_chart`): they are drawn in the script,
  so their values stand, and at once replaced, before the browser lays them out; rendering a dozen
  widgets on the main thread while plotly starts cost the chart about a tenth of its time;
- the part of the page below the chart waits until the browser reports the chart drawn
  (:func:`rest_of_page_ready`): a small script watches for the chart's traces and then presses the
  "Show them now" button beside the line that says the rest follows; that rerun draws the whole page,
  sidebar included. It presses anyway after :data:`WAIT_MS`, and a user can press it, so the page never
  stays short. A run that deferred the sidebar but drew no chart (the run could not be read) draws it
  again at once (:func:`settle`).

After that the session's pages are drawn whole in one run: plotly is loaded and stays loaded in the tab.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

DRAWN_KEY = "first_chart_drawn"
"""Session state: True once this browser session has drawn a chart (or given up waiting for one)."""
SIGNAL_KEY = "first_chart_signal"
"""The block that waits for the chart (its line, its button, the watcher): on the page only while it waits."""
CONTINUE_KEY = "first_chart_continue"
"""The button that draws the rest of the page: pressed by the watcher once the chart is drawn, or a user."""
WAIT_MS = 10_000
"""How long the watcher waits for the chart before it asks for the rest of the page anyway."""
DEFERRED_KEY = "first_chart_deferred"
"""Session state: this run replaced sidebar controls and no watcher has been set to bring them back yet."""
FOLLOW_NOTE = ":material/hourglass_top: The sidebar's controls follow the chart."

# Trusted, constant code (built from this module's constants only; nothing from outside is ever put into it):
# it polls once per animation frame for the main chart to hold drawn traces (SVG trace groups or the WebGL
# canvas, as plotly draws them), or for WAIT_MS to pass, then clicks the "Show them now" button, as a user
# could. Plain script in ``st.html``: a custom component would keep state, which cannot be pickled, and this
# app asks Streamlit to check that session state can be.
_WATCH_SCRIPT = """<script>
(() => {
  const started = performance.now();
  const check = () => {
    const chart = document.querySelector(".st-key-%(chart)s .js-plotly-plot");
    const drawn = chart && chart._fullData && chart._fullData.length
      && chart.querySelector(".scatterlayer .trace, canvas.gl-canvas-context");
    const button = document.querySelector(".st-key-%(button)s button");
    if (!document.querySelector(".st-key-%(block)s")) return;  // the page moved on
    if (button && (drawn || performance.now() - started > %(wait_ms)d)) button.click();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
</script>"""

_PRELOAD_FIGURE: dict[str, Any] = {
    "data": [{"type": "bar", "x": [], "y": []}],  # no trace drawn: nothing a reader of the page could count
    "layout": {
        "height": 10,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": False,
    },
}
_PRELOAD_CONFIG = {"staticPlot": True, "displayModeBar": False}


def chart_drawn() -> bool:
    """Whether this browser session has drawn a chart already (plotly is loaded in its tab)."""
    return bool(st.session_state.get(DRAWN_KEY))


def _mark_drawn() -> None:
    st.session_state[DRAWN_KEY] = True


def preload_chart_library() -> None:
    """An invisible, empty chart where it is called (the loading line), on a session that has drawn none:
    the browser loads plotly while the server reads the run. Called inside a block the caller empties."""
    if not chart_drawn():
        st.plotly_chart(_PRELOAD_FIGURE, config=_PRELOAD_CONFIG, width="stretch")


def follow_first_chart(block: DeltaGenerator, note: str | None = None) -> None:
    """On a session's first run page, the controls just drawn into ``block`` (an ``st.empty``) give way to
    ``note``, or to nothing, until the chart is drawn; elsewhere nothing changes.

    Their values stand: the widgets were drawn in this run, so Streamlit keeps their state (and seeds the
    URL-bound ones from the URL) as it would for widgets on screen; the run after the chart draws them.
    """
    if chart_drawn():
        return
    if note is None:
        block.empty()
    else:
        block.caption(note)
    st.session_state[DEFERRED_KEY] = True


def settle() -> None:
    """At the end of a run: when it deferred controls but set no watcher to bring them back (the run could
    not be read, or has no chart), the session gives up drawing its first chart first and runs again whole."""
    if st.session_state.pop(DEFERRED_KEY, False):
        _mark_drawn()
        st.rerun()


def rest_of_page_ready(chart_key: str) -> bool:
    """True when what follows the chart keyed ``chart_key`` may be drawn in this run; otherwise a line says
    it follows (with a button to have it at once), a watcher presses that button once the browser has drawn
    the chart, and the caller stops drawing."""
    if chart_drawn():
        return True
    st.session_state.pop(DEFERRED_KEY, None)  # the watcher's rerun draws them
    with st.container(key=SIGNAL_KEY, horizontal=True, vertical_alignment="center"):
        st.caption(":material/hourglass_top: The checkpoint table and the rest of the page follow the chart.")
        st.button("Show them now", key=CONTINUE_KEY, type="tertiary", on_click=_mark_drawn)
        script = _WATCH_SCRIPT % {
            "chart": chart_key,
            "button": CONTINUE_KEY,
            "block": SIGNAL_KEY,
            "wait_ms": WAIT_MS,
        }
        st.html(script, unsafe_allow_javascript=True)
    return False
