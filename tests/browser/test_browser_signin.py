"""Sign-in end to end, in a real browser, through a real OpenID Connect provider (npm ``oidc-provider``,
started here): before sign-in only the sign-in page; an account not on the allow-list refused with a
sign-out; two allowed users each upload and save a run, and each sees only their own in the archive (and
both the run read with the server's key)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools.harness import CHROMIUM, RunningApp, app_process, free_port, wait_for_app_run
from devtools.oidc_provider import ACCOUNTS, ALLOWED_USERS, OidcProvider, installed, oidc_provider
from devtools.standin import StandInServer, make_run
from devtools.trainer_runs import trainer_state
from tests.browser.apps import keyed_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
    pytest.mark.skipif(
        not installed(), reason="no oidc-provider: npm ci in devtools/oidc (scripts/test.sh does)"
    ),
]
TEAM_JOB = "ftjob-team-signin"


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The dashboard requiring sign-in, reading the stand-in with the server's key, an archive of its own,
    and the provider it signs in through."""
    folder = tmp_path_factory.mktemp("signin")
    provider = OidcProvider(f"http://127.0.0.1:{free_port()}")
    (folder / "secrets.toml").write_text(provider.auth_secrets())
    with StandInServer() as standin:
        standin.add_run(make_run(TEAM_JOB, n_steps=40, n_epochs=2))
        env = keyed_env(
            standin,
            DASHBOARD_STORE=str(folder / "archive.sqlite3"),
            DASHBOARD_REQUIRE_LOGIN="true",
            DASHBOARD_ALLOWED_USERS=ALLOWED_USERS,
        )
        with app_process(env, extra_args=["--secrets.files", str(folder / "secrets.toml")]) as app:
            port = int(provider.issuer.rsplit(":", 1)[1])
            with oidc_provider(f"{app.url}/oauth2callback", port=port):
                yield app


def sign_in(page: Page, app: RunningApp, login: str) -> None:
    """From the dashboard's sign-in page through the provider's login and consent, back to the dashboard."""
    page.goto(app.url)
    wait_for_app_run(page)
    expect(page.get_by_text("sign in to see the team's fine-tuning runs")).to_be_visible()
    expect(page.get_by_text("Sources")).to_have_count(0)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/interaction/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent
    page.wait_for_url(f"{app.url}/**")
    wait_for_app_run(page)


def archive_rows(page: Page, app: RunningApp) -> str:
    """The text of the archive's job list as this browser's user sees it."""
    page.goto(f"{app.url}/?source=archive")
    wait_for_app_run(page)
    grid = page.locator("[data-testid='stDataFrame'] tbody [role=row]")
    grid.first.wait_for(state="attached")
    return " ".join(grid.all_inner_texts())


def upload_and_save(page: Page, name: str, n_steps: int) -> None:
    data = json.dumps(trainer_state(n_steps=n_steps, save_steps=50, eval_steps=50)).encode()
    uploader = page.locator("[data-testid=stFileUploader] input[type=file]")
    uploader.set_input_files(files=[{"name": name, "mimeType": "application/json", "buffer": data}])
    wait_for_app_run(page)
    page.get_by_role("button", name="Save to archive").click()
    expect(page.get_by_text("Saved to the archive on")).to_be_visible()


def test_an_account_not_on_the_list_is_refused(
    browser: Browser, browser_context_args: dict, signed_app: RunningApp
) -> None:
    page = browser.new_context(**browser_context_args).new_page()
    sign_in(page, signed_app, "mallory")
    expect(page.get_by_text("is not allowed to use this dashboard")).to_be_visible()
    expect(page.get_by_text(str(ACCOUNTS["mallory"]["email"]))).to_be_visible()
    expect(page.get_by_text("Sources")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()  # signed out here, then at the provider
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{signed_app.url}/**")
    wait_for_app_run(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("is not allowed")).to_have_count(0)
    page.context.close()


def test_two_users_each_see_only_their_own_archive(
    browser: Browser, browser_context_args: dict, signed_app: RunningApp
) -> None:
    alice = browser.new_context(**browser_context_args).new_page()
    sign_in(alice, signed_app, "alice")
    expect(alice.get_by_text(f"Signed in as {ACCOUNTS['alice']['email']}")).to_be_visible()
    expect(alice.get_by_role("button", name="Sign out")).to_be_visible()
    alice.goto(f"{signed_app.url}/?run=openai:{TEAM_JOB}")  # read with the server's key: kept under it
    wait_for_app_run(alice)
    upload_and_save(alice, "alice_trainer_state.json", 200)

    bob = browser.new_context(**browser_context_args).new_page()
    sign_in(bob, signed_app, "bob")
    upload_and_save(bob, "bob_trainer_state.json", 300)

    seen_by_alice, seen_by_bob = archive_rows(alice, signed_app), archive_rows(bob, signed_app)
    assert "alice_trainer_state" in seen_by_alice and "bob_trainer_state" not in seen_by_alice
    assert "bob_trainer_state" in seen_by_bob and "alice_trainer_state" not in seen_by_bob
    assert TEAM_JOB in seen_by_alice and TEAM_JOB in seen_by_bob
    for page in (alice, bob):
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.context.close()
