"""The API layer: httpx only, no Streamlit. Import from here in notebooks and scripts."""

from components.api.auth import ApiKeyAuth, Auth, BearerAuth, EntraIdAuth, NoAuth, TokenProvider
from components.api.client import ApiClient, FineTuningClient, make_http_client, validate_id
from components.api.config import (
    ApiConfig,
    resolve_azure_config,
    resolve_config,
    resolve_together_config,
)
from components.api.deadline import Deadline
from components.api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CredentialError,
    DeadlineExceededError,
    FineTuningAPIError,
    InvalidJobIdError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    PlatformClosedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
)
from components.api.limits import Limits, resolve_limits
from components.api.pagination import ListProgress
from components.api.settings import ConfigError, KeySource

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiClient",
    "ApiConfig",
    "ApiKeyAuth",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "BearerAuth",
    "ConfigError",
    "CredentialError",
    "Deadline",
    "DeadlineExceededError",
    "EntraIdAuth",
    "FineTuningAPIError",
    "FineTuningClient",
    "InvalidJobIdError",
    "KeySource",
    "Limits",
    "ListProgress",
    "MalformedResponseError",
    "NoAuth",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PlatformClosedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "TokenProvider",
    "make_http_client",
    "resolve_azure_config",
    "resolve_config",
    "resolve_limits",
    "resolve_together_config",
    "validate_id",
]
