"""Which page a request means, from its query parameters and the session's sources: a pure function.

The URL is untrusted (a shared link, a bookmark, a hand-edited address), so nothing here raises on any
value and no part of it reaches a message but letters, digits and ``_ - : .``. The shapes it reads:

- ``?run=openai:ftjob-abc`` one run; ``?run=A&run=B`` (2 to 10, repeats ignored) compares them;
- ``?job=ftjob-abc`` (older links, and the sidebar's job ID field): the job in the first configured API
  source that can hold it, OpenAI else Azure;
- ``?source=azure`` that source's job list; no parameter at all: the first configured source's list, or
  the built-in demo when nothing is configured.

:func:`params_of` is the way back: the parameters that mean a given page, so every link and every move
to another page writes the URL the one way ``route`` reads it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from components.api import InvalidJobIdError, validate_id
from components.demo import DEMO_JOB_ID
from components.domain import InvalidRunRefError, RunRef
from components.sources.demo import DEMO
from components.sources.files import UPLOAD
from components.sources.registry import Registry
from components.text import ECHO_CHARS, MESSAGE_CHARS, clean

RUN_PARAM = "run"
JOB_PARAM = "job"
SOURCE_PARAM = "source"
MIN_COMPARE = 2
MAX_COMPARE = 10
MAX_RUN_VALUES = 100
"""``run`` values looked at in one URL: ten times what a comparison takes, so a URL of thousands costs
nothing, and the message can still say how many were given."""

_SAFE_ECHO = re.compile(r"[^A-Za-z0-9_:.-]+")
# What a message may never hold: Markdown, HTML or a directive, whatever the URL carried.
_MARKUP = re.compile(r"[<>\[\]`*#|$!&{}\\~^=]")


@dataclass(frozen=True)
class JobList:
    """The runs of one configured source (its name), newest first."""

    source: str


@dataclass(frozen=True)
class OneRun:
    """One run's page."""

    ref: RunRef


@dataclass(frozen=True)
class Compare:
    """Several runs side by side (2 to 10, in the URL's order)."""

    refs: tuple[RunRef, ...]


@dataclass(frozen=True)
class Demo:
    """The built-in demo job (nothing is configured); ``wanted`` is a job the URL or the field asked for,
    which needs a key first (untrusted, as typed: the UI shows it as inline code)."""

    wanted: str | None = None


@dataclass(frozen=True)
class AddressProblem:
    """The URL asks for something this dashboard cannot show; ``message`` says what, in plain words.

    ``error`` is the error behind it when there is one (a malformed id or address), for the page to show
    as it shows every error (its text is untrusted: the UI escapes it).
    """

    message: str
    error: Exception | None = field(default=None, compare=False)


@dataclass(frozen=True)
class JobLink:
    """A job ID as the sidebar's field or an older link gives it (``?job=``): not a page yet, since
    :func:`route` decides where it opens (the first API source that can hold it, the demo, or a problem)."""

    job: str


Route = JobList | OneRun | Compare | Demo | AddressProblem
Place = JobList | OneRun | Compare | Demo
"""A page one can be sent to (an AddressProblem is only ever arrived at)."""


def echo(value: object) -> str:
    """A piece of the URL fit to quote in a message: only letters, digits and ``_ - : .``, clipped."""
    text = value if isinstance(value, str) else ""
    return clean(_SAFE_ECHO.sub("", text), ECHO_CHARS)


def _message(text: str) -> str:
    """Our words around a checked value: one line, bounded, with no character Markdown or HTML acts on."""
    return clean(_MARKUP.sub("", text), MESSAGE_CHARS)


def _values(params: Mapping[str, Sequence[str] | str], name: str) -> list[str]:
    raw = params.get(name)
    values = [raw] if isinstance(raw, str) else list(raw or ())[:MAX_RUN_VALUES]
    return [value.strip() for value in values if isinstance(value, str) and value.strip()]


def listable(registry: Registry, uploads: Collection[str] = ()) -> tuple[str, ...]:
    """The sources that have a job list: every configured one but the demo, and the session's uploads."""
    names = tuple(name for name in registry.names if name != DEMO)
    return (*names, UPLOAD) if uploads else names


def _given(params: Mapping[str, Sequence[str] | str], name: str) -> int:
    """How many values of ``name`` the URL gives (all of them, not only those looked at)."""
    raw = params.get(name)
    return 1 if isinstance(raw, str) else len(raw or ())


