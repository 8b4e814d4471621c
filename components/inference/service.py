"""The chat client for a configured source: built like its run source, from its config, never sending.

API sources answer through their own base URL and credential (``components.api.chat.chat_dialect`` says
how each provider takes a chat completion); the demo answers from built-in examples through its transport;
runs opened from files have no endpoint, and asking for one is an error that says so.
"""

from __future__ import annotations

import httpx

from components.api import ApiClient, ApiConfig, make_http_client
from components.api.chat import OPENAI_CHAT, ChatClient, chat_dialect
from components.demo import DEMO_CONFIG, demo_transport
from components.errors import DashboardError
from components.inference.models import NO_ENDPOINT
from components.sources.base import SourceKind
from components.sources.registry import SourceConfig, http_client_for


class InferenceUnavailableError(DashboardError):
    """The source has no endpoint that answers prompts (runs opened from files)."""


def open_chat(config: SourceConfig, http: httpx.Client | None = None) -> ChatClient:
    """The chat client for ``config``'s source; API sources ask through ``http`` (default: a new client,
    which the caller closes; share one per base URL, it holds no credential)."""
    if config.kind is SourceKind.DEMO:
        demo = make_http_client(
            DEMO_CONFIG.base_url,
            read_timeout=DEMO_CONFIG.limits.read_timeout,
            max_retries=0,
            transport=demo_transport(),
        )
        return ChatClient(ApiClient(demo, DEMO_CONFIG), OPENAI_CHAT)
    if config.api is None:
        raise InferenceUnavailableError(NO_ENDPOINT)
    return ChatClient(
        ApiClient(http or http_client_for(config), config.api), chat_dialect(config.name, config.api)
    )


def compat_chat(api: ApiConfig, http: httpx.Client) -> ChatClient:
    """The chat client of an OpenAI-compatible endpoint (``DASHBOARD_COMPAT_BASE_URL``): OpenAI's dialect,
    through ``http``, whose base URL is that endpoint's (its key is sent there and nowhere else)."""
    return ChatClient(ApiClient(http, api), OPENAI_CHAT)
