"""How sure the choice is, in the page: the demo's batch-validation choice with its noise band and ties,
and its validation examples compared with a verdict (AppTest, offline)."""

from __future__ import annotations

import numpy as np

from components.charts.noise_band import BAND_NAME, BAND_NOTE, LOWER_NAME
from tests.markdown_view import visible_text
from tests.page.page_support import TIMEOUT, captions, chart_spec, decode, new_app, traces


def test_choosing_by_batch_validation_draws_its_noise_and_names_the_ties(no_api_env: None) -> None:
    at = new_app()
    at.query_params["metric"] = "Validation loss (batch)"
    at.run()
    assert not at.exception
    [reason] = [text for text in captions(at) if text.startswith("Lowest batch validation loss")]
    assert reason.endswith(
        "Tied within batch validation's noise: steps 240, 360 and 480; step 240, the earliest, is as good "
        "and cheaper."
    )
    details = [
        visible_text(element.value) for element in at.markdown if "tied with the best" in element.value
    ]
    assert "Within the noise of batch validation loss (±0.0658 a measurement), 3 checkpoints" in details[0]
    assert "The earliest, step 240 (0.642), is as good by this curve and cheaper to reach" in details[0]
    assert "step 360 has the lowest value (0.603)" in details[0]
    named = traces(chart_spec(at))
    upper, lower = np.array(decode(named[BAND_NAME]["y"])), np.array(decode(named[LOWER_NAME]["y"]))
    assert named[BAND_NAME]["fill"] == "tonexty" and (upper > lower).all()
    assert chart_spec(at)["data"][1]["name"] == BAND_NAME  # under every other trace
    assert any(BAND_NOTE in text for text in captions(at))  # said under the chart, not in its legend


def test_full_validation_says_it_cannot_tell(no_api_env: None) -> None:
    at = new_app().run()
    details = [visible_text(element.value) for element in at.markdown]
    assert any(text.startswith("Full validation loss is one number per evaluation") for text in details)
    assert BAND_NAME not in traces(chart_spec(at))


def test_the_demo_validation_examples_end_with_a_verdict(no_api_env: None) -> None:
    at = new_app().run()
    at.session_state["try_tabs"] = "On validation examples"
    at.run()
    at.button(key="validation_run").click().run(timeout=TIMEOUT)
    assert not at.exception
    texts = [visible_text(element.value) for element in at.markdown]
    verdict = texts[texts.index("Is the difference real?") + 1]
    # The best on these 10 examples against the runner-up (the recommended one is the best): it wins 9 of
    # 10, yet 10 skewed differences cannot rule out no difference, and the page does not claim one.
    assert verdict == (
        "No clear difference between Checkpoint at step 240 and Base model (before fine-tuning): the 95 % "
        "interval −0.5 to 45.1 includes zero."
    )
    details = next(visible_text(c) for c in captions(at) if "scores higher on" in visible_text(c))
    assert "the same on 0 %." in details and "Paired bootstrap over 10 examples" in details
    assert "would take about" in details
    at.selectbox(key="validation_verdict_second").set_value("Final model").run()
    texts = [visible_text(element.value) for element in at.markdown]
    assert (
        texts[texts.index("Is the difference real?") + 1].startswith(
            "No clear difference between Checkpoint at step 240 and Final model"
        )
        or " beats " in texts[texts.index("Is the difference real?") + 1]
    )
