"""The API layer: httpx only, no Streamlit. Import from here in notebooks and scripts."""

from components.api.client import FineTuningClient, make_http_client, validate_id
from components.api.config import ApiConfig, ConfigError, KeySource, resolve_config
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    FineTuningAPIError,
    InvalidJobIdError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiConfig",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "FineTuningAPIError",
    "FineTuningClient",
    "InvalidJobIdError",
    "KeySource",
    "MalformedResponseError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "make_http_client",
    "resolve_config",
    "validate_id",
]
