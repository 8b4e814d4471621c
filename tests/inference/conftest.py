"""Chat clients built as the app builds them (registry config, pooled client), over real HTTP to the stand-in;
retry waits are skipped, so a test never sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from components.api import make_http_client
from components.domain import RunData
from components.inference import ChatClient, open_chat
from components.sources import RunSource, SourceConfig, open_source, resolve_sources
from devtools.clock import SkippingClock
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run

OpenChat = Callable[..., tuple[ChatClient, SourceConfig]]
ServeRun = Callable[[str], tuple[ChatClient, RunSource, RunData]]


def provider_env(standin: StandInServer, provider: str, **settings: str) -> dict[str, str]:
    if provider == "azure":
        return {
            "AZURE_OPENAI_ENDPOINT": standin.azure_endpoint,
            "AZURE_OPENAI_API_KEY": DEFAULT_API_KEY,
            **settings,
        }
    if provider == "together":
        return {
            "TOGETHER_API_KEY": DEFAULT_API_KEY,
            "TOGETHER_BASE_URL": standin.together_base_url,
            **settings,
        }
    return {"OPENAI_API_KEY": DEFAULT_API_KEY, "OPENAI_BASE_URL": standin.base_url, **settings}


@pytest.fixture
def open_chat_for(standin: StandInServer) -> Iterator[OpenChat]:
    """``open_chat_for(provider, **settings)``: the chat client of that source, and its config."""
    opened: list[httpx.Client] = []
    clock = SkippingClock()

    def build(provider: str = "openai", **settings: str) -> tuple[ChatClient, SourceConfig]:
        registry = resolve_sources(provider_env(standin, provider, **settings), {})
        assert not registry.problems, registry.problems
        config = registry.get(provider)
        assert config is not None and config.api is not None
        http = make_http_client(
            config.api.base_url,
            read_timeout=config.limits.read_timeout,
            max_retries=config.limits.max_retries,
            sleep=clock.sleep,
        )
        opened.append(http)
        return open_chat(config, http), config

    yield build
    for http in opened:
        http.close()


@pytest.fixture
def openai_run(standin: StandInServer, open_chat_for: OpenChat) -> ServeRun:
    """``openai_run(job_id)``: the stand-in serves ``make_run(job_id)``; the OpenAI chat client, the OpenAI
    source and the run it reads."""

    def serve(job_id: str) -> tuple[ChatClient, RunSource, RunData]:
        standin.add_run(make_run(job_id))
        chat, config = open_chat_for("openai")
        source = open_source(config)
        return chat, source, source.load_run(job_id)

    return serve
