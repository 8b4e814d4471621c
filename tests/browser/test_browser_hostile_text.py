"""A job whose every string is hostile, in a real browser: the page shows it as text and nothing else.

Streamlit's renderer rewrites text after Markdown parsing (GFM autolinks, ``:streamlit:``, icons), so only a
browser shows whether escaped text stays text. Checked here: no link, image, heading, list, icon or math
comes from the job; no bidi character reaches the page text; the browser asks no other host for anything;
the chart hover shows the model name literally; the CSV download is named after the checked job ID and
its cells do not start like formulas. The same for a hostile ``?job=`` link on the demo page.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, Request, expect

from components.text import ID_CHARS, MODEL_CHARS, WORD_CHARS, clean
from devtools.harness import CHROMIUM, RunningApp, wait_for_app_run
from devtools.standin import StandInServer, SyntheticRun
from tests.browser.charts import CHECKPOINT_TRACE, chart, hover, traces, wait_for_charts
from tests.hostile import hostile_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

ROUTE = "ftjob-hostile"
# One string with what must never become markup, the worst first (ids show 64 characters, words 40).
HOSTILE_TEXT = (
    "=cmd|' /C calc'!A0 :streamlit: www.evil.example ![p](https://evil.example/p.png) "
    "<img src=//evil.example/i.png> a@evil.example :material_home: :smile: **[x](https://evil.example)** "
    "\u202egnp.exe\u202c\u200b # h\n- li\n1. x $x$ %{y} <b>b</b>"
)
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# What the page has of markup that could come from outside text, as the browser built it. Streamlit's own
# heading anchors (href="#…") are links too; the metric help (our list) and the data grid's accessibility
# tables are left out, being ours.
_MARKUP = """() => {
  const all = s => Array.from(document.querySelectorAll(s));
  const ours = e => e.closest('[data-testid=stExpander], [data-testid=data-grid-canvas]');
  return {
    links: all('a').map(a => a.getAttribute('href') || ''),
    images: all('img, svg image, picture, video, audio, iframe, object, embed')
      .map(e => e.getAttribute('src') || e.getAttribute('href') || e.tagName),
    headings: all('h1, h2, h3, h4, h5, h6').map(h => h.innerText.trim()),
    lists: all('ul, ol, li, blockquote, table, hr').filter(e => !ours(e)).map(e => e.tagName),
    icons: all('[data-testid=stMarkdownContainer] span[role=img]').length,
    math: all('.katex, math').length,
    badges: all('.stMarkdownBadge').map(b => b.innerText),
    text: document.body.innerText,
  };
}"""


@pytest.fixture(scope="module")
def hostile(browser_standin: StandInServer) -> SyntheticRun:
    run = hostile_run(ROUTE, HOSTILE_TEXT)
    browser_standin.add_run(run, job_id=ROUTE)
    return run


def _recording(page: Page) -> list[str]:
    requests: list[str] = []

    def record(request: Request) -> None:
        requests.append(request.url)

    page.on("request", record)
    return requests


def _assert_no_markup_of_its_own(markup: dict[str, Any], headings: list[str]) -> None:
    assert all(href.startswith("#") for href in markup["links"]), markup["links"]
    assert markup["images"] == []
    assert markup["headings"] == headings
    assert markup["lists"] == []
    assert markup["icons"] == 0
    assert markup["math"] == 0
    assert not [char for char in markup["text"] if char in BIDI]
    assert "evil.example/p.png" not in "".join(markup["links"])


def _assert_only_own_host(requests: list[str], app: RunningApp) -> None:
    """The browser fetched nothing from any other host: no tracking pixel, no font or icon service."""
    assert requests, "no request was recorded"
    assert [url for url in requests if not url.startswith((app.url, "data:", "blob:"))] == []


def _hover_text(page: Page, x: float, y: float) -> str:
    """Hover the checkpoint mark at data coordinates (x, y) of the loss plot; return the checkpoint's row
    of the hover (the first after the step: the hover lists the checkpoint first)."""
    lines = hover(page, x, y).split("\n")
    assert chart(page).locator(".hoverlayer a").count() == 0
    return lines[1]


def test_a_hostile_job_is_shown_as_text_only(
    page: Page, keyed_app: RunningApp, hostile: SyntheticRun
) -> None:
    requests = _recording(page)
    picked = hostile.checkpoints[0]
    page.goto(keyed_app.url + f"/?job={ROUTE}&ckpt={quote(picked['id'], safe='')}")
    wait_for_app_run(page)
    wait_for_charts(page)
    expect(page.locator(".st-key-comparison").get_by_test_id("stCode")).to_have_count(1)

    markup = page.evaluate(_MARKUP)
    # The run is named by the id the page asked for (checked), never by the id the server sent back.
    header = f"{ROUTE} \xa0 {clean(HOSTILE_TEXT, WORD_CHARS)}"
    _assert_no_markup_of_its_own(
        markup,
        # "Recorded answers": the try panel's section that keeps answers in the archive (our own heading)
        [
            "Sources",
            "Open a run",
            "Reading the curves",
            header,
            "All checkpoints",
            "Try checkpoints",
            "Recorded answers",
        ],
    )
    assert markup["badges"] == [clean(HOSTILE_TEXT, WORD_CHARS)]  # the label did not end early
    error = page.get_by_test_id("stAlert").filter(has_text="The job failed").inner_text()
    assert clean(HOSTILE_TEXT) in error

    markers = traces(page)[CHECKPOINT_TRACE]
    hover = _hover_text(page, markers["x"][0], markers["y"][0])
    assert hover.startswith(clean(HOSTILE_TEXT, MODEL_CHARS) + "step ")  # <img …>, %{y} and <b> as typed

    with page.expect_download() as download:
        page.get_by_role("button", name="Checkpoints CSV").click()
    assert download.value.suggested_filename == f"{ROUTE}-checkpoints.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(), newline="")))
    assert {row["model"] for row in rows} == {"'" + HOSTILE_TEXT}
    _assert_only_own_host(requests, keyed_app)


def test_a_hostile_job_link_on_the_demo_page_is_shown_as_text_only(page: Page, demo_app: RunningApp) -> None:
    requests = _recording(page)
    page.goto(demo_app.url + "/?job=" + quote(HOSTILE_TEXT, safe=""))
    wait_for_app_run(page)
    warning = page.get_by_test_id("stAlert").filter(has_text="Add an API key to open")
    expect(warning).to_be_visible()
    assert warning.locator("code").inner_text() == clean(HOSTILE_TEXT, ID_CHARS)
    markup = page.evaluate(_MARKUP)
    _assert_no_markup_of_its_own(
        markup,
        [
            "Sources",
            "Open a run",
            "Reading the curves",
            "ftjob-demo \xa0 succeeded",
            "All checkpoints",
            "Try checkpoints",
        ],
    )
    _assert_only_own_host(requests, demo_app)
