"""Recorded answer sets in a session's archive (no Streamlit, no request): the sets of a run this session
may see, one set whole, a new set stored under the credential that records it, and answers kept one by
one as they arrive. Every archive failure is a :class:`~components.store.StoreError` with a message safe
to show; the page says it and keeps what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from components.archive.service import ArchiveAccess
from components.domain.answers import AnswerSet, AnswerSetInfo, RecordedAnswer, SetModel
from components.sources.registry import SourceConfig
from components.store import StoreError
from components.store.answer_sets import AnswerStore

NO_ARCHIVE = (
    "Recorded answers are kept in the archive, and this dashboard has none (DASHBOARD_STORE is off or "
    "could not be opened)."
)


def _answers(access: ArchiveAccess | None) -> AnswerStore:
    if access is None or access.store is None:
        raise StoreError(access.problem if access is not None and access.problem else NO_ARCHIVE)
    return AnswerStore(access.store)


def can_record(access: ArchiveAccess | None) -> bool:
    """Whether answers can be kept: the archive is there."""
    return access is not None and access.store is not None


def sets_of(access: ArchiveAccess | None, run_key: str) -> list[AnswerSetInfo]:
    """The sets recorded for a run that this session may see, newest first (none without an archive)."""
    if not can_record(access):
        return []
    assert access is not None
    return _answers(access).sets_of(run_key, access.viewer)


def load_set(access: ArchiveAccess | None, set_id: str) -> AnswerSet | None:
    """A whole set this session may see, or None."""
    assert access is not None
    return _answers(access).load(set_id, access.viewer)


def _owner(access: ArchiveAccess, config: SourceConfig) -> str:
    """Who a set recorded through ``config`` belongs to: that source's credential (the archive's own runs,
    read with none, belong to the session's first credential, as saved files do)."""
    assert access.store is not None
    if config.api is not None:
        return access.owner(config)
    fingerprints = sorted(access.viewer.fingerprints)
    return fingerprints[0] if fingerprints else access.store.fingerprint(None)


def start_set(access: ArchiveAccess | None, config: SourceConfig, answer_set: AnswerSet) -> None:
    """Store a new set (with any answers it holds) under the credential of ``config``."""
    assert access is not None
    _answers(access).create(answer_set, _owner(access, config))


def import_set(access: ArchiveAccess | None, config: SourceConfig, answer_set: AnswerSet) -> bool:
    """Store a set read from a file; False (nothing written) when this session already has it."""
    if load_set(access, answer_set.set_id) is not None:
        return False
    start_set(access, config, answer_set)
    return True


def add_models(access: ArchiveAccess | None, set_id: str, models: Sequence[SetModel]) -> None:
    """Models asked later (a replacement) join the set."""
    _answers(access).add_models(set_id, models)


def keeper(access: ArchiveAccess | None, set_id: str) -> Callable[[RecordedAnswer], None]:
    """What a recording hands each answer to: it is stored at once, in its own transaction."""
    return _answers(access).writer(set_id)
