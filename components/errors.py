"""The dashboard's own exceptions, shared by every layer (API client, data, loading, UI).

Anything raised as a :class:`DashboardError` has a message written for the person reading the page:
no credential, no traceback, no Python type names. The UI shows it as it is; anything else that
reaches the page is a bug and is reported as "unexpected" without its text.
"""

from __future__ import annotations


class DashboardError(Exception):
    """Base class: a failure the page can explain; ``str()`` is safe to show."""


class MalformedDataError(DashboardError, ValueError):
    """Data from outside (an API answer, a file) is not the documented shape."""
