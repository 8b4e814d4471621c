"""Every place that shows text from the API or the URL, walked with a corpus of hostile strings.

For each string, the stand-in serves a job whose every string field is that string, and the page is opened
four ways: the job with its checkpoints (and a hostile ``?ckpt=`` picking one), the job with no checkpoints
yet, the demo page with the string as ``?job=`` (no key), and a keyed page with the string as ``?job=``.
Then every element is checked:

- each Markdown body, parsed with a CommonMark parser (markdown-it, GFM-like, linkify), makes no link,
  image, HTML, heading, list, table, quote, rule, emphasis or code block of its own, leaves no text that
  GFM's autolinks or Streamlit's directives, icons and LaTeX would still catch, and holds no control or
  bidi character; bold is only our own labels; headings only our own header and card titles;
- each place shows exactly ``clean()`` of what was sent (the visible text), as the list below says;
- code blocks, table cells, chart hovers and trace names hold no control or bidi character, and the
  hover's model name is HTML-escaped text, not plotly markup;
- a snippet is offered only for a plausible model name, and then parses as one call of that name.
"""

from __future__ import annotations

import ast
import html
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pandas.api.types import is_string_dtype
from streamlit.testing.v1 import AppTest

from components.api import FineTuningClient, InvalidJobIdError, make_http_client, validate_id
from components.data.metrics import BY_NAME
from components.page.model import no_checkpoints
from components.page.recommendation import metric_phrase
from components.sources.openai import OPENAI_CONVENTIONS, load_run
from components.text import (
    ID_CHARS,
    MESSAGE_CHARS,
    MODEL_CHARS,
    NOTE_CHARS,
    WORD_CHARS,
    clean,
    is_plausible_model_name,
)
from components.ui.metric_help import HELP
from devtools.configs import openai_config
from devtools.standin import DEFAULT_API_KEY, StandInServer
from tests.hostile import HOSTILE, hostile_run
from tests.markdown_view import linkable_text, markup_types, streamlit_syntax, tokens, visible_text
from tests.page.page_support import chart_spec, clear_settings, code_texts, new_app, table, walk

ROUTE = "ftjob-hostile"
MARKDOWN_TYPES = ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader")
# Bold in our own sentences: fact labels of the job details, titles of the strip, panel and alerts.
OUR_BOLD = {
    "Created",
    "Finished",
    "Estimated finish",
    "Final model",
    "Training file",
    "Validation file",
    "Demo job",
    "This job has no checkpoints yet.",
    "★ Recommended checkpoint",
    "★ Best checkpoint so far",
    "Recommended vs selected",
    "That is not a job ID",
}
# Our own Streamlit syntax besides the header's badge: the strip's advice in a colour.
ADVICE = re.compile(r":(green|orange)\[[✓⚠] [^\]]+\]")
CASES = list(HOSTILE.items())
IDS = list(HOSTILE)


@dataclass(frozen=True)
class Shown:
    """One piece of page content with the way the browser renders it."""

    where: str
    kind: str  # "markdown", "label" (Markdown in a widget label), or "literal" (drawn as typed)
    text: str


def _page_content(at: AppTest) -> Iterator[Shown]:
    """Everything the page shows as text, element by element."""
    for element in walk(at):
        kind = getattr(element, "type", None)
        proto = getattr(element, "proto", None)
        if kind in MARKDOWN_TYPES:
            yield Shown(kind, "markdown", element.value)
        elif kind in ("status", "expander"):
            yield Shown(kind, "label", element.proto.label)
        elif kind == "metric":
            yield Shown(kind, "label", element.label)
            yield Shown(kind, "literal", element.value)
        elif kind == "code":
            yield Shown(kind, "literal", element.value)
        elif kind == "dataframe":
            frame = element.value
            for column in frame.columns:
                yield Shown(f"table header {column}", "literal", str(column))
                if is_string_dtype(frame[column]) or frame[column].dtype == object:
                    for cell in frame[column].dropna():
                        yield Shown(f"table cell {column}", "literal", str(cell))
        elif kind == "plotly_chart" and proto is not None:
            spec = json.loads(proto.spec)
            for trace in spec["data"]:
                yield Shown("trace name", "literal", trace.get("name") or "")
                for hover in trace.get("hovertext") or ():
                    yield Shown("hover", "plotly", hover)
                yield Shown("hovertemplate", "plotly", trace.get("hovertemplate") or "")
            yield Shown("chart title", "plotly", spec["layout"].get("title", {}).get("text", ""))


