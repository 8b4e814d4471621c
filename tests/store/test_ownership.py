"""Who owns what the archive keeps (revision 0005), on SQLite and PostgreSQL: a signed-in user owns the runs
they save from files and uploads and sees only those (plus the runs of the keys they use); without sign-in an
upload is filed under the session's typed key, never under a key the server holds; a visitor with neither
saves only when ``DASHBOARD_KEYLESS_SAVES`` allows it, up to that many runs, with a clear message beyond."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from components.archive import SaveReport, connect_archive, open_with_archive, save_to_archive
from components.archive.service import KEYLESS_OFF
from components.domain import RunData
from components.sources import Registry, open_source, resolve_sources
from components.sources.base import SourceKind
from components.store import (
    NO_CREDENTIAL,
    ArchiveStore,
    OwnerKind,
    StoreConfig,
    Viewer,
    open_store,
)
from components.store.engine import current_revision, make_engine, upgrade
from components.store.fingerprint import fingerprint, user_fingerprint
from components.store.schema import archived_runs
from devtools.archive_runs import finished_run
from devtools.standin import DEFAULT_API_KEY, StandInServer, make_run
from tests.store.old_rows import write_old_run

ALICE, BOB = "alice@team.example", "bob@team.example"


def session(
    standin: StandInServer, store: StoreConfig, *, typed: str = "", user: str | None = None
) -> Registry:
    """A browser session's sources: the server's key, or (``typed``) only a key typed in the page."""
    env = {"OPENAI_BASE_URL": standin.base_url} | ({} if typed else {"OPENAI_API_KEY": DEFAULT_API_KEY})
    keys = {"openai": typed} if typed else {}
    return resolve_sources(env, {}, keys, store=store).signed_in(user)


def upload(name: str = "alice") -> RunData:
    return finished_run(f"trainer_state-{name}-0123456789", n_steps=40, source="upload")


def save_upload(registry: Registry, run: RunData) -> SaveReport:
    files = replace(registry.configs[0], name="upload", kind=SourceKind.FILES, api=None)
    return save_to_archive(connect_archive(registry), files, run)


def listed(registry: Registry) -> list[str]:
    """The run ids the session's archive source lists."""
    return [run.ref.run_id for run in open_source(registry.archive).list_runs().runs]


def kinds(store: ArchiveStore) -> dict[str, str]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(archived_runs.c.run_id, archived_runs.c.owner_kind)).all()
    return dict(rows)


def test_each_signed_in_user_sees_only_what_they_saved_and_the_runs_of_their_keys(
    standin: StandInServer, store: ArchiveStore
) -> None:
    alice = session(standin, store.config, user=ALICE)
    bob = session(standin, store.config, user=BOB)
    assert save_upload(alice, upload("alice")).saved and save_upload(bob, upload("bob")).saved
    assert listed(alice) == ["upload-trainer_state-alice-0123456789"]
    assert listed(bob) == ["upload-trainer_state-bob-0123456789"]
    alice_access = connect_archive(alice)
    bob_access = connect_archive(bob)
    ref = upload("alice").summary.ref
    assert store.load(ref, alice_access.viewer) is not None and store.load(ref, bob_access.viewer) is None
    assert store.load_archived("upload-trainer_state-alice-0123456789", bob_access.viewer) is None
    # the e-mail address is matched without regard to case
    assert listed(session(standin, store.config, user="Alice@Team.Example")) == listed(alice)
    # a visitor without sign-in, with the server's key, sees neither upload
    assert listed(session(standin, store.config)) == []

    standin.add_run(make_run("ftjob-team", n_steps=40))  # read with the server's key while Alice is signed in
    config = alice.get("openai")
    assert open_with_archive(alice_access, config, open_source(config), "ftjob-team").saved_at is not None
    assert "openai-ftjob-team" in listed(bob)  # a run of the server's key stays visible to its users
    assert kinds(store) == {
        "trainer_state-alice-0123456789": OwnerKind.USER,
        "trainer_state-bob-0123456789": OwnerKind.USER,
        "ftjob-team": OwnerKind.KEY,
    }


def test_without_sign_in_an_upload_is_filed_under_the_typed_key_never_the_servers(
    standin: StandInServer, store: ArchiveStore
) -> None:
    server_key = session(standin, store.config)
    refused = save_upload(server_key, upload())
    assert not refused.saved and refused.message == KEYLESS_OFF and kinds(store) == {}

    typed = session(standin, store.config, typed="sk-typed-by-carol-0001")
    assert save_upload(typed, upload()).saved
    assert listed(session(standin, store.config, typed="sk-typed-by-carol-0001")) == [
        "upload-trainer_state-alice-0123456789"
    ]
    assert listed(session(standin, store.config, typed="sk-typed-by-dave-0002")) == []
    assert listed(server_key) == []


def test_visitors_without_a_key_save_only_up_to_the_quota(
    standin: StandInServer, store: ArchiveStore
) -> None:
    config = replace(store.config, keyless_saves=2)
    visitor = session(standin, config)
    assert save_upload(visitor, upload("one")).saved and save_upload(visitor, upload("two")).saved
    assert save_upload(visitor, upload("two")).message.startswith("Saved again to")  # a copy replaced
    full = save_upload(visitor, upload("three"))
    assert not full.saved
    assert full.message == (
        "Not saved: the archive already holds 2 runs saved without a key or a sign-in, the most this "
        "server allows; sign in or add a key to save more"
    )
    assert set(kinds(store).values()) == {OwnerKind.NONE}
    # what they saved is every session's, as before; a typed key or a sign-in saves beyond the quota
    assert len(listed(session(standin, config, user=BOB))) == 2
    assert save_upload(session(standin, config, user=BOB), upload("three")).saved


def test_user_and_key_fingerprints_never_meet() -> None:
    key = bytes(32)
    assert user_fingerprint(key, ALICE) != fingerprint(key, ALICE)
    assert user_fingerprint(key, " ALICE@team.example ") == user_fingerprint(key, ALICE)
    assert user_fingerprint(key, ALICE) != user_fingerprint(bytes([1]) * 32, ALICE)


@pytest.mark.parametrize("owner", ["a-key-fingerprint", NO_CREDENTIAL])
def test_revision_0005_names_the_owner_of_every_stored_run(store_config: StoreConfig, owner: str) -> None:
    engine = make_engine(store_config)
    try:
        upgrade(engine, "0004")
        run = finished_run("ftjob-before-owners", n_steps=20)
        write_old_run(engine, run, owner)
        store = open_store(store_config)  # migrates to the newest revision
        with store.engine.connect() as connection:
            assert current_revision(connection) == "0005"
        assert kinds(store) == {"ftjob-before-owners": "none" if owner == NO_CREDENTIAL else "key"}
        assert store.load(run.summary.ref, Viewer(frozenset({owner}))) is not None
        store.engine.dispose()
    finally:
        engine.dispose()
