"""Every setting the dashboard reads, so tests, benchmarks and scripts start it from a known environment.

The machine running them may have keys, endpoints, a runs folder or an archive configured; none of that
may leak into a test. The archive is switched off unless asked for: a test or benchmark must neither write
runs under ``~/.local/share`` nor be served runs an earlier one stored there.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.store import STORE_VARIABLE

APP_SETTINGS: tuple[str, ...] = (
    # OpenAI (components.api.config)
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_API_VERSION",
    # Azure OpenAI
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    # Together AI
    "TOGETHER_API_KEY",
    "TOGETHER_BASE_URL",
    # MLflow, Trackio and named OpenAI-compatible providers (issue 19; their key variables are named per
    # provider, so a test names its own)
    "MLFLOW_TRACKING_URI",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "TRACKIO_DIR",
    "DASHBOARD_COMPATIBLE_PROVIDERS",
    # Limits shared by every source (components.api.limits)
    "OPENAI_TIMEOUT",
    "OPENAI_MAX_RETRIES",
    "DASHBOARD_LOAD_DEADLINE",
    "DASHBOARD_MAX_RETRY_WAIT",
    "DASHBOARD_MAX_RESPONSE_MB",
    "DASHBOARD_MAX_FILE_MB",
    "DASHBOARD_INFERENCE_DEADLINE",
    # The page, the runs folder and the archive
    "DASHBOARD_REFRESH_SECONDS",
    "DASHBOARD_RUNS_DIR",
    "DASHBOARD_QUIET_MINUTES",
    "DASHBOARD_MAX_LOG_MB",
    "DASHBOARD_STORE",
    "DASHBOARD_STORE_SHARED",
    "DASHBOARD_TODAY",
    "DASHBOARD_SAVE_FILE_LIMIT_MB",
    "DASHBOARD_KEYLESS_SAVES",
    # Sign-in (components.settings.sign_in_settings)
    "DASHBOARD_REQUIRE_LOGIN",
    "DASHBOARD_ALLOWED_USERS",
    # Replacement models answer through an OpenAI-compatible endpoint (components.settings)
    "DASHBOARD_COMPAT_BASE_URL",
    "DASHBOARD_COMPAT_API_KEY",
    # What the server's keys may be used for (components.inference.spending)
    "DASHBOARD_BUDGET_REQUESTS_PER_MINUTE",
    "DASHBOARD_BUDGET_BURST",
    "DASHBOARD_BUDGET_TOKENS_PER_DAY",
    "DASHBOARD_MAX_PROMPT_CHARS",
    "DASHBOARD_OFFER_BASE_MODEL",
    "DASHBOARD_AZURE_DEPLOYMENTS",
)
ARCHIVE_OFF = {STORE_VARIABLE: "off"}


def clean_env(base: Mapping[str, str], **settings: str) -> dict[str, str]:
    """``base`` without any setting the dashboard reads, the archive off, then ``settings``."""
    kept = {name: value for name, value in base.items() if name not in APP_SETTINGS}
    return {**kept, **ARCHIVE_OFF, **settings}
