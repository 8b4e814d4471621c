"""Sign-in for a team server, with Streamlit's own ``st.login`` (OpenID Connect through Authlib).

Off unless ``DASHBOARD_REQUIRE_LOGIN=true`` (``components.settings.sign_in_settings``). When it is on,
nothing of the dashboard is drawn until the visitor has signed in with an address on the allow-list: a
visitor not signed in sees only the sign-in page, one signed in but not allowed only the refusal and a
sign-out, and a wrong setting only what is wrong (it fails closed). The signed-in user's address then goes
into every source config (:func:`for_user`): it keys every cache, and the archive files the runs they save
under them.
"""

from __future__ import annotations

import os
from dataclasses import replace

import streamlit as st

from components.settings import ALLOWED_USERS_SETTING, sign_in_settings
from components.text import code_span, markdown_literal
from components.ui.connection import Connection, secrets

SIGN_IN_KEY = "sign_in"
SIGN_OUT_KEY = "sign_out"
TITLE = "Fine-tuning checkpoints"


def signed_in_user() -> str | None:
    """The signed-in, allowed user's e-mail address (case-folded), or None when sign-in is off.

    Stops the script, having drawn only the sign-in page, the refusal or the setting's problem, otherwise.
    """
    settings = sign_in_settings(os.environ, secrets())
    if not settings.required:
        return None
    if settings.problem is not None:
        st.title(TITLE)
        st.error(
            f"This dashboard cannot be used yet: {markdown_literal(settings.problem)}", icon=":material/lock:"
        )
        st.stop()
    if not st.user.get("is_logged_in"):
        _sign_in_page()
    email = st.user.get("email")
    if not settings.allowed.admits(email, st.user.get("email_verified")):
        _refused(email)
    assert isinstance(email, str)
    with st.sidebar:
        st.caption(f"Signed in as {code_span(email)}")
        st.button("Sign out", key=SIGN_OUT_KEY, on_click=st.logout, icon=":material/logout:")
    return email.strip().casefold()


def _sign_in_page() -> None:
    st.title(TITLE)
    st.info(
        "This dashboard is for its team's members only: sign in to see the team's fine-tuning runs, the "
        "runs you saved and your uploads.",
        icon=":material/lock:",
    )
    st.button("Sign in", key=SIGN_IN_KEY, type="primary", on_click=st.login, icon=":material/login:")
    st.stop()


def _refused(email: object) -> None:
    who = (
        code_span(email)
        if isinstance(email, str) and email.strip()
        else "This account (it has no e-mail address)"
    )
    st.title(TITLE)
    st.error(
        f"{who} is not allowed to use this dashboard. Sign out, then sign in with an allowed account, or ask "
        f"whoever runs this server to add you to {ALLOWED_USERS_SETTING}.",
        icon=":material/block:",
    )
    st.button("Sign out", key=SIGN_OUT_KEY, on_click=st.logout, icon=":material/logout:")
    st.stop()


def for_user(connection: Connection, user: str | None) -> Connection:
    """``connection`` for the signed-in ``user``: every source config carries the address (None: as is)."""
    if user is None:
        return connection
    return replace(
        connection, source=replace(connection.source, user=user), registry=connection.registry.signed_in(user)
    )
