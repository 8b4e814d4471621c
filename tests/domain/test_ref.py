"""RunRef: runs addressed as ``source:id`` (``?run=openai:ftjob-abc``), both parts checked, never more than
one safe segment, and parsing anything at all raises nothing but InvalidRunRefError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.domain import InvalidRunRefError, RunRef, check_run_id
from components.domain.ref import RUN_ID_PATTERN, SOURCE_PATTERN
from components.errors import DashboardError


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("openai:ftjob-abc", RunRef("openai", "ftjob-abc")),
        (
            "  azure:ftjob-0123456789abcdef0123456789abcdef \n",
            RunRef("azure", "ftjob-0123456789abcdef0123456789abcdef"),
        ),
        (
            "together:ft-8b2f1c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f",
            RunRef("together", "ft-8b2f1c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f"),
        ),
        ("files:sft-run-3f2a9c1d0e", RunRef("files", "sft-run-3f2a9c1d0e")),
    ],
)
def test_parse_and_format_round_trip(text: str, ref: RunRef) -> None:
    assert RunRef.parse(text) == ref
    assert RunRef.parse(str(ref)) == ref
    assert str(ref) == text.strip()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ftjob-abc", "openai:ftjob-abc"),  # an old bare job id: the message shows how to write it
        ("", "Enter a run"),
        ("openai:", "Enter a run ID"),
        (":ftjob-abc", "not a source name"),
        ("OpenAI:ftjob-abc", "not a source name"),
        ("openai:../files/x", "not a valid run ID"),
        ("openai:a/b", "not a valid run ID"),
        ("openai:a:b", "not a valid run ID"),
        ("open ai:x", "not a source name"),
        ("openai:" + "x" * 129, "not a valid run ID"),
        ("o:x", "not a source name"),
        ("openai:ftjob\u202eabc", "not a valid run ID"),
    ],
)
def test_malformed_refs_are_refused_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(InvalidRunRefError, match=says) as info:
        RunRef.parse(text)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("value", [None, 7, ["openai:x"], b"openai:x"])
def test_non_text_is_refused(value: Any) -> None:
    with pytest.raises(InvalidRunRefError):
        RunRef.parse(value)


def test_a_ref_cannot_be_built_with_unsafe_parts() -> None:
    with pytest.raises(InvalidRunRefError):
        RunRef("openai", "a/b")
    with pytest.raises(InvalidRunRefError):
        RunRef("openai", " ftjob-x")
    with pytest.raises(InvalidRunRefError):
        RunRef("../x", "ftjob-x")


def test_check_run_id_strips_a_pasted_id() -> None:
    assert check_run_id(" ftjob-abc\n") == "ftjob-abc"
    with pytest.raises(InvalidRunRefError, match="job ID"):
        check_run_id("a b", "job ID")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.from_regex(r"[a-z]{2,8}:[A-Za-z0-9_-]{1,20}", fullmatch=True))
def test_parsing_anything_gives_a_safe_ref_or_our_error(text: str) -> None:
    try:
        ref = RunRef.parse(text)
    except InvalidRunRefError as exc:
        assert isinstance(exc, DashboardError) and isinstance(exc, ValueError)
        return
    assert SOURCE_PATTERN.fullmatch(ref.source) and RUN_ID_PATTERN.fullmatch(ref.run_id)
    assert RunRef.parse(str(ref)) == ref
    assert "/" not in ref.run_id and "?" not in ref.run_id and ":" not in ref.run_id


@given(st.from_regex(SOURCE_PATTERN, fullmatch=True), st.from_regex(RUN_ID_PATTERN, fullmatch=True))
def test_every_safe_ref_round_trips(source: str, run_id: str) -> None:
    ref = RunRef(source, run_id)
    assert RunRef.parse(str(ref)) == ref
    assert RunRef.parse(f"  {ref}\t") == ref
