"""Who may use a dashboard that requires sign-in (``DASHBOARD_REQUIRE_LOGIN``, ``DASHBOARD_ALLOWED_USERS``):
addresses and whole domains, case-folded; an unverified or malformed address never; every wrong setting
fails closed (sign-in required, nobody admitted, the problem named)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.api import ConfigError
from components.settings import AllowList, allow_list, sign_in_settings

AUTH = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "a-long-random-cookie-secret-0123456789",
        "client_id": "dashboard",
        "client_secret": "client-secret-0123",
        "server_metadata_url": "http://127.0.0.1:3000/.well-known/openid-configuration",
    }
}
REQUIRED = {
    "DASHBOARD_REQUIRE_LOGIN": "true",
    "DASHBOARD_ALLOWED_USERS": "alice@team.example, @partner.example",
}


def test_addresses_and_domains_are_read_by_commas_and_spaces() -> None:
    allowed = allow_list(" Alice@Team.example,@partner.example other.example;\n")
    assert allowed == AllowList(
        frozenset({"alice@team.example"}), frozenset({"partner.example", "other.example"})
    )


@pytest.mark.parametrize(
    ("email", "verified", "admitted"),
    [
        ("alice@team.example", True, True),
        ("ALICE@team.EXAMPLE ", None, True),  # no email_verified claim: the provider does not say
        ("alice@team.example", False, False),  # the provider says it is unverified
        ("bob@team.example", True, False),  # team.example lists Alice only
        ("carol@partner.example", True, True),
        ("carol@sub.partner.example", True, False),  # a domain is not its subdomains
        ("carol@partner.example.evil.test", True, False),
        ("alice@team.example@evil.test", True, False),
        ("@partner.example", True, False),
        ("partner.example", True, False),
        (None, True, False),
        (["alice@team.example"], True, False),
        ("", True, False),
    ],
)
def test_who_the_allow_list_admits(email: object, verified: object, admitted: bool) -> None:
    allowed = allow_list("alice@team.example @partner.example")
    assert allowed.admits(email, verified) is admitted


@given(st.emails())
def test_an_allowed_domain_admits_exactly_its_own_addresses(email: str) -> None:
    domain = email.rpartition("@")[2].casefold()
    assert allow_list(f"@{domain}").admits(email, True)
    assert not allow_list(f"@x{domain}").admits(email, True)
    assert not AllowList().admits(email, True)


@pytest.mark.parametrize(
    "entry", ["alice@", "@", "a@b@team.example", "team", "<script>@x.example", "-a.example"]
)
def test_an_entry_that_is_no_address_or_domain_is_a_configuration_error(entry: str) -> None:
    with pytest.raises(ConfigError, match="DASHBOARD_ALLOWED_USERS holds an entry"):
        allow_list(f"alice@team.example {entry}")


def test_sign_in_is_off_unless_asked_for() -> None:
    assert not sign_in_settings({}, AUTH).required
    assert not sign_in_settings({"DASHBOARD_REQUIRE_LOGIN": "false"}, {}).required
    settings = sign_in_settings(REQUIRED, AUTH)
    assert settings.required and settings.problem is None
    assert settings.allowed.admits("carol@partner.example", True)
    assert sign_in_settings({}, {**AUTH, **REQUIRED}).required  # from secrets.toml too


@pytest.mark.parametrize(
    ("env", "secrets", "problem"),
    [
        ({"DASHBOARD_REQUIRE_LOGIN": "maybe"}, AUTH, "DASHBOARD_REQUIRE_LOGIN must be true or false."),
        ({"DASHBOARD_REQUIRE_LOGIN": "true"}, AUTH, "DASHBOARD_ALLOWED_USERS names no one who may sign in."),
        (REQUIRED | {"DASHBOARD_ALLOWED_USERS": "team"}, AUTH, "DASHBOARD_ALLOWED_USERS holds an entry that"),
        (REQUIRED, {}, "its [auth] section is missing from .streamlit/secrets.toml"),
        (
            REQUIRED,
            {"auth": {**AUTH["auth"], "client_secret": " ", "cookie_secret": ""}},
            "its [auth] section lacks cookie_secret, client_secret",
        ),
    ],
)
def test_a_wrong_setting_requires_sign_in_and_admits_nobody(env: dict, secrets: dict, problem: str) -> None:
    settings = sign_in_settings(env, secrets)
    assert settings.required and settings.problem is not None and problem in settings.problem
    assert "client-secret-0123" not in settings.problem and "cookie-secret" not in settings.problem
