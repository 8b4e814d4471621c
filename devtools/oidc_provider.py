"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests: the npm package ``oidc-provider``
(``devtools/oidc/provider.mjs``), with one test client and the test accounts below.

``npm ci`` in ``devtools/oidc`` installs it (``scripts/test.sh`` does when it is missing). The dashboard signs
in through it with ``st.login`` when its ``[auth]`` secrets are :meth:`OidcProvider.auth_secrets`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from devtools.harness import free_port, stop

FOLDER = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "dashboard-test-client"
CLIENT_SECRET = "dashboard-test-client-secret-not-a-real-one"
COOKIE_SECRET = "dashboard-test-cookie-secret-0123456789abcdef"
ALLOWED_DOMAIN = "team.example"
ACCOUNTS: Mapping[str, Mapping[str, object]] = {
    # login on the provider's form -> the claims of the ID token
    "alice": {"email": f"alice@{ALLOWED_DOMAIN}", "email_verified": True, "name": "Alice Allowed"},
    "bob": {"email": f"bob@{ALLOWED_DOMAIN}", "email_verified": True, "name": "Bob Allowed"},
    "mallory": {"email": "mallory@elsewhere.example", "email_verified": True, "name": "Mallory Refused"},
}
ALLOWED_USERS = f"@{ALLOWED_DOMAIN}"  # DASHBOARD_ALLOWED_USERS: alice and bob, not mallory


def installed() -> bool:
    """Whether node and the npm package are here (``npm ci`` in devtools/oidc installs the package)."""
    return shutil.which("node") is not None and (FOLDER / "node_modules" / "oidc-provider").is_dir()


@dataclass(frozen=True)
class OidcProvider:
    """A started provider: its issuer URL and the port it listens on."""

    issuer: str

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def auth_secrets(self) -> str:
        """The ``[auth]`` section of a secrets.toml for a dashboard on any port (Streamlit fills ``{port}``).

        ``prompt = "login"``: Streamlit asks for ``select_account`` by default, which this provider refuses.
        """
        return (
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{COOKIE_SECRET}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.metadata_url}"\n'
            'client_kwargs = { prompt = "login" }\n'
        )


@contextmanager
def oidc_provider(
    redirect_uri: str, *, port: int | None = None, startup_seconds: float = 30
) -> Iterator[OidcProvider]:
    """Run the provider for a dashboard whose callback is ``redirect_uri``; stopped on exit."""
    port = port or free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    provider = OidcProvider(f"http://127.0.0.1:{port}")
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            ["node", str(FOLDER / "provider.mjs")], cwd=FOLDER, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(provider, process, log, startup_seconds)
            yield provider
        finally:
            stop(process)


def _wait_until_ready(provider: OidcProvider, process: subprocess.Popen, log, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(provider.metadata_url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError("the OpenID Connect provider did not start:\n" + log.read())
        time.sleep(0.1)