def _invisible(text: str) -> list[str]:
    """Control, format (bidi, zero-width) and surrogate characters; ``\\n`` between our own paragraphs is
    allowed."""
    return [
        f"U+{ord(char):04X}"
        for char in text
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs")
    ]


def _bold_texts(markdown: str) -> list[str]:
    """The visible text inside each ``**…**`` of ``markdown``."""
    found, current = [], None
    for token in tokens(markdown):
        if token.type == "strong_open":
            current = ""
        elif token.type == "strong_close" and current is not None:
            found.append(current)
            current = None
        elif current is not None and token.type in ("text", "code_inline"):
            current += token.content
    return found


def _assert_only_our_markup(at: AppTest, text: str) -> None:
    """The checks every page of this module passes, whatever the string."""
    assert not at.exception, [e.value for e in at.exception]
    bold_allowed = OUR_BOLD | {f"The job failed ({clean(text, WORD_CHARS)}):"}
    for shown in _page_content(at):
        assert not _invisible(shown.text), (shown.where, _invisible(shown.text), shown.text[:200])
        if shown.kind == "plotly":
            # Plotly reads a subset of HTML here: only our own <b> and <br> may be tags.
            assert not re.sub(r"</?b>|<br>|<extra>.*?</extra>", "", shown.text).count("<"), shown
            continue
        if shown.kind == "literal" or shown.text.strip() == HELP.strip():
            continue
        types = markup_types(shown.text)
        ours_heading = shown.where == "markdown" and re.match(r"#{3,4} ", shown.text)
        if ours_heading:
            assert sum(token.type == "heading_open" for token in tokens(shown.text)) == 1, shown
            types -= {"heading_open"}
        assert types <= {"strong_open"}, (shown.where, types, shown.text[:300])
        assert set(_bold_texts(shown.text)) <= bold_allowed, (shown.where, _bold_texts(shown.text))
        assert not linkable_text(shown.text), (shown.where, linkable_text(shown.text))
        # Our only Streamlit syntax: the header's status badge and the strip's advice (our words only).
        directives = streamlit_syntax(shown.text)
        badge = ours_heading and all(re.fullmatch(r":[a-z]+-badge", found) for found in directives)
        if ADVICE.fullmatch(shown.text):  # built from the recommendation's own words, no API text
            continue
        assert len(directives) <= 1 if badge else not directives, (shown.where, directives, shown.text[:300])
        assert len(visible_text(shown.text)) <= NOTE_CHARS + 300, shown.where


def _visible(at: AppTest, kind: str) -> list[str]:
    return [visible_text(element.value) for element in walk(at) if getattr(element, "type", None) == kind]


def _expected_note(server: StandInServer, run_text: str) -> str:
    """The note the page should show, from the loader itself (so the test does not re-implement it)."""
    config = openai_config(DEFAULT_API_KEY, server.base_url, max_retries=0)
    http = make_http_client(server.base_url, read_timeout=5, max_retries=0)
    with http:
        [note] = load_run(FineTuningClient(http, config), ROUTE).notes
    return note.text


