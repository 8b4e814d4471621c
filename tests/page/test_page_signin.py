"""The page behind sign-in (``DASHBOARD_REQUIRE_LOGIN``), in AppTest with ``st.user`` simulated: nothing but
the sign-in page before sign-in, nothing but a refusal and a sign-out for an address not on the list,
nothing but the problem when the setting is wrong; an allowed user gets the dashboard, a sign-out in the
sidebar, and an archive of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.sources import SourceConfig, Upload, resolve_sources
from components.ui.signin import SIGN_IN_KEY, SIGN_OUT_KEY
from components.ui.uploads import SAVE_KEY, UPLOADER_KEY
from devtools.trainer_runs import trainer_state
from tests.markdown_view import visible_text
from tests.page.page_support import new_app, page_text
from tests.unit.test_sign_in_settings import AUTH

ALICE = {"is_logged_in": True, "email": "alice@team.example", "email_verified": True, "name": "Alice"}
BOB = {"is_logged_in": True, "email": "bob@team.example", "email_verified": True, "name": "Bob"}
MALLORY = {"is_logged_in": True, "email": "mallory@elsewhere.example", "email_verified": True}


@pytest.fixture
def required(monkeypatch: pytest.MonkeyPatch, no_api_env: None) -> None:
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", "true")
    monkeypatch.setenv("DASHBOARD_ALLOWED_USERS", "@team.example")


def signed_app(user: dict, *, auth: bool = True) -> AppTest:
    at = new_app()
    if auth:
        at.secrets["auth"] = AUTH["auth"]
    at.user = dict(user)
    return at.run()


def only_the_gate(at: AppTest) -> None:
    """Nothing of the dashboard was drawn: no source, no chart, no table, no sidebar but a sign-out."""
    assert not at.exception
    assert not at.get("plotly_chart") and not at.dataframe
    assert "Sources" not in [header.value for header in at.sidebar.subheader]
    assert "Demo job" not in page_text(at)


@pytest.mark.usefixtures("no_api_env")
def test_sign_in_is_off_by_default() -> None:
    at = signed_app({"is_logged_in": False})
    assert not at.exception and at.get("plotly_chart")  # the demo job, as on a laptop
    assert not [button for button in at.button if button.key in (SIGN_IN_KEY, SIGN_OUT_KEY)]


@pytest.mark.usefixtures("required")
def test_a_visitor_not_signed_in_sees_only_the_sign_in_page() -> None:
    at = signed_app({"is_logged_in": False})
    only_the_gate(at)
    assert at.button(key=SIGN_IN_KEY).label == "Sign in"
    assert "sign in to see the team's fine-tuning runs" in visible_text(at.info[0].value)
    assert not at.sidebar.button


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("user", [MALLORY, {**ALICE, "email_verified": False}, {"is_logged_in": True}])
def test_a_user_not_on_the_list_is_refused_with_a_sign_out(user: dict) -> None:
    at = signed_app(user)
    only_the_gate(at)
    [refusal] = [visible_text(error.value) for error in at.error]
    assert "is not allowed to use this dashboard" in refusal and "DASHBOARD_ALLOWED_USERS" in refusal
    at.button(key=SIGN_OUT_KEY).click().run()  # st.logout: the next run is signed out
    only_the_gate(at)
    assert at.button(key=SIGN_IN_KEY)


@pytest.mark.usefixtures("required")
def test_an_allowed_user_gets_the_dashboard_and_a_sign_out_in_the_sidebar() -> None:
    at = signed_app(ALICE)
    assert not at.exception and at.get("plotly_chart")
    assert "Sources" in [header.value for header in at.sidebar.subheader]
    assert any("alice@team.example" in caption.value for caption in at.sidebar.caption)
    at.sidebar.button(key=SIGN_OUT_KEY).click().run()
    only_the_gate(at)
    assert at.button(key=SIGN_IN_KEY)


@pytest.mark.usefixtures("required")
def test_sign_in_required_without_auth_settings_shows_only_the_problem() -> None:
    at = signed_app(ALICE, auth=False)
    only_the_gate(at)
    [problem] = [visible_text(error.value) for error in at.error]
    assert "Sign-in is required (DASHBOARD_REQUIRE_LOGIN), but its [auth] section is missing" in problem
    assert not at.button


def test_each_signed_in_user_sees_only_the_uploads_they_saved(
    required: None, archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = json.dumps(trainer_state(n_steps=200, save_steps=50, eval_steps=50)).encode()
    alice = signed_app(ALICE)
    alice.file_uploader(key=UPLOADER_KEY).upload("trainer_state.json", state, "application/json").run()
    alice.button(key=SAVE_KEY).click().run()
    assert [s.value for s in alice.main.success if "Saved to the archive" in s.value]
    alice.radio(key="source_switch").set_value("archive").run()
    assert [len(el.value) for el in alice.main.dataframe if "Run" in el.value.columns] == [1]
    assert "upload-trainer_state" in page_text(alice)

    # Alice opens it again by its address in a new session; Bob, on the same server, cannot
    address = f"archive:upload-{Upload('trainer_state.json', state).run_id}"
    again = new_app()
    again.secrets["auth"], again.user, again.query_params["run"] = AUTH["auth"], dict(ALICE), address
    assert again.run().get("plotly_chart") and not again.exception
    bob = new_app()
    bob.secrets["auth"], bob.user, bob.query_params["run"] = AUTH["auth"], dict(BOB), address
    bob.run()
    assert not bob.exception and not bob.get("plotly_chart")
    assert "in the archive" in page_text(bob) and "Alice" not in page_text(bob)


def test_every_cached_read_is_keyed_by_the_signed_in_user() -> None:
    """The address rides in every source config, which keys every ``st.cache_data`` read of a run."""
    registry = resolve_sources({"OPENAI_API_KEY": "sk-test-0123456789"}, {})
    calls: list[str | None] = []

    @st.cache_data
    def read(config: SourceConfig) -> int:
        calls.append(config.user)
        return len(calls)

    alice, bob = (registry.signed_in(who).get("openai") for who in ("alice@team.example", "bob@team.example"))
    assert registry.signed_in(None) is registry and registry.get("openai").user is None
    assert (read(alice), read(bob), read(alice)) == (1, 2, 1)
    assert calls == ["alice@team.example", "bob@team.example"]
    assert "team.example" not in repr(alice)
