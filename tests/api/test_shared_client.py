"""The pooled httpx.Client is shared by every session for one base URL: nothing of one user may reach another.

Real HTTP against the stand-in: a Set-Cookie answered to user A's request is never sent with user B's,
and no credential of A's travels with B's requests.
"""

from __future__ import annotations

import httpx
import pytest

from components.api import AuthenticationError, FineTuningClient, make_http_client
from components.sources.openai import load_run
from devtools.configs import openai_config
from devtools.standin import Fault, StandInServer, make_run

ALICE = "sk-alice-0123456789abcdef"
BOB = "sk-bob-0123456789abcdef"
COOKIE = {"Set-Cookie": "session=alice-private; Path=/"}


def _serve(server: StandInServer) -> None:
    server.add_run(make_run("ftjob-alice"), [Fault("any", "headers", headers=COOKIE, times=None)])
    server.add_run(make_run("ftjob-bob"))


def _requests_of(server: StandInServer, key: str) -> list:
    return [request for request in server.requests if request.headers.get("authorization") == f"Bearer {key}"]


def test_a_plain_httpx_client_would_carry_alices_cookie_to_bob() -> None:
    # The control: without the refusing cookie jar, the pooled client leaks (issue 6, finding 5).
    with StandInServer(api_keys=(ALICE, BOB)) as server, httpx.Client(base_url=server.base_url) as plain:
        _serve(server)
        plain.get("fine_tuning/jobs/ftjob-alice", headers={"Authorization": f"Bearer {ALICE}"})
        plain.get("fine_tuning/jobs/ftjob-bob", headers={"Authorization": f"Bearer {BOB}"})
        [bobs] = _requests_of(server, BOB)
        assert bobs.headers.get("cookie") == "session=alice-private"


def test_a_cookie_set_for_one_user_is_never_sent_with_another_users_requests() -> None:
    with StandInServer(api_keys=(ALICE, BOB)) as server:
        _serve(server)
        http = make_http_client(server.base_url, read_timeout=5, max_retries=0)
        alice = FineTuningClient(http, openai_config(ALICE, server.base_url))
        bob = FineTuningClient(http, openai_config(BOB, server.base_url))
        with http:
            load_run(alice, "ftjob-alice")
            load_run(bob, "ftjob-bob")
            load_run(alice, "ftjob-alice")  # Alice's own later requests do not carry it either
            assert len(http.cookies) == 0

        assert len(_requests_of(server, ALICE)) == 6 and len(_requests_of(server, BOB)) == 3
        assert len(server.requests) == 9
        assert not any("cookie" in request.headers for request in server.requests)


def test_no_credential_of_one_user_travels_with_anothers_request() -> None:
    with StandInServer(api_keys=(ALICE, BOB)) as server:
        _serve(server)
        with make_http_client(server.base_url, read_timeout=5, max_retries=0) as http:
            FineTuningClient(http, openai_config(ALICE, server.base_url)).get_job("ftjob-alice")
            FineTuningClient(http, openai_config(BOB, server.base_url)).get_job("ftjob-bob")
            anonymous = FineTuningClient(http, openai_config("", server.base_url))
            with pytest.raises(AuthenticationError):  # the stand-in answers 401 to a request without a key
                anonymous.get_job("ftjob-bob")
        first, second, third = server.requests
        assert first.headers["authorization"] == f"Bearer {ALICE}"
        assert second.headers["authorization"] == f"Bearer {BOB}"
        assert "authorization" not in third.headers and "api-key" not in third.headers
        assert all(ALICE not in str(request.headers) for request in (second, third))
