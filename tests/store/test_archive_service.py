"""The archive as the page's loader uses it, against the stand-in over real HTTP: a finished run is saved
when read, served with no request after a restart and after the API stops answering, never stored while it
runs; the archive failing never fails the page; the archive as a source in the job list."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text

from components.archive import (
    ArchiveAccess,
    OpenOptions,
    ServedFrom,
    connect_archive,
    open_with_archive,
    save_to_archive,
)
from components.domain import RunRef
from components.errors import DashboardError
from components.sources import open_source, resolve_sources
from components.sources.archive import ARCHIVE, NotInArchiveError
from components.sources.base import SourceKind
from components.store import StoreConfig, StoreError, connect_store, forget_stores, resolve_store
from devtools.archive_runs import finished_run
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer, make_checkpoints_only, make_run
from tests.domain.test_run_export import assert_same_run

JOB = "ftjob-archived"


def openai_env(standin: StandInServer, key: str = DEFAULT_API_KEY) -> dict[str, str]:
    return {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": standin.base_url}


class Page:
    """What one server process holds: the registry of a session, its archive, and its sources."""

    def __init__(self, standin: StandInServer, store: StoreConfig, key: str = DEFAULT_API_KEY) -> None:
        self.registry = resolve_sources(openai_env(standin, key), {}, store=store)
        self.access = connect_archive(self.registry)
        self.config = self.registry.get("openai")
        self.source = open_source(self.config)

    def open(self, run_id: str = JOB, **options):
        return open_with_archive(
            self.access, self.config, self.source, run_id, options=OpenOptions(**options)
        )


@pytest.fixture
def server(standin: StandInServer, store_config: StoreConfig) -> Iterator[Page]:
    yield Page(standin, store_config)
    forget_stores()


def test_a_finished_run_is_saved_then_served_with_no_request_after_a_restart(
    standin: StandInServer, store_config: StoreConfig, server: Page
) -> None:
    standin.add_run(make_run(JOB, n_steps=400))
    first = server.open()
    assert (
        first.served_from is ServedFrom.SOURCE and first.saved_at is not None and first.archive_note is None
    )
    assert standin.count("job", JOB) == 1

    forget_stores()  # a restart: nothing cached, the archive opened again
    standin.reset()  # and the API no longer knows the job
    again = Page(standin, store_config).open()
    assert standin.requests == []  # no request at all
    assert again.served_from is ServedFrom.ARCHIVE and again.saved_at == first.saved_at
    assert again.archive_note is not None and again.archive_note.startswith("From the archive, saved ")
    assert "No request was made" in again.run.notes[-1].text and again.run.summary.ref == RunRef(
        "openai", JOB
    )
    assert_same_run(replace(again.run, notes=first.run.notes), replace(first.run, resume=None))


def test_refresh_reads_the_api_again_and_falls_back_to_the_archive(
    standin: StandInServer, server: Page
) -> None:
    standin.add_run(make_run(JOB, n_steps=400))
    saved = server.open().saved_at
    fresh = server.open(refresh=True)
    assert fresh.served_from is ServedFrom.SOURCE and fresh.saved_at > saved
    assert standin.count("job", JOB) == 2

    standin.reset()
    standin.add_run(make_run(JOB, n_steps=400), [Fault("job", "status", status=500, times=None)])
    kept = server.open(refresh=True)
    assert kept.served_from is ServedFrom.ARCHIVE and kept.saved_at == fresh.saved_at
    assert (
        "OpenAI could not be read again" in kept.run.notes[-1].text
        and "archived copy" in kept.run.notes[-1].text
    )


def test_a_running_job_is_not_archived_until_it_finishes(standin: StandInServer, server: Page) -> None:
    standin.add_run(make_run(JOB, n_steps=400, status="running", progress=0.5))
    for _ in range(2):
        opened = server.open()
        assert opened.served_from is ServedFrom.SOURCE and opened.saved_at is None
    assert standin.count("job", JOB) == 2  # each open asked the API: nothing was stored
    standin.reset()
    standin.add_run(make_run(JOB, n_steps=400))  # it finished
    assert server.open().saved_at is not None
    assert server.open().served_from is ServedFrom.ARCHIVE


def test_a_partly_read_run_is_not_archived(standin: StandInServer, server: Page) -> None:
    standin.add_run(
        make_checkpoints_only(JOB, 150), [Fault("checkpoints", "status", status=500, skip=1, times=None)]
    )
    opened = server.open()
    assert opened.run.is_partial and opened.saved_at is None


def test_the_archive_failing_never_fails_the_page(standin: StandInServer, server: Page) -> None:
    standin.add_run(make_run(JOB, n_steps=400))
    assert server.access is not None and server.access.store is not None
    with server.access.store.engine.begin() as connection:  # the archive breaks under the page
        for table in ("archived_files", "archived_frames", "archived_runs"):
            connection.execute(text(f"DROP TABLE {table}"))
    opened = server.open()
    assert opened.served_from is ServedFrom.SOURCE and opened.saved_at is None
    assert any(note.text.startswith("The archive could not be read") for note in opened.run.notes)
    assert opened.archive_note is not None and opened.archive_note.startswith("This run could not be saved")
    assert len(opened.run.history) == 400


def test_an_unreachable_archive_is_a_note_and_the_api_still_answers(standin: StandInServer) -> None:
    store = resolve_store(
        {"DASHBOARD_STORE": "postgresql+psycopg://dashboard:pw-9876@127.0.0.1:1/archive"}, {}
    )
    server = Page(standin, store)
    assert isinstance(server.access, ArchiveAccess) and server.access.store is None
    standin.add_run(make_run(JOB, n_steps=400))
    opened = server.open()
    assert opened.served_from is ServedFrom.SOURCE and len(opened.run.history) == 400
    assert opened.run.notes[-1].text.startswith("The archive is not available this time")
    assert "pw-9876" not in " ".join(note.text for note in opened.run.notes)


def test_nothing_is_read_twice_without_an_archive(standin: StandInServer) -> None:
    server = Page(standin, None)
    assert server.access is None and "archive" not in server.registry.names
    standin.add_run(make_run(JOB, n_steps=400))
    assert server.open().saved_at is None and server.open().served_from is ServedFrom.SOURCE
    assert standin.count("job", JOB) == 2


def test_the_demo_is_never_archived(store_config: StoreConfig) -> None:
    registry = resolve_sources({}, {}, store=store_config)
    assert registry.names == ("demo", "archive") and registry.is_demo
    access = connect_archive(registry)
    demo = registry.get("demo")
    opened = open_with_archive(access, demo, open_source(demo), "ftjob-demo")
    assert opened.saved_at is None and access.store.count(access.viewer) == 0


def test_runs_from_files_are_saved_only_when_asked(standin: StandInServer, server: Page) -> None:
    upload = finished_run("trainer_state-0123456789", n_steps=40, source="upload")
    files = replace(server.config, name="upload", kind=SourceKind.FILES, api=None)
    typed = resolve_sources(
        {"OPENAI_BASE_URL": standin.base_url},
        {},
        {"openai": "sk-typed-key-0001"},
        store=server.access.store.config,
    )
    access = connect_archive(typed)
    report = save_to_archive(access, files, upload)
    assert report.saved and report.message.startswith("Saved to the archive on ")
    assert access.store.load(upload.summary.ref, access.viewer) is not None

    running = finished_run("trainer_state-live", n_steps=40, source="upload")
    running = replace(running, summary=replace(running.summary, status=running.summary.status.RUNNING))
    refused = save_to_archive(access, files, running)
    assert not refused.saved and "archived once it has finished" in refused.message
    assert not save_to_archive(None, files, upload).saved


def test_the_archive_is_a_source_for_the_job_list(standin: StandInServer, server: Page) -> None:
    for n in range(3):
        standin.add_run(make_run(f"ftjob-list{n}", n_steps=40, start=1_732_000_000 + n))
        server.open(f"ftjob-list{n}")
    standin.reset()
    archive = server.registry.archive
    assert archive is not None and server.registry.names[-1] == ARCHIVE and not server.registry.is_demo
    assert "sk-" not in repr(archive)
    source = open_source(archive)
    assert source.info.kind is SourceKind.ARCHIVE and "DASHBOARD_STORE" in source.info.endpoint
    listed = source.list_runs()
    assert [run.ref for run in listed.runs] == [RunRef(ARCHIVE, f"openai-ftjob-list{n}") for n in (2, 1, 0)]
    assert listed.next_cursor is None and listed.runs[0].name == "OpenAI ftjob-list2"
    assert [run.ref.run_id for run in source.search("LIST1").runs] == ["openai-ftjob-list1"]
    ref = server.registry.resolve("archive:openai-ftjob-list1")
    run = source.load_run(ref.run_id)
    assert run.summary.ref == ref and run.notes[-1].text.startswith("From the archive, saved ")
    assert standin.requests == []
    with pytest.raises(NotInArchiveError, match="No run openai-ftjob-nope in the archive"):
        source.load_run("openai-ftjob-nope")
    stranger = open_source(Page(standin, archive.store, key="sk-another-key-000").registry.archive)
    assert stranger.list_runs().runs == ()
    with pytest.raises(DashboardError):
        stranger.load_run("openai-ftjob-list1")


def test_a_run_opened_under_the_archive_is_its_stored_copy(standin: StandInServer, server: Page) -> None:
    standin.add_run(make_run(JOB, n_steps=400))
    saved_at = server.open().saved_at
    standin.reset()
    archive = server.registry.archive
    opened = open_with_archive(server.access, archive, open_source(archive), f"openai-{JOB}")
    assert opened.served_from is ServedFrom.ARCHIVE and opened.saved_at == saved_at
    assert opened.run.summary.ref == RunRef(ARCHIVE, f"openai-{JOB}") and standin.requests == []
    with pytest.raises(NotInArchiveError):
        open_with_archive(server.access, archive, open_source(archive), "openai-ftjob-never")


def test_an_archive_that_cannot_be_opened_is_not_tried_again_for_a_minute(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config = resolve_store({"DASHBOARD_STORE": str(blocker / "archive.sqlite3")}, {})
    now = [1000.0]
    with pytest.raises(StoreError) as first:
        connect_store(config, clock=lambda: now[0])
    blocker.unlink()  # the problem goes away …
    now[0] += 59
    with pytest.raises(StoreError) as again:  # … but within the minute the page is not kept waiting
        connect_store(config, clock=lambda: now[0])
    assert again.value is first.value
    now[0] += 2
    assert connect_store(config, clock=lambda: now[0]).config == config
