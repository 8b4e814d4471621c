"""One safe way to show text that came from outside: the API, a file or the URL. No Streamlit here.

Everything such a party sends is data, never markup or code. Each function below turns an untrusted
string into exactly one kind of output, and every page element that shows outside text goes through one
of them:

- :func:`clean`: visible characters only, one line, bounded length (for ``st.code``, table cells);
- :func:`markdown_literal`: text inside Markdown (``st.markdown``, captions, alerts, labels);
- :func:`code_span`: an id or a model name as inline code inside Markdown;
- :func:`plotly_text`: text in plotly hovers, legends and titles;
- :func:`usage_snippet`: the model name as a Python string literal in a snippet, or no snippet;
- :func:`spreadsheet_cell`: a text cell of a CSV export that a spreadsheet will not run.

Why escaping alone is not enough in Streamlit (checked in Chromium with streamlit 1.67; see
``tests/browser/test_browser_hostile_text.py``): its Markdown renderer rewrites *text nodes* after
parsing, where backslash escapes no longer exist. GFM turns ``http://…``, ``www.…`` and ``a@b.c`` into
links, ``:streamlit:`` becomes an ``<img>``, ``:material_name:`` an icon, and ``:smile:`` an emoji when
the element has a shortcode anywhere. Inline code is never rewritten, so a word that any of these would
catch is shown as inline code instead; everything else is backslash-escaped text.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

# ---- How much of an outside string is shown: one place, each with its reason -----------------------------

ID_CHARS = 64
"""Ids (job, checkpoint, file): OpenAI's are about 30 characters (``ftjob-`` + 24), so any real id shows
whole, while a pasted paragraph cannot fill the page header."""

MODEL_CHARS = 256
"""Model names: the longest real ones (``ft:<base>:<org>:<suffix of up to 64>:<id>:ckpt-step-N``) stay
well under 200 characters, so a name shown is a name that can be copied."""

WORD_CHARS = 40
"""One-word values from the API (status, method, error code, a hyperparameter): the spec's longest is
under 30 characters."""

MESSAGE_CHARS = 500
"""A server's own message (an error's ``message``): OpenAI's longest run to about 300 characters; a hostile
one cannot bury the page."""

NOTE_CHARS = 1_000
"""A note or error detail of ours that quotes one server message: room for the message, its HTTP status and
request id, and our sentence around it, which says what happens next."""

URL_CHARS = 200
"""A base URL: scheme, host, port and a path prefix; any real one is far shorter."""

ECHO_CHARS = 40
"""Input echoed back in a message (a typed ID, a cursor, a setting): enough to recognise it."""

ERROR_BODY_CHARS = 200
"""A non-JSON error body (an HTML error page from a proxy): its title and status line come first; the rest
is markup, not a message. Cut after redaction, so no part of a key survives a cut."""

ELLIPSIS = "…"
MAX_COMBINING_MARKS = 4
"""Consecutive combining marks kept on one letter: real scripts use up to about three; thousands ("Zalgo"
text) would draw over the lines above and below."""

# ---- Cleaning --------------------------------------------------------------------------------------------

# Letters that draw nothing although they are not format characters (Hangul fillers, the combining grapheme
# joiner, Khmer inherent vowels): as invisible as a zero-width space, so as able to hide a difference.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_INVISIBLE_LETTERS = re.compile(f"[{''.join(sorted(_INVISIBLE))}]")
_BEYOND_BASIC_PLANE = re.compile("[\U00010000-\U0010ffff]")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _ranges(codes: list[int]) -> str:
    """A regex character class body for ascending code points, as ranges."""
    parts, start = [], None
    for index, code in enumerate(codes):
        start = code if start is None else start
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(code)) if code != start else ""))
            start = None
    return "".join(parts)


@cache
def _unicode_tables() -> tuple[dict[int, str | None], re.Pattern[str], re.Pattern[str]]:
    """A ``str.translate`` table (blanks to a space; controls, format characters, surrogates and invisible
    letters to nothing), and patterns for too many combining marks in a row: one for marks of the Basic
    Multilingual Plane (a fast lookup table in ``re``), one for all (a slow list of ranges, used only on
    text with characters beyond that plane).

    Built from the whole Unicode range once per process, on the first text that is not plain ASCII (about
    half a second), so cleaning 100,000 such names takes a fraction of a second instead of seconds.
    """
    table: dict[int, str | None] = {}
    marks: list[int] = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        category = unicodedata.category(char)
        if char.isspace():
            table[code] = " "
        elif category in _DROPPED_CATEGORIES or char in _INVISIBLE:
            table[code] = None
        elif category in ("Mn", "Me"):
            marks.append(code)
    too_many = f"{{{MAX_COMBINING_MARKS + 1},}}"
    basic = [code for code in marks if code <= 0xFFFF]
    return table, re.compile(f"[{_ranges(basic)}]{too_many}"), re.compile(f"[{_ranges(marks)}]{too_many}")


def _visible(text: str) -> str:
    """Whitespace as a space; controls, format characters (bidi, zero-width, tags) and lone surrogates
    dropped; long runs of combining marks cut."""
    table, basic_marks, all_marks = _unicode_tables()
    # Printable text has no control, format or surrogate character and no blank but the space.
    text = _INVISIBLE_LETTERS.sub("", text) if text.isprintable() else text.translate(table)
    too_many_marks = all_marks if _BEYOND_BASIC_PLANE.search(text) else basic_marks
    return too_many_marks.sub(lambda run: run.group()[:MAX_COMBINING_MARKS], text)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut ends with an ellipsis, so nobody mistakes it for the whole."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clean(text: object, limit: int = MESSAGE_CHARS) -> str:
    """The visible characters of ``text`` on one line, blanks collapsed, at most ``limit`` characters.

    Controls (C0, C1), format characters (bidi marks, embeddings, overrides and isolates, zero-width
    characters, the BOM, tag characters) and lone surrogates are removed, not replaced: they draw nothing,
    and the bidi ones reorder what is drawn, so ``evil.exe`` could read as ``exe.live``. Newlines and other
    blanks become single spaces, so no outside text can start a Markdown block. ``None`` is ``""``.
    """
    raw = "" if text is None else str(text)
    visible = raw if raw.isascii() and raw.isprintable() else _visible(raw)
    return clip(" ".join(visible.split()), limit)


# ---- Markdown --------------------------------------------------------------------------------------------

# CommonMark allows a backslash before any ASCII punctuation, and a backslash-escaped character is always
# literal: no emphasis, link, image, HTML, heading, list, table, directive (``:red[…]``) or math (``$``).
_ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Words that Streamlit's text-node rewriting would still catch after escaping (see the module docstring).
_REWRITTEN = re.compile(
    r"@|://|www\.|streamlit:|:streamlit|:material|material_\w*:|:[\w+-]+:",
    re.IGNORECASE | re.ASCII,
)
# Kept out of inline code, as escaped text between code spans: the ``/`` of ``:material/``, because
# Streamlit rewrites that to ``:material_`` in the raw source, code spans included; and, for text that may
# sit in a directive label (``:red-badge[…]``), brackets, because the label ends at the first unescaped
# ``]`` even inside a code span.
# Sentence punctuation around such a word stays outside the code: ``(see https://x.example/a).``
_EDGES = re.compile(r"([(\[{<'\"]*)(.*?)([)\]}>'\".,;:!?]*)", re.DOTALL)
_MATERIAL_SLASH = re.compile(r"(?<=:material)/", re.IGNORECASE)
_LABEL_UNSAFE = re.compile(r"[\[\]]|(?<=:material)/", re.IGNORECASE)


def _escaped(text: str) -> str:
    return _ASCII_PUNCTUATION.sub(r"\\\g<0>", text)


def _fenced(text: str) -> str:
    """``text`` (one line, not empty) as one inline code span: the fence is longer than any backtick run
    inside, and a space pads content that starts or ends with a backtick (CommonMark strips it again)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code(text: str, outside: re.Pattern[str]) -> str:
    """``text`` as inline code, with what inline code cannot protect (``outside``) as escaped text between."""
    parts: list[str] = []
    start = 0
    for match in outside.finditer(text):
        if match.start() > start:
            parts.append(_fenced(text[start : match.start()]))
        parts.append(_escaped(match.group()))
        start = match.end()
    if start < len(text):
        parts.append(_fenced(text[start:]))
    return "".join(parts)


