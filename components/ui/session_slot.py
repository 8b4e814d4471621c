"""One value kept in this browser session for one owner (a config and a run, say), and only for it.

Several panels keep "the last X of this session, for this config and run": a partial run to resume, a
validation file read, the answers to a prompt, the run being watched. Each used to carry its owner in a
dataclass of its own and compare it by hand; a slot keeps the owner beside the value, so a value read back
for another owner is never served, and one slot per key bounds the memory to one value per session.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import streamlit as st

T = TypeVar("T")


@dataclass(frozen=True)
class _Kept(Generic[T]):
    owner: Hashable
    value: T


@dataclass(frozen=True)
class SessionSlot(Generic[T]):
    """``st.session_state[key]``, holding one value and the owner it was kept for."""

    key: str

    def get(self, owner: Hashable) -> T | None:
        """The value kept for ``owner``; None when the slot is empty or holds another owner's value."""
        kept = st.session_state.get(self.key)
        if isinstance(kept, _Kept) and kept.owner == owner:
            return kept.value
        return None

    def put(self, owner: Hashable, value: T) -> None:
        """Keep ``value`` for ``owner``, replacing whatever the slot held (for any owner)."""
        st.session_state[self.key] = _Kept(owner, value)

    def clear(self, owner: Hashable | None = None) -> None:
        """Empty the slot: whatever it holds, or only what it holds for ``owner``."""
        kept = st.session_state.get(self.key)
        if kept is not None and (owner is None or (isinstance(kept, _Kept) and kept.owner == owner)):
            del st.session_state[self.key]
