"""Sources over real HTTP against the stand-in: a registry from an environment, each source with its own
pooled client, closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import httpx
import pytest

from components.api import TokenProvider
from components.sources import RunSource, http_client_for, open_source, resolve_sources
from components.sources.base import SourceKind

OpenSource = Callable[..., RunSource]


@pytest.fixture
def open_configured() -> Iterator[OpenSource]:
    """``open_configured(env, name, token_provider=None)``: the named source as the registry configures it."""
    opened: list[httpx.Client] = []

    def build(env: Mapping[str, str], name: str, token_provider: TokenProvider | None = None) -> RunSource:
        registry = resolve_sources(env, {}, token_provider=token_provider)
        assert not registry.problems, registry.problems
        config = registry.get(name)
        assert config is not None, registry.names
        http = None
        if config.kind is SourceKind.API:
            http = http_client_for(config)
            opened.append(http)
        return open_source(config, http)

    yield build
    for http in opened:
        http.close()
