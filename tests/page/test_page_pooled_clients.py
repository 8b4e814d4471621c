"""One session never closes another's connections (issue 17, item 3): the pool shared by every session holds
only the operator's endpoints, and an endpoint a visitor types gets a client of that session alone.

Real HTTP on loopback against the stand-in: session A's load is held mid-way by the stand-in while session B
types 20 Azure endpoints (each one opening that endpoint's job list); A's load then finishes as if B had
never been there. Before the fix, the 17th endpoint evicted A's pooled client and closed it under A's load.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from components.ui.connection import AZURE_ENDPOINT_KEY, TYPED_KEYS
from devtools.standin import Fault, StandInServer, make_run
from tests.page.page_support import TIMEOUT, new_app, table

JOB = "ftjob-held"
ENDPOINTS = 20
HELD = 600.0  # seconds: far longer than the test, which releases the held request itself


@pytest.fixture
def no_azure_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The typed endpoints' hosts do not resolve (nothing leaves this machine); the hosts asked are kept."""
    asked: list[str] = []
    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".openai.azure.com"):
            asked.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _wait_for(condition, what: str, seconds: float = TIMEOUT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_a_load_in_progress_survives_another_session_typing_20_endpoints(
    api_env: StandInServer, no_azure_dns: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    api_env.add_run(make_run(JOB, n_steps=300), [Fault("checkpoints", "hang", hang_seconds=HELD)])
    loading = new_app(job=JOB)
    held = threading.Thread(target=lambda: loading.run(timeout=HELD))
    held.start()
    try:
        _wait_for(lambda: api_env.count("checkpoints", JOB) == 1, "session A's load to reach the stand-in")
        typing: AppTest = new_app()
        typing.query_params["source"] = "azure"
        typing.run()
        for n in range(ENDPOINTS):
            typing.text_input(key=AZURE_ENDPOINT_KEY).input(f"https://res{n}.openai.azure.com/").run()
            typing.text_input(key=TYPED_KEYS["azure"]).input(f"visitor-key-{n}").run()
            assert not typing.exception
        assert len(set(no_azure_dns)) == ENDPOINTS  # each endpoint was asked for its job list
        assert held.is_alive()  # A's load is still held at the stand-in
    finally:
        api_env.release_hangs()
        held.join()
    assert not loading.exception
    assert not loading.main.error, [e.value for e in loading.main.error]
    assert api_env.count("file") == 1  # the load went on after the held request: its result file was read
    assert len(table(loading)) == 3  # the run whole: its three kept checkpoints in the table


def _two_endpoints_typed() -> None:
    import streamlit as st

    from components.api import ApiConfig
    from components.ui.cached_reads import http_client

    typed = [ApiConfig(f"https://{name}.openai.azure.com/openai/v1", visitor_endpoint=True) for name in "ab"]
    first = http_client(typed[0])
    second = http_client(typed[1])  # the session's endpoint changed
    operators = ApiConfig("http://127.0.0.1:9/v1")
    operator = http_client(operators)
    st.text(f"first closed {first.is_closed}, second {second.is_closed}, operator {operator.is_closed}")
    st.text(f"again the same: {http_client(typed[1]) is second and http_client(operators) is operator}")


def test_a_typed_endpoints_client_is_the_sessions_own_and_closed_when_its_endpoint_changes() -> None:
    at = AppTest.from_function(_two_endpoints_typed, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [text.value for text in at.text] == [
        "first closed True, second False, operator False",
        "again the same: True",
    ]
