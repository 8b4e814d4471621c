"""The archive reads what it stored defensively: a damaged blob or row (or a status a newer dashboard wrote)
never fails the page or the list. The run falls back to its source with a note (and Refresh, or the next
read, stores it whole again); the list leaves the row out and says so; opened as ``archive:<id>`` it is a
clear message. Against SQLite and PostgreSQL, the API being the stand-in over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from components.archive import ServedFrom, open_with_archive
from components.domain import RunRef
from components.sources import open_source
from components.sources.archive import ARCHIVE
from components.store import DamagedRunError, StoreConfig, forget_stores
from devtools.standin import StandInServer, make_run
from tests.store.test_archive_service import JOB, Page

OTHER = "ftjob-intact"


@pytest.fixture
def server(standin: StandInServer, store_config: StoreConfig) -> Iterator[Page]:
    page = Page(standin, store_config)
    standin.add_run(make_run(JOB, n_steps=400, start=1_732_000_000))
    standin.add_run(make_run(OTHER, n_steps=40, start=1_732_000_100))
    assert page.open().saved_at is not None and page.open(OTHER).saved_at is not None
    yield page
    forget_stores()


def _damage(page: Page, statement: str) -> None:
    assert page.access is not None and page.access.store is not None
    with page.access.store.engine.begin() as connection:
        connection.execute(text(statement), {"run_id": JOB})


CORRUPT_BLOB = (
    "UPDATE archived_frames SET data = :garbage WHERE run_pk IN "
    "(SELECT id FROM archived_runs WHERE run_id = :run_id) AND name = 'history'"
)
DAMAGES = {
    "a corrupted blob": None,  # set with bytes below
    "a summary that is not JSON": "UPDATE archived_runs SET summary = '{not json' WHERE run_id = :run_id",
    "a status a newer server wrote": (
        "UPDATE archived_runs SET summary = REPLACE(summary, '\"succeeded\"', '\"archived_v9\"') "
        "WHERE run_id = :run_id"
    ),
    "a body that is not an object": "UPDATE archived_runs SET body = '[1, 2]' WHERE run_id = :run_id",
}


def _apply(page: Page, damage: str) -> None:
    if damage == "a corrupted blob":
        assert page.access is not None and page.access.store is not None
        with page.access.store.engine.begin() as connection:
            connection.execute(text(CORRUPT_BLOB), {"run_id": JOB, "garbage": b"PAR1" + b"\x07" * 300})
    else:
        _damage(page, DAMAGES[damage])


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_run_falls_back_to_its_source_with_a_note(
    standin: StandInServer, server: Page, damage: str
) -> None:
    _apply(server, damage)
    opened = server.open(refresh=True) if damage == "a corrupted blob" else server.open()
    assert opened.served_from is ServedFrom.SOURCE and len(opened.run.history) == 400
    assert any("archived copy of this run cannot be read" in note.text for note in opened.run.notes)
    assert opened.saved_at is not None  # read whole from its source, it is stored whole again
    assert server.open().served_from is ServedFrom.ARCHIVE


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_row_is_left_out_of_the_list_with_a_note(server: Page, damage: str) -> None:
    _apply(server, damage)
    archive = server.registry.archive
    assert archive is not None
    listed = open_source(archive).list_runs()
    shown = [run.ref for run in listed.runs]
    if damage == "a corrupted blob" or damage == "a body that is not an object":
        # The list reads summaries only: the run is listed; opening it says what is wrong.
        assert RunRef(ARCHIVE, f"openai-{JOB}") in shown and listed.notes == ()
    else:
        assert shown == [RunRef(ARCHIVE, f"openai-{OTHER}")]
        assert listed.notes == (
            "1 stored run cannot be read (damaged, or saved by a newer dashboard) and is left out of this "
            "list.",
        )
    with pytest.raises(DamagedRunError, match="damaged, or was saved by a newer dashboard"):
        open_with_archive(server.access, archive, open_source(archive), f"openai-{JOB}")