def _word(word: str) -> str:
    """One word of outside text: escaped, or as inline code if Streamlit would rewrite it after parsing."""
    if not _REWRITTEN.search(word):
        return _escaped(word)
    lead, core, trail = _EDGES.fullmatch(word).groups()
    if not core:
        lead, core, trail = "", word, ""
    return _escaped(lead) + _code(core, _LABEL_UNSAFE) + _escaped(trail)


def markdown_literal(text: object, limit: int = MESSAGE_CHARS) -> str:
    """Markdown that shows exactly ``clean(text, limit)``, as plain words, and nothing else.

    Every ASCII punctuation character is backslash-escaped, so no Markdown, HTML, link, image, Streamlit
    directive or LaTeX can come out; a word with a URL, an e-mail address or a shortcode is set as inline
    code, where neither GFM's autolinks nor Streamlit's icons and emoji reach it. Streamlit still draws
    ``->`` or ``>=`` standing alone as an arrow or ``≥`` (a glyph, not markup).
    """
    words = clean(text, limit).split(" ")
    return " ".join(_word(word) for word in words if word)


def code_span(text: object, limit: int = ID_CHARS) -> str:
    """An id or model name as inline code that nothing inside can close; ``""`` when nothing is left.

    Today's look for ordinary ids (`` `ftjob-abc` ``); the content shown is ``clean(text, limit)``. Not for
    directive labels (``:red-badge[…]``): use :func:`markdown_literal` there.
    """
    shown = clean(text, limit)
    return _code(shown, _MATERIAL_SLASH) if shown else ""