def _runs(values: list[str], registry: Registry, uploads: Collection[str], given: int) -> Route:
    refs: list[RunRef] = []
    for value in dict.fromkeys(values):
        try:
            ref = registry.resolve(value, uploads=True)
        except InvalidRunRefError as exc:
            return AddressProblem(_message(f"This link's run cannot be opened: {exc}"), exc)
        if ref.source == UPLOAD and ref.run_id not in uploads:
            return AddressProblem(
                _message(
                    f"The uploaded run {ref} is not in this browser session (uploads stay in the session "
                    "that uploaded them): upload the file again."
                )
            )
        refs.append(ref)
    if len(refs) > MAX_COMPARE:
        named = given if given > MAX_RUN_VALUES else len(refs)  # beyond the values looked at, say all
        return AddressProblem(
            f"This link names {named:,} runs; at most {MAX_COMPARE} can be compared at once."
        )
    return showing(refs)


def showing(refs: Sequence[RunRef]) -> OneRun | Compare:
    """The page of one run, or the comparison of several (``refs`` is not empty)."""
    return OneRun(refs[0]) if len(refs) == 1 else Compare(tuple(refs))


def _job(job: str, registry: Registry) -> Route:
    if registry.is_demo:
        return Demo(None if job == DEMO_JOB_ID else job)
    try:
        ref = registry.ref_for_job(validate_id(job))
    except InvalidJobIdError as exc:
        return AddressProblem(_message(str(exc)), exc)
    if ref is None:
        return AddressProblem(
            "A job ID (ftjob-…) opens in OpenAI or Azure OpenAI, and neither is configured here: "
            "choose the run from its source's list instead."
        )
    return OneRun(ref)


def _list(source: str | None, registry: Registry, uploads: Collection[str]) -> Route:
    sources = listable(registry, uploads)
    if source is None:
        if sources:
            return JobList(sources[0])
        if registry.problems:
            return AddressProblem(
                "No source could be opened: fix the settings named in the sidebar, or add a key there."
            )
        return AddressProblem("No source is configured: add a key in the sidebar, or upload a run's file.")
    if source in sources:
        return JobList(source)
    shown = echo(source)
    return AddressProblem(
        _message(
            f"The source '{shown}' is not configured on this dashboard"
            + (f" (configured: {', '.join(sources)})." if sources else ".")
        )
    )


def route(
    params: Mapping[str, Sequence[str] | str],
    registry: Registry,
    *,
    job: str | None = None,
    uploads: Collection[str] = (),
) -> Route:
    """The page for ``params`` (each name to its values, as ``st.query_params.get_all`` gives them).

    ``job`` is the sidebar's job ID field (bound to ``?job=``; None: read the URL's), ``uploads`` the run
    ids of this session's uploaded files. Never raises; an AddressProblem's message holds no markup.
    """
    runs = _values(params, RUN_PARAM)
    if runs:
        return _runs(runs, registry, uploads, _given(params, RUN_PARAM))
    jobs = [job.strip()] if job is not None else _values(params, JOB_PARAM)[-1:]
    if jobs and jobs[0]:
        return _job(jobs[0], registry)
    if registry.is_demo and not uploads:
        return Demo()
    sources = _values(params, SOURCE_PARAM)
    return _list(sources[-1] if sources else None, registry, uploads)


def current_source(where: Route) -> str | None:
    """The source the page shows (its list, or the run's source), for the sidebar's switch; None for the
    demo, a comparison and a problem."""
    if isinstance(where, JobList):
        return where.source
    if isinstance(where, OneRun):
        return where.ref.source
    return None


def params_of(where: Place | JobLink) -> dict[str, str | list[str]]:
    """The route parameters that mean ``where``: the inverse of :func:`route`, ``route(params_of(w)) == w``.

    Only the parameters ``where`` needs: what else the URL holds (a ``source`` under a run, the view's
    checkpoint, zoom and options) is the caller's to keep or drop.
    """
    match where:
        case JobList(source):
            return {SOURCE_PARAM: source}
        case OneRun(ref):
            return {RUN_PARAM: str(ref)}
        case Compare(refs):
            return {RUN_PARAM: [str(ref) for ref in refs]}
        case Demo(wanted):
            return {JOB_PARAM: wanted} if wanted else {}
        case JobLink(job):
            return {JOB_PARAM: job}


def link_to(where: Place | JobLink) -> str:
    """The relative address of ``where``, for a link (a RunRef is checked: ``:`` is its only mark)."""
    return "?" + urlencode(params_of(where), doseq=True, safe=":")
