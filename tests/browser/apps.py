"""Job IDs and app environments shared by the browser tests."""

from __future__ import annotations

import os

from devtools.app_settings import clean_env
from devtools.standin import DEFAULT_API_KEY, StandInServer

S300 = "ftjob-s300"
HANG = "ftjob-hang"
MISSING = "ftjob-missing"


def app_env(**settings: str) -> dict[str, str]:
    """This environment without any setting the app reads (the archive off), plus ``settings``; unbuffered
    so logs are complete."""
    return clean_env(os.environ, PYTHONUNBUFFERED="1", **settings)


def keyed_env(server: StandInServer, **settings: str) -> dict[str, str]:
    """The environment of an app that reads the stand-in with the default key."""
    return app_env(OPENAI_API_KEY=DEFAULT_API_KEY, OPENAI_BASE_URL=server.base_url, **settings)


def job_path(job: str, **params: str) -> str:
    """The page path for a job, e.g. ``/?job=ftjob-1&x=epoch``."""
    return f"/?job={job}" + "".join(f"&{name}={value}" for name, value in params.items())
