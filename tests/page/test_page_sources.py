"""Sources on the page: keys typed per source (session only), a typed Azure endpoint only on Azure's hosts,
``?run=source:id`` links and what they cost, Together's missing accuracy said where it would be drawn, and
hostile ``?run=`` values refused as text with no request."""

from __future__ import annotations

import pytest

from components.api.config import typed_azure_endpoint
from components.data.together import NO_ACCURACY
from components.ui.connection import AZURE_ENDPOINT_KEY, TYPED_KEYS
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_together_run, together_job_id
from tests.markdown_view import tokens, visible_text
from tests.page.page_support import new_app, page_text

JOB = together_job_id("page")


def _run_link(ref: str):
    at = new_app()
    at.query_params["run"] = ref
    return at.run()


def test_a_together_key_typed_in_the_sidebar_lists_and_opens_its_runs(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    monkeypatch.setenv("TOGETHER_BASE_URL", standin.together_base_url)
    standin.add_run(make_together_run(JOB))
    at = new_app().run()
    assert standin.requests == []  # nothing is configured yet: nothing is fetched
    at.text_input(key=TYPED_KEYS["together"]).input(DEFAULT_API_KEY).run()
    assert not at.exception
    [frame] = [el.value for el in at.main.dataframe if "Run" in el.value.columns]
    assert list(frame["Run"]) == [JOB]
    assert {request.headers["authorization"] for request in standin.requests} == {f"Bearer {DEFAULT_API_KEY}"}
    assert DEFAULT_API_KEY not in str(dict(at.query_params))
    assert any("typed in this browser session" in c.value for c in at.sidebar.caption)


def test_a_together_run_link_costs_three_requests_and_says_there_is_no_accuracy(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", standin.together_base_url)
    standin.add_run(make_together_run(JOB))
    at = _run_link(f"together:{JOB}")
    assert not at.exception
    assert [standin.count(endpoint) for endpoint in ("jobs", "job", "checkpoints", "metrics")] == [0, 1, 1, 1]
    assert [visible_text(i.value) for i in at.main.info if "accuracy" in i.value] == [NO_ACCURACY]
    # Said once, under the chart: not again in the chart's caption.
    assert not any("no accuracy metric" in c.value for c in at.main.caption)
    assert any(visible_text(c.value).startswith("Source: Together AI · ") for c in at.main.caption)
    assert at.button(key="back_to_list").label == "All runs of Together AI"


@pytest.mark.parametrize(
    "value",
    ["<script>alert(1)</script>", "openai:../../etc", "together:[x](javascript:alert(1))", "azure:ftjob-a"],
)
def test_hostile_or_unconfigured_run_links_are_refused_as_text_with_no_request(
    api_env: StandInServer, value: str
) -> None:
    at = _run_link(value)
    assert not at.exception
    assert at.main.error or at.main.warning
    assert api_env.requests == []
    for element in [*at.main.error, *at.main.warning]:
        kinds = {token.type for token in tokens(element.value)}
        assert not kinds & {"link_open", "image", "html_inline", "html_block"}, element.value
    assert "<script>" not in page_text(at)


def test_compare_links_load_each_run_and_name_them(
    monkeypatch: pytest.MonkeyPatch, no_api_env: None, standin: StandInServer
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", DEFAULT_API_KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", standin.together_base_url)
    other = together_job_id("other")
    standin.add_run(make_together_run(JOB))
    standin.add_run(make_together_run(other, seed=3))
    at = new_app()
    at.query_params["run"] = [f"together:{JOB}", f"together:{other}"]
    at.run()
    assert not at.exception
    assert standin.count("job") == 2
    assert [header.value for header in at.main.subheader] == ["Comparing 2 runs"]
    assert not at.main.error


def test_a_typed_azure_endpoint_must_be_an_https_azure_host() -> None:
    assert typed_azure_endpoint("https://my-res.openai.azure.com/") == "https://my-res.openai.azure.com/"
    assert typed_azure_endpoint(" https://x.cognitiveservices.azure.com/openai ") == (
        "https://x.cognitiveservices.azure.com/"
    )
    for refused in (
        "http://my-res.openai.azure.com/",
        "https://evil.example/",
        "https://openai.azure.com.evil.example/",
        "https://user:pw@my-res.openai.azure.com/",
        "https://127.0.0.1/",
        "not a url",
    ):
        assert typed_azure_endpoint(refused) is None, refused


@pytest.mark.usefixtures("no_api_env")
def test_a_typed_azure_endpoint_elsewhere_is_refused_in_the_page() -> None:
    at = new_app().run()
    at.text_input(key=AZURE_ENDPOINT_KEY).input("http://169.254.169.254/").run()
    assert not at.exception
    assert any("openai.azure.com" in c.value for c in at.sidebar.caption)
    assert not [w for w in at.text_input if w.key == TYPED_KEYS["azure"]]  # no key field until it is right


@pytest.mark.usefixtures("no_api_env")
def test_a_typed_azure_endpoint_is_used_only_with_a_typed_key(standin: StandInServer) -> None:
    """Without a typed key the server would sign in to the visitor's endpoint with its own identity."""
    at = new_app().run()
    at.text_input(key=AZURE_ENDPOINT_KEY).input("https://my-res.openai.azure.com/").run()
    assert not at.exception
    assert not at.sidebar.error  # no "endpoint without a key" problem, no Entra ID sign-in
    assert any(info.value.startswith("**Demo job**") for info in at.info)
    assert at.text_input(key=TYPED_KEYS["azure"]).value == ""


@pytest.mark.parametrize("value", ["azure", "<b>x</b>", "files"])
def test_a_source_link_to_a_source_not_configured_is_named_without_markup(
    api_env: StandInServer, value: str
) -> None:
    at = new_app()
    at.query_params["source"] = value
    at.run()
    assert not at.exception and api_env.requests == []
    [warning] = [visible_text(w.value) for w in at.main.warning]
    assert "is not configured on this dashboard (configured: openai)." in warning
    assert "<" not in warning


@pytest.mark.usefixtures("no_api_env")
@pytest.mark.parametrize("key", ["   ", "\t", "\u200b"])
def test_a_typed_azure_endpoint_with_a_blank_or_invisible_key_never_gets_the_servers_identity(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """Issue 17, item 1: with azure-identity installed and an ambient identity, a key of spaces made the
    server call the visitor's endpoint with its own Entra ID token."""
    asked: list[str] = []

    def server_identity(scope: str):
        asked.append(scope)
        raise RuntimeError("the test's stand-in for the server's identity")

    monkeypatch.setattr("components.api.config.azure_identity_available", lambda: True)
    monkeypatch.setattr("components.api.auth.default_token_provider", server_identity)
    at = new_app().run()
    at.text_input(key=AZURE_ENDPOINT_KEY).input("https://visitor.openai.azure.com/").run()
    at.text_input(key=TYPED_KEYS["azure"]).input(key).run()
    assert not at.exception
    assert asked == []
    assert not any("Azure OpenAI" in c.value for c in at.sidebar.caption if "key from" in c.value)
    if key.strip():  # the zero-width space: a key no one can type, named as the Azure settings' problem
        [error] = [e.value for e in at.sidebar.error]
        assert "Azure OpenAI" in error and "cannot be part of a key" in error
    else:  # spaces or a tab: no key yet, so no Azure source
        assert not at.sidebar.error