# ---- Plotly ----------------------------------------------------------------------------------------------


def plotly_text(text: object, limit: int = MODEL_CHARS) -> str:
    """Text for a plotly hover, legend or title: plotly draws a subset of HTML there (``<a href>``, ``<b>``,
    ``<br>``, entities), so ``&``, ``<`` and ``>`` become entities and show as typed."""
    return clean(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- The "use it right away" snippet ---------------------------------------------------------------------

# What model names look like on every provider we read: OpenAI's ``ft:base:org:suffix:id:ckpt-step-N``,
# Azure's ``base.ft-<hex>``, Together's ``user/Model-ft-abc``, a Hugging Face checkpoint directory.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*", re.ASCII)
_SNIPPET = "client.chat.completions.create(model={model}, messages=[{{'role': 'user', 'content': 'Hello'}}])"


def is_plausible_model_name(name: object) -> bool:
    """Whether ``name`` could be a model name: letters, digits and ``. _ : / -``, within ``MODEL_CHARS``."""
    return isinstance(name, str) and len(name) <= MODEL_CHARS and bool(_MODEL_NAME.fullmatch(name))


def usage_snippet(model: object) -> str | None:
    """One line of Python that calls ``model`` with the official SDK, or None for an implausible name.

    The name goes in as a Python string literal (``repr``), never spliced into quotes, so the line parses as
    one call whatever the name; a name no provider would send gets no snippet at all, because a snippet is
    meant to be pasted and run without reading it closely.
    """
    if not is_plausible_model_name(model):
        return None
    return _SNIPPET.format(model=repr(model))


# ---- Spreadsheets ----------------------------------------------------------------------------------------

# Cells a spreadsheet reads as a formula (OWASP, "CSV Injection"): ``=cmd|' /C calc'!A0`` runs a program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """A text cell that a spreadsheet shows as text: one that starts like a formula gets a leading ``'``."""
    return "'" + value if value.startswith(_FORMULA_START) else value
