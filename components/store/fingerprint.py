"""Whose run a stored run is: a keyed hash of the credential that fetched it, never the credential.

Scheme (version 1): ``HMAC-SHA256(store key, "ft-checkpoint-dashboard credential v1" NUL material)`` as 64
hex digits. The store key is 32 random bytes made when the store's schema is created and kept in the store
(table ``archive_meta``), so every dashboard server on one store computes the same fingerprint for the same
key, fingerprints from two stores cannot be matched with each other, and nothing outside the store can test a
guessed key against them. The material is the API key itself (``Authorization: Bearer`` or ``api-key``);
for Microsoft Entra ID, whose tokens change every hour, it is the server's identity at that endpoint
(``entra-id:`` and the base URL). A run read with no credential (the demo, files) has the fingerprint
:data:`NO_CREDENTIAL`, which no hash can equal.

A signed-in user's fingerprint is the same HMAC over a scheme of its own (``… user v1`` NUL the e-mail
address, case-folded), so no user can have the fingerprint of a key, nor a key the fingerprint of a user.
"""

from __future__ import annotations

import hashlib
import hmac

from components.api import ApiConfig, ApiKeyAuth, BearerAuth, EntraIdAuth, NoAuth
from components.api.auth import BasicAuth
from components.api.mlflow import MLFLOW_API_PATH

SCHEME = b"ft-checkpoint-dashboard credential v1\x00"
USER_SCHEME = b"ft-checkpoint-dashboard user v1\x00"
NO_CREDENTIAL = "none"


def fingerprint(store_key: bytes, material: str | None) -> str:
    """The fingerprint of a credential's ``material`` under ``store_key``; :data:`NO_CREDENTIAL` for None."""
    if not material:
        return NO_CREDENTIAL
    return hmac.new(store_key, SCHEME + material.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def user_fingerprint(store_key: bytes, email: str) -> str:
    """The fingerprint of the signed-in user with this e-mail address under ``store_key``."""
    material = email.strip().casefold().encode("utf-8", "surrogatepass")
    return hmac.new(store_key, USER_SCHEME + material, hashlib.sha256).hexdigest()


def credential_material(api: ApiConfig | None) -> str | None:
    """What identifies the credential of an API config (never shown, never stored); None without one."""
    if api is None:
        return None
    auth = api.auth
    if isinstance(auth, BearerAuth):
        return auth.token
    if isinstance(auth, ApiKeyAuth):
        return auth.key
    if isinstance(auth, EntraIdAuth):
        return f"entra-id:{api.base_url}"
    # An MLflow tracking server: Basic auth is its user name and password; a server without auth is
    # anyone's who can reach it, so its material is being able to (``open:`` and the base URL).
    if isinstance(auth, BasicAuth):
        return f"basic:{auth.username}:{auth.password}"
    if isinstance(auth, NoAuth) and api.base_url.endswith(MLFLOW_API_PATH):  # an MLflow server without auth
        return f"open:{api.base_url}"
    return None
