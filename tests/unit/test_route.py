"""components.page.route: which page a URL means, for every source set-up, and never a crash or markup;
params_of and link_to, the way back from a page to its URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.demo import DEMO_JOB_ID
from components.domain import RunRef
from components.domain.ref import RUN_ID_PATTERN
from components.page.route import (
    MAX_COMPARE,
    MIN_COMPARE,
    AddressProblem,
    Compare,
    Demo,
    JobLink,
    JobList,
    OneRun,
    Place,
    link_to,
    listable,
    params_of,
    route,
    showing,
)
from components.sources import Registry, resolve_sources
from components.sources.files import UPLOAD

OPENAI = {"OPENAI_API_KEY": "sk-openai"}
AZURE = {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com/", "AZURE_OPENAI_API_KEY": "az-key"}
TOGETHER = {"TOGETHER_API_KEY": "tgp-key"}
MARKUP = set("<>[]`*#|$!&{}\\~^=")


def registry(*envs: dict[str, str]):
    merged: dict[str, str] = {}
    for env in envs:
        merged.update(env)
    return resolve_sources(merged, {})


def test_no_parameter_opens_the_first_sources_list_or_the_demo(tmp_path: Path) -> None:
    assert route({}, registry()) == Demo()
    assert route({}, registry(OPENAI, TOGETHER)) == JobList("openai")
    assert route({}, registry(AZURE, TOGETHER)) == JobList("azure")
    assert route({}, registry(TOGETHER)) == JobList("together")
    assert route({}, registry({"DASHBOARD_RUNS_DIR": str(tmp_path)})) == JobList("files")


def test_source_parameter_picks_the_list_and_an_unknown_one_is_named() -> None:
    both = registry(OPENAI, TOGETHER)
    assert route({"source": ["together"]}, both) == JobList("together")
    assert route({"source": "together"}, both) == JobList("together")
    problem = route({"source": ["azure"]}, both)
    assert isinstance(problem, AddressProblem)
    assert "'azure' is not configured" in problem.message and "openai, together" in problem.message


def test_one_run_and_a_comparison_in_the_urls_order_without_repeats() -> None:
    both = registry(OPENAI, TOGETHER)
    assert route({"run": ["openai:ftjob-a"]}, both) == OneRun(RunRef("openai", "ftjob-a"))
    assert route({"run": ["together:ft-1", "openai:ftjob-a", "together:ft-1"]}, both) == Compare(
        (RunRef("together", "ft-1"), RunRef("openai", "ftjob-a"))
    )
    # A repeated run is one run: the page shows it alone.
    assert route({"run": ["openai:ftjob-a", " openai:ftjob-a "]}, both) == OneRun(RunRef("openai", "ftjob-a"))


def test_a_run_wins_over_a_job_and_a_source() -> None:
    params = {"run": ["together:ft-1"], "job": ["ftjob-x"], "source": ["openai"]}
    assert route(params, registry(OPENAI, TOGETHER)) == OneRun(RunRef("together", "ft-1"))


def test_too_many_runs_to_compare_is_a_problem_that_says_the_limit() -> None:
    runs = [f"openai:ftjob-{index}" for index in range(MAX_COMPARE + 1)]
    problem = route({"run": runs}, registry(OPENAI))
    assert isinstance(problem, AddressProblem) and f"at most {MAX_COMPARE}" in problem.message
    assert isinstance(route({"run": runs[:MAX_COMPARE]}, registry(OPENAI)), Compare)


def test_a_link_of_999_runs_says_999() -> None:
    runs = [f"openai:ftjob-{index}" for index in range(999)]
    problem = route({"run": runs}, registry(OPENAI))
    assert isinstance(problem, AddressProblem) and "names 999 runs" in problem.message


def test_a_run_of_a_source_not_configured_names_the_source() -> None:
    problem = route({"run": ["azure:ftjob-a"]}, registry(OPENAI))
    assert isinstance(problem, AddressProblem)
    assert "'azure'" in problem.message and "configured: openai" in problem.message


def test_old_job_links_open_in_openai_else_azure() -> None:
    assert route({"job": ["ftjob-a"]}, registry(OPENAI, AZURE)) == OneRun(RunRef("openai", "ftjob-a"))
    assert route({"job": ["ftjob-a"]}, registry(AZURE, TOGETHER)) == OneRun(RunRef("azure", "ftjob-a"))
    only_together = route({"job": ["ftjob-a"]}, registry(TOGETHER))
    assert isinstance(only_together, AddressProblem) and "neither is configured" in only_together.message
    # The sidebar's field is the job when given (it is bound to ?job=, and the user may have typed since).
    assert route({"job": ["ftjob-a"]}, registry(OPENAI), job="ftjob-b") == OneRun(RunRef("openai", "ftjob-b"))
    assert route({"job": ["ftjob-a"]}, registry(OPENAI), job=" ") == JobList("openai")


def test_a_bad_job_id_is_a_problem_and_the_demo_keeps_what_was_asked() -> None:
    bad = route({"job": ["ftjob/../x"]}, registry(OPENAI))
    assert isinstance(bad, AddressProblem) and "not a valid job ID" in bad.message
    assert route({"job": ["ftjob-demo"]}, registry()) == Demo()
    assert route({"job": ["ftjob-mine"]}, registry()) == Demo("ftjob-mine")
    assert route({"job": ["<b>x</b>"]}, registry()) == Demo("<b>x</b>")  # shown as inline code


def test_uploads_open_only_in_the_session_that_has_them() -> None:
    ref = {"run": ["upload:trainer_state-0123456789"]}
    assert route(ref, registry(), uploads={"trainer_state-0123456789"}) == OneRun(
        RunRef("upload", "trainer_state-0123456789")
    )
    gone = route(ref, registry(), uploads={"other-0123456789"})
    assert isinstance(gone, AddressProblem) and "upload the file again" in gone.message
    assert isinstance(route(ref, registry()), AddressProblem)
    # With uploads and nothing configured, the page lists the uploads rather than the demo.
    assert route({}, registry(), uploads={"a-1"}) == JobList("upload")
    assert listable(registry(OPENAI), {"a-1"}) == ("openai", "upload")


def test_nothing_that_works_is_a_problem_pointing_at_the_sidebar() -> None:
    broken = registry({"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "ftp://nowhere"})
    assert broken.names == () and broken.problems
    problem = route({}, broken)
    assert isinstance(problem, AddressProblem) and "sidebar" in problem.message


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    [
        "<script>alert(1)</script>",
        "openai:<img src=x>",
        "[x](javascript:alert(1))",
        ":red[**x**]",
        "openai:" + "a" * 500,
        "upload:../../etc/passwd",
        "`code`",
        "$x$",
        "openai:ftjob-a",
    ]
)
_PARAMS = st.dictionaries(
    st.sampled_from(["run", "job", "source", "metric", "steps"]), st.lists(_TEXT, max_size=15), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(params=_PARAMS, job=st.none() | _TEXT, uploads=st.sets(_TEXT, max_size=3))
@pytest.mark.parametrize("envs", [(), (OPENAI,), (AZURE, TOGETHER)])
def test_hostile_query_strings_never_raise_and_never_echo_markup(params, job, uploads, envs) -> None:
    result = route(params, registry(*envs), job=job, uploads=uploads)
    assert isinstance(result, JobList | OneRun | Compare | Demo | AddressProblem)
    if isinstance(result, AddressProblem):
        assert not MARKUP & set(result.message), result.message
        assert "\n" not in result.message and len(result.message) <= 500
    if isinstance(result, Compare):
        assert 2 <= len(result.refs) <= MAX_COMPARE


_RUN_ID = st.from_regex(RUN_ID_PATTERN, fullmatch=True)
_WANTED = st.text(max_size=40).map(str.strip).filter(lambda text: text and text != DEMO_JOB_ID)
_REGISTRIES = [(), (OPENAI,), (AZURE, TOGETHER), (OPENAI, AZURE, TOGETHER)]


def _places(draw, sources: Registry, uploads: set[str]) -> list[Place]:
    """Every kind of page ``route`` can give for ``sources`` and ``uploads``, one of each drawn."""
    refs = st.builds(RunRef, st.sampled_from(sources.names), _RUN_ID)
    if uploads:
        refs = refs | st.builds(RunRef, st.just(UPLOAD), st.sampled_from(sorted(uploads)))
    places: list[Place] = [
        OneRun(draw(refs)),
        Compare(tuple(draw(st.lists(refs, min_size=MIN_COMPARE, max_size=MAX_COMPARE, unique=True)))),
    ]
    if sources.is_demo and not uploads:
        places += [Demo(), Demo(draw(_WANTED))]
    else:
        places.append(JobList(draw(st.sampled_from(listable(sources, uploads)))))
    return places


@settings(max_examples=60, deadline=None)
@given(data=st.data(), uploads=st.sets(_RUN_ID, max_size=3))
@pytest.mark.parametrize("envs", _REGISTRIES)
def test_params_of_is_the_inverse_of_route_for_every_kind_of_page(data, uploads, envs) -> None:
    sources = registry(*envs)
    for place in _places(data.draw, sources, uploads):
        params = params_of(place)
        assert route(params, sources, uploads=uploads) == place
        # As the page reads it after a move: the sidebar's job field holds the URL's job.
        field = params.get("job", "")
        assert route(params, sources, job=field, uploads=uploads) == place
        assert route(parse_qs(link_to(place)[1:]), sources, uploads=uploads) == place


def test_params_of_gives_only_what_the_page_needs_and_a_link_is_the_plain_address() -> None:
    a, b = RunRef("openai", "ftjob-a"), RunRef("together", "ft-1")
    assert params_of(OneRun(a)) == {"run": "openai:ftjob-a"}
    assert params_of(Compare((a, b))) == {"run": ["openai:ftjob-a", "together:ft-1"]}
    assert params_of(JobList("azure")) == {"source": "azure"}
    assert params_of(Demo()) == {} and params_of(Demo("ftjob-x")) == {"job": "ftjob-x"}
    assert params_of(JobLink("ftjob-x")) == {"job": "ftjob-x"}
    assert route(params_of(JobLink("ftjob-x")), registry(AZURE)) == OneRun(RunRef("azure", "ftjob-x"))
    assert link_to(OneRun(a)) == "?run=openai:ftjob-a"
    assert link_to(Compare((a, b))) == "?run=openai:ftjob-a&run=together:ft-1"
    assert showing([a]) == OneRun(a) and showing([a, b]) == Compare((a, b))
