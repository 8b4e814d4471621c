"""Job IDs and app environments shared by the browser tests."""

from __future__ import annotations

import os

from devtools.standin import DEFAULT_API_KEY, StandInServer

S300 = "ftjob-s300"
HANG = "ftjob-hang"
MISSING = "ftjob-missing"
_OPENAI_SETTINGS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_TIMEOUT",
    "OPENAI_MAX_RETRIES",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_API_VERSION",
)


def app_env(**settings: str) -> dict[str, str]:
    """This environment without any OpenAI settings, plus ``settings``; unbuffered so logs are complete."""
    env = {name: value for name, value in os.environ.items() if name not in _OPENAI_SETTINGS}
    return {**env, "PYTHONUNBUFFERED": "1", **settings}


def keyed_env(server: StandInServer, **settings: str) -> dict[str, str]:
    """The environment of an app that reads the stand-in with the default key."""
    return app_env(OPENAI_API_KEY=DEFAULT_API_KEY, OPENAI_BASE_URL=server.base_url, **settings)


def job_path(job: str, **params: str) -> str:
    """The page path for a job, e.g. ``/?job=ftjob-1&x=epoch``."""
    return f"/?job={job}" + "".join(f"&{name}={value}" for name, value in params.items())
