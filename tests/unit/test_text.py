"""components.text: whatever a server, a file or a link sends, the output is only text (property tests)."""

from __future__ import annotations

import ast
import html
import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from components.text import (
    ELLIPSIS,
    ID_CHARS,
    MAX_COMBINING_MARKS,
    MESSAGE_CHARS,
    MODEL_CHARS,
    clean,
    clip,
    code_span,
    is_plausible_model_name,
    markdown_literal,
    plotly_text,
    spreadsheet_cell,
    usage_snippet,
)
from tests.hostile import HOSTILE
from tests.markdown_view import (
    MARKDOWN,
    linkable_text,
    markup_types,
    streamlit_syntax,
    visible_text,
)

# Characters that matter here, drawn often: Markdown and HTML syntax, blanks, bidi and zero-width marks.
SPECIAL = (
    *"\\`*_{}[]()<>#+-=.!|~$:@&;'\"/%^ \n\r\t",
    *("\u202e", "\u202c", "\u2066", "\u2069", "\u200e", "\u200f", "\u200b", "\u200d", "\ufeff", "\u2028"),
    *("\x00", "\x1b", "\x85", "\ud800", "\u0301", "\U000e0041"),
    *("http://", "https://e.example", "www.", "a@b.example", ":streamlit:", ":material/", ":material_x:"),
    *(":smile:", ":red[", "]", "$$", "```", "javascript:", "<img src=//e.example>", "%{y}", "->"),
)
texts = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIAL)), max_size=40).map(
    "".join
)
limits = st.integers(min_value=1, max_value=80)


def _hidden(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) in ("Cc", "Cf", "Cs")]


# ---- clean ---------------------------------------------------------------------------------------------


@given(texts, limits)
@example(HOSTILE["bidi"], 80)
@example("x" * 10_000, 40)
def test_clean_leaves_one_bounded_line_of_visible_characters(text: str, limit: int) -> None:
    shown = clean(text, limit)
    assert len(shown) <= limit
    assert not _hidden(shown)
    assert shown == shown.strip()
    assert "  " not in shown
    assert not [char for char in shown if char.isspace() and char != " "]
    assert clean(shown, limit) == shown  # cleaning twice changes nothing


def _one_character_at_a_time(text: str, limit: int) -> str:
    """clean() as its docstring says, written plainly and slowly: the oracle for the fast version."""
    kept, marks = [], 0
    for char in text:
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
            marks = 0
        elif category in ("Cc", "Cf", "Cs") or char in "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0":
            continue
        else:
            marks = marks + 1 if category in ("Mn", "Me") else 0
            if marks <= MAX_COMBINING_MARKS:
                kept.append(char)
    return clip(" ".join("".join(kept).split()), limit)


@given(texts, limits)
@example("Z" + "\u0301" * 9 + " \U0001e000" * 3 + "\U0001e001" * 7, 80)  # marks beyond the basic plane
def test_clean_matches_a_character_by_character_reading(text: str, limit: int) -> None:
    assert clean(text, limit) == _one_character_at_a_time(text, limit)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60))
def test_ordinary_text_is_left_as_it_is(text: str) -> None:
    ordinary = " ".join(text.split())
    assert clean(ordinary, 60) == ordinary


def test_clean_removes_every_kind_of_hidden_character_and_joins_lines() -> None:
    assert clean("gpt\u202egnp.exe\u202c") == "gptgnp.exe"
    assert clean("ft\u200b:gpt\u200d\ufeff\u2060-4o\u00ad") == "ft:gpt-4o"
    assert clean("a\x00b\x07c\x1bd\x7fe\x9bf") == "abcdef"
    assert clean("line one\n\n line\ttwo\u2028three\x85four") == "line one line two three four"
    assert clean("hi\U000e0041\U000e0042") == "hi"  # tag characters ("ASCII smuggling")
    assert clean("\u3164\u115f") == ""  # Hangul fillers draw nothing
    assert clean(None) == "" and clean(42) == "42"


def test_clean_keeps_at_most_a_few_combining_marks_per_letter() -> None:
    assert clean("Z" + "\u0301" * 100) == "Z" + "\u0301" * 4
    assert clean("Việt Nam") == "Việt Nam"  # real accents stay


def test_a_cut_is_marked_with_an_ellipsis() -> None:
    assert clip("abcdef", 6) == "abcdef"
    assert clip("abcdefg", 6) == "abcde" + ELLIPSIS
    assert clean("word " * 100, 12) == "word word w" + ELLIPSIS


# ---- Markdown ------------------------------------------------------------------------------------------


@given(texts, limits)
@example(HOSTILE["markdown link"], MESSAGE_CHARS)
@example(HOSTILE["bare urls"], MESSAGE_CHARS)
@example(HOSTILE["streamlit directives"], MESSAGE_CHARS)
@example("x] :red[y] [z www.a.example]", MESSAGE_CHARS)
def test_markdown_literal_renders_to_exactly_the_cleaned_text(text: str, limit: int) -> None:
    markdown = markdown_literal(text, limit)
    assert not markup_types(markdown), markdown
    assert visible_text(markdown) == clean(text, limit)
    assert not linkable_text(markdown), markdown
    assert not streamlit_syntax(markdown), markdown
    assert "\n" not in markdown


