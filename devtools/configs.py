"""API configs for tests, benchmarks and scripts, built the way the app's resolvers build them."""

from __future__ import annotations

from typing import Any

from components.api import ApiConfig, Limits
from components.api.config import DEFAULT_BASE_URL, openai_auth


def openai_config(
    key: str,
    base_url: str = DEFAULT_BASE_URL,
    *,
    organization: str | None = None,
    project: str | None = None,
    api_version: str | None = None,
    **limits: Any,
) -> ApiConfig:
    """The OpenAI source's config for ``key`` at ``base_url`` (``limits`` are :class:`Limits` fields)."""
    return ApiConfig(
        base_url=base_url,
        auth=openai_auth(key, base_url, organization, project),
        limits=Limits(**limits),
        api_version=api_version,
    )
