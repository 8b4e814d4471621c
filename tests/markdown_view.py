"""Markdown as a reader sees it: parsed with a CommonMark parser (markdown-it, GFM-like, linkify on).

Tests use it to check what an element's Markdown *renders to* (the visible text, which nodes it makes)
rather than how it is escaped, which is an implementation detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

MARKDOWN = MarkdownIt("gfm-like", {"linkify": True})
# Token types that only markup makes: none of them may come from outside text.
MARKUP_TYPES = frozenset(
    {
        "link_open",
        "image",
        "html_inline",
        "html_block",
        "heading_open",
        "bullet_list_open",
        "ordered_list_open",
        "blockquote_open",
        "table_open",
        "hr",
        "fence",
        "code_block",
        "em_open",
        "strong_open",
        "s_open",
    }
)
# What Streamlit's renderer reads in the source that CommonMark leaves alone: directives (``:red[``), icons
# (``:material/``), math (``$``). Outside code spans, our escaped text has a backslash before each.
_STREAMLIT_SYNTAX = re.compile(r":[A-Za-z][\w-]*|\$")
_BACKTICKS = re.compile(r"`+")


def tokens(markdown: str) -> Iterator[Token]:
    """Every block and inline token of ``markdown``, in order."""
    for token in MARKDOWN.parse(markdown):
        yield token
        yield from token.children or ()


def visible_text(markdown: str) -> str:
    """The text a reader sees: text and inline code as shown, blocks on their own lines."""
    blocks = []
    for token in MARKDOWN.parse(markdown):
        if token.type == "inline":
            blocks.append(
                "".join(
                    " " if child.type in ("softbreak", "hardbreak") else child.content
                    for child in token.children or ()
                    if child.type in ("text", "code_inline", "softbreak", "hardbreak")
                )
            )
    return "\n".join(blocks)


def markup_types(markdown: str) -> set[str]:
    """Which markup-only token types ``markdown`` makes."""
    return {token.type for token in tokens(markdown)} & MARKUP_TYPES


def _gfm_links(text: str) -> list[str]:
    """What GFM's autolink literals link in ``text``: URLs with a scheme, ``www.`` names, e-mail addresses
    (linkify-it also links bare domains such as ``example.com``, which GFM leaves alone)."""
    return [
        match.text
        for match in MARKDOWN.linkify.match(text) or ()
        if match.schema or match.text.lower().startswith("www.")
    ]


def linkable_text(markdown: str) -> list[str]:
    """Plain text that GFM's autolink literals would still turn into a link.

    Streamlit's renderer finds them in the text *after* parsing (escapes are gone by then), so adjacent text
    pieces are joined before looking, as remark-gfm does.
    """
    found = []
    for token in MARKDOWN.parse(markdown):
        if token.type != "inline":
            continue
        run = ""
        for child in [*(token.children or ()), None]:
            if child is not None and child.type == "text":
                run += child.content
                continue
            found.extend(_gfm_links(run))
            run = ""
    return found


def unescaped_outside_code(markdown: str) -> str:
    """The source characters that Markdown syntax could still act on: outside code spans and not
    backslash-escaped (those become blanks, so no pattern forms across them).

    Scans as CommonMark does: a backslash makes the next character literal, and a backtick run opens a
    code span only if a run of the same length closes it.
    """
    kept, index = [], 0
    while index < len(markdown):
        char = markdown[index]
        if char == "\\":
            kept.append("  ")
            index += 2
        elif char == "`":
            run = _BACKTICKS.match(markdown, index).group()
            closing = re.compile(f"(?<!`){run}(?!`)").search(markdown, index + len(run))
            kept.append(" " if closing else run)
            index = closing.end() if closing else index + len(run)
        else:
            kept.append(char)
            index += 1
    return "".join(kept)


def streamlit_syntax(markdown: str) -> list[str]:
    """Unescaped Streamlit syntax outside code spans: directive or icon colons, LaTeX dollars."""
    return _STREAMLIT_SYNTAX.findall(unescaped_outside_code(markdown))