@pytest.fixture
def hostile_env(api_env: StandInServer, monkeypatch: pytest.MonkeyPatch) -> StandInServer:
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    return api_env


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_a_hostile_job_shows_only_its_cleaned_text(hostile_env: StandInServer, name: str, text: str) -> None:
    run = hostile_run(ROUTE, text)
    hostile_env.add_run(run, job_id=ROUTE)
    best = min(run.checkpoints, key=lambda c: (c["metrics"]["full_valid_loss"], c["step_number"]))
    picked = next(c for c in run.checkpoints if c["id"] != best["id"])
    note = _expected_note(hostile_env, text)
    at = new_app(job=ROUTE, ckpt=picked["id"]).run()
    _assert_only_our_markup(at, text)

    # The header: job id and status badge, one line of facts, details (the final model) behind a click;
    # then the job's error and the loader's note. The header names the run by the id the page asked for
    # (checked), never by the id the server sent back.
    header = visible_text(at.main.markdown[0].value)
    assert header == f"{ROUTE} \xa0 :orange-badge[{clean(text, WORD_CHARS)}]"
    source, facts = (visible_text(caption.value) for caption in at.main.caption[:2])
    assert source.startswith("Source: OpenAI · ")  # the row above the header: where the run was read
    assert facts.startswith(f"Base model {clean(text, MODEL_CHARS)} · Method {clean(text, WORD_CHARS)} · ")
    [details] = [visible_text(m.value) for m in at.main.markdown if "Final model" in m.value]
    assert f" Final model {clean(text, MODEL_CHARS)} Training file " in details
    assert _visible(at.main, "error") == [
        f"The job failed ({clean(text, WORD_CHARS)}): {clean(text, MESSAGE_CHARS)}"
    ]
    notes = [warning for warning in _visible(at.main, "warning") if warning.startswith("The result file")]
    assert notes == [clean(note, NOTE_CHARS)]

    # The strip (the recommendation): step caption, model, the id and a snippet (or why not) in Details.
    strip = at.get_by_key("best_card")
    # A hostile status is no finished state, so the job counts as running: its best checkpoint "so far".
    assert visible_text(strip.caption[0].value) == f"★ Best checkpoint so far · step {best['step_number']:,}"
    codes = code_texts(strip)
    assert codes[0] == clean(text, MODEL_CHARS)
    assert f"Checkpoint {clean(best['id'], ID_CHARS)}" in [visible_text(c.value) for c in strip.caption]
    if is_plausible_model_name(text):
        [snippet] = codes[1:]
        _assert_snippet_calls(snippet, text)
    else:
        assert codes[1:] == []
        assert any("No snippet" in caption.value for caption in strip.caption)
    # The comparison panel, with the checkpoint the hostile ?ckpt= picked: its model name to copy.
    panel = at.get_by_key("comparison")
    assert code_texts(panel) == [clean(text, MODEL_CHARS)]
    assert panel.dataframe[0].value.loc["Selected", "Step"] == f"{picked['step_number']:,}"

    # The table and the chart.
    frame = table(at)
    assert set(frame["model"]) == {clean(text, MODEL_CHARS)}
    assert sorted(frame["checkpoint_id"]) == sorted(clean(c["id"], ID_CHARS) for c in run.checkpoints)
    [marks] = [t for t in chart_spec(at)["data"] if t.get("hovertext")]
    for hover in marks["hovertext"]:
        model = re.fullmatch(r"<b>(.*?)</b><br>step [\d,]+.*", hover, re.DOTALL).group(1)
        assert "<" not in model and ">" not in model
        assert html.unescape(model) == clean(text, MODEL_CHARS)
    phrases = {metric_phrase(name) for name in BY_NAME}
    assert {metric.label for metric in at.get("metric")} <= phrases


def _assert_snippet_calls(snippet: str, model: str) -> None:
    [statement] = ast.parse(snippet).body
    call = statement.value
    assert isinstance(call, ast.Call)
    assert ast.unparse(call.func) == "client.chat.completions.create"
    arguments = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    assert arguments["model"] == model


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_a_hostile_job_without_checkpoints_shows_its_status_as_text(
    hostile_env: StandInServer, name: str, text: str
) -> None:
    hostile_env.add_run(hostile_run(ROUTE, text, with_checkpoints=False), job_id=ROUTE)
    at = new_app(job=ROUTE).run()
    _assert_only_our_markup(at, text)
    # The status shows once, as the header's badge, right above our own sentence.
    assert visible_text(at.main.markdown[0].value).endswith(f":orange-badge[{clean(text, WORD_CHARS)}]")
    assert [info.value for info in at.main.info if "no checkpoints" in info.value] == [
        no_checkpoints(OPENAI_CONVENTIONS)
    ]


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_a_hostile_job_link_on_the_demo_page_is_echoed_as_code(
    monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    clear_settings(monkeypatch)
    at = new_app(job=text).run()
    _assert_only_our_markup(at, text)
    [warning] = [w.value for w in at.main.warning]
    shown = clean(text, ID_CHARS)
    assert visible_text(warning) == f"Add an API key to open {shown}; until then this page shows the demo."
    assert [t.type for t in tokens(warning) if t.type == "code_inline"], warning


@pytest.mark.parametrize(("name", "text"), CASES, ids=IDS)
def test_a_hostile_job_link_with_a_key_is_refused_as_text(
    hostile_env: StandInServer, name: str, text: str
) -> None:
    at = new_app(job=text).run()
    _assert_only_our_markup(at, text)
    with pytest.raises(InvalidJobIdError) as refused:
        validate_id(text.strip())
    [error] = _visible(at.main, "error")
    assert error.split("\n") == [
        "That is not a job ID",
        clean(str(refused.value), NOTE_CHARS),
        "Job IDs look like ftjob-abc123.",
    ]
    assert hostile_env.requests == []
