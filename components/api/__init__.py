"""The API layer: httpx only, no Streamlit. Import from here in notebooks and scripts."""

from components.api.client import FineTuningClient, make_http_client, validate_id
from components.api.config import ApiConfig, ConfigError, KeySource, resolve_config
from components.api.deadline import Deadline
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DeadlineExceededError,
    FineTuningAPIError,
    InvalidJobIdError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from components.api.pagination import ListProgress

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiConfig",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "Deadline",
    "DeadlineExceededError",
    "FineTuningAPIError",
    "FineTuningClient",
    "InvalidJobIdError",
    "KeySource",
    "ListProgress",
    "MalformedResponseError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "make_http_client",
    "resolve_config",
    "validate_id",
]