@given(texts)
@example("a@b.example]x")
@example(":material/x:]")
def test_markdown_literal_stays_literal_inside_a_directive_label(text: str) -> None:
    """The header's status badge puts it in ``:orange-badge[…]``, whose end the directive parser finds by
    backslash escapes alone, code spans or not: every bracket must be escaped."""
    label = markdown_literal(text, 40)
    assert not re.search(r"(?<!\\)(?:\\\\)*[\[\]]", label), label


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_corpus_string_is_plain_text_in_markdown(name: str) -> None:
    markdown = f"**Label** {markdown_literal(HOSTILE[name])}"
    assert markup_types(markdown) == {"strong_open"}
    assert visible_text(markdown) == f"Label {clean(HOSTILE[name])}"


def test_words_streamlit_would_rewrite_are_set_as_inline_code() -> None:
    assert markdown_literal("see https://evil.example/x.") == "see `https://evil.example/x`\\."
    assert markdown_literal("mail a@b.example") == "mail `a@b.example`"
    assert markdown_literal("(www.evil.example)") == "\\(`www.evil.example`\\)"
    assert markdown_literal(":streamlit: logo") == "`:streamlit`\\: logo"
    assert markdown_literal("Line 12 is not valid JSON.") == "Line 12 is not valid JSON\\."


@given(texts, limits)
@example("a``b`", ID_CHARS)
@example("`x", ID_CHARS)
@example(":material/home:", ID_CHARS)
def test_code_span_shows_the_cleaned_text_and_cannot_be_closed(text: str, limit: int) -> None:
    markdown = code_span(text, limit)
    shown = clean(text, limit)
    if not shown:
        assert markdown == ""
        return
    [paragraph] = [token for token in MARKDOWN.parse(markdown) if token.type == "inline"]
    children = paragraph.children or []
    assert {child.type for child in children} <= {"code_inline", "text"}
    assert [child.content for child in children if child.type == "text"] == ["/"] * shown.lower().count(
        ":material/"
    )
    assert visible_text(markdown) == shown
    assert not streamlit_syntax(markdown)


def test_ordinary_ids_keep_todays_look() -> None:
    assert code_span("ftjob-abc123") == "`ftjob-abc123`"
    assert code_span("ft:gpt-4o-mini-2024-07-18:org:x:ckpt-step-480", MODEL_CHARS) == (
        "`ft:gpt-4o-mini-2024-07-18:org:x:ckpt-step-480`"
    )


# ---- plotly --------------------------------------------------------------------------------------------


@given(texts)
@example(HOSTILE["plotly markup"])
def test_plotly_text_is_entities_for_every_tag_character(text: str) -> None:
    shown = plotly_text(text)
    assert "<" not in shown and ">" not in shown
    assert not re.search(r"&(?!amp;|lt;|gt;)", shown)
    assert html.unescape(shown) == clean(text, MODEL_CHARS)


# ---- the snippet ---------------------------------------------------------------------------------------


def _model_argument(snippet: str) -> str:
    """The snippet must be one call of the SDK; its ``model`` argument as a value."""
    [statement] = ast.parse(snippet).body
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
    assert ast.unparse(statement.value.func) == "client.chat.completions.create"
    keywords = {keyword.arg: keyword.value for keyword in statement.value.keywords}
    assert set(keywords) == {"model", "messages"}
    return ast.literal_eval(keywords["model"])


@pytest.mark.parametrize(
    "name",
    [
        'ft:gpt-4o", messages=[]); import os; os.system("echo pwned"); ("',
        "ft:gpt-4o'); __import__('os').system('id'); ('",
        'a"b',
        "line\nbreak",
        "",
    ],
)
def test_a_name_with_quotes_gets_no_snippet_to_paste(name: str) -> None:
    snippet = usage_snippet(name)
    assert snippet is None or _model_argument(snippet) == name


@given(texts)
@example('x"y')
@example("x'y\\")
def test_any_snippet_parses_as_one_call_of_exactly_that_model(name: str) -> None:
    snippet = usage_snippet(name)
    if snippet is not None:
        assert _model_argument(snippet) == name


@pytest.mark.parametrize(
    "name",
    [
        "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:7p4lURel:ckpt-step-480",
        "gpt-35-turbo-0613.ft-0e208cf33a6a466994aff31a08aba678",
        "someone/Meta-Llama-3.1-8B-Instruct-Reference-my-ft-3a1b2c",
        "checkpoint-500",
    ],
)
def test_real_model_names_get_a_snippet(name: str) -> None:
    assert is_plausible_model_name(name)
    assert _model_argument(usage_snippet(name)) == name


# ---- spreadsheets --------------------------------------------------------------------------------------


@given(st.text(max_size=20))
@example("=cmd|' /C calc'!A0")
@example("\t=1+1")
def test_spreadsheet_cells_never_start_like_a_formula(value: str) -> None:
    cell = spreadsheet_cell(value)
    assert cell in (value, "'" + value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert (cell != value) == value.startswith(("=", "+", "-", "@", "\t", "\r"))
