"""The built-in demo job as a source: the OpenAI source over the fixture transport, so a newcomer sees
exactly what the dashboard does with a real job, with no key and no network."""

from __future__ import annotations

from functools import cache

from components.api import FineTuningClient, make_http_client
from components.demo import DEMO_CONFIG, demo_transport
from components.sources.base import SourceKind
from components.sources.openai import openai_info
from components.sources.openai_source import OpenAISource

DEMO = "demo"
DEMO_LABEL = "Demo"


@cache
def demo_source() -> OpenAISource:
    """The demo source: one succeeded job (``demo:ftjob-demo``), answered by the built-in fixtures; one
    per process, as it holds no credential and its transport answers from memory."""
    http = make_http_client(
        DEMO_CONFIG.base_url,
        read_timeout=DEMO_CONFIG.limits.read_timeout,
        max_retries=0,
        transport=demo_transport(),
    )
    client = FineTuningClient(http, DEMO_CONFIG)
    info = openai_info(client, name=DEMO, label=DEMO_LABEL, endpoint="built-in example", kind=SourceKind.DEMO)
    return OpenAISource(client, info)
