"""The job list's "Save all runs of this source" in AppTest against the stand-in and a SQLite archive: the
button, the progress bar's final numbers, the summary, a failure's untrusted reason as a plain table cell,
a second save that reads only the list, no button without an archive, and an archived run's kept files."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.domain import RunRef
from components.store import FileRole, FileState, open_store, resolve_store
from components.ui.kept_files import TABLE_KEY
from components.ui.save_all import BUTTON_KEY, FAILURES_KEY
from devtools.many_jobs import add_jobs, job
from devtools.standin import DEFAULT_API_KEY, Fault, StandInServer
from tests.markdown_view import visible_text
from tests.page.page_support import has_key, new_app, of_type

HOSTILE = "**bold** <b>x</b> :smile: http://evil.example [link](javascript:alert(1))"


def progress(at: AppTest) -> tuple[int, str]:
    [bar] = at.get("progress")
    return bar.proto.value, bar.proto.text


def boxes(at: AppTest) -> list[str]:
    """The save's summary boxes (the list's notice that models stop answering is another warning)."""
    texts = [visible_text(box.value) for box in (*at.main.success, *at.main.warning)]
    return [text for text in texts if "stop answering" not in text]


def test_the_button_saves_every_run_and_says_what_happened(api_env: StandInServer, archive: Path) -> None:
    add_jobs(api_env, 4, faults={1: [Fault("job", "status", status=500, times=None, message=HOSTILE)]})
    at = new_app().run()
    assert not at.exception and has_key(at, BUTTON_KEY) and not at.get("progress")
    api_env.reset_log()
    at.button(key=BUTTON_KEY).click().run()
    assert not at.exception
    value, text = progress(at)
    assert value == 100
    assert text.startswith(f"Done with the runs of OpenAI: 4 of 4 runs · {len(api_env.requests)} requests · ")
    [summary] = boxes(at)
    assert (
        "Saved 3 runs with their files; 0 already there; 1 not finished (saved once they end); 1 failed."
        in summary
    )
    [failures] = at.get_by_key(FAILURES_KEY).dataframe
    assert failures.value["Run"].tolist() == ["openai:ftjob-0001"]
    assert failures.value["Why"].tolist()[0].startswith(HOSTILE[:40])  # as text, in a table cell
    for element in (*of_type(at, "markdown"), *at.main.success, *at.main.warning, *at.main.caption):
        assert "<b>x</b>" not in element.value and "javascript:" not in element.value  # never markup

    store = open_store(resolve_store({"DASHBOARD_STORE": str(archive)}, {}))
    try:
        viewer = store.viewer([DEFAULT_API_KEY])
        for job_id in ("ftjob-0000", "ftjob-0002", "ftjob-0003"):
            files = store.kept_files(RunRef("openai", job_id), viewer)
            assert {file.role: file.state for file in files} == dict.fromkeys(FileRole, FileState.KEPT)
        assert store.kept_files(RunRef("openai", "ftjob-0001"), viewer) == []
    finally:
        store.engine.dispose()


def test_a_second_save_reads_only_the_list_and_the_summary_stays(
    api_env: StandInServer, archive: Path
) -> None:
    add_jobs(api_env, 3)
    at = new_app().run()
    at.button(key=BUTTON_KEY).click().run()
    api_env.reset_log()
    at.button(key=BUTTON_KEY).click().run()
    assert not at.exception
    assert progress(at)[1].startswith("Done with the runs of OpenAI: 3 of 3 runs · 1 request · ")
    [summary] = boxes(at)
    assert "Saved 0 runs with their files; 3 already there;" in summary and at.main.success
    assert [request.path for request in api_env.requests] == ["/v1/fine_tuning/jobs"]
    at.text_input(key="job_search").input("0002").run()  # another rerun: the last summary is still said
    assert not at.exception and boxes(at) == [summary] and not at.get("progress")


def test_no_button_without_an_archive(api_env: StandInServer) -> None:
    add_jobs(api_env, 1)
    at = new_app().run()
    assert not at.exception and not has_key(at, BUTTON_KEY)


def test_an_archived_run_lists_its_kept_files_with_a_download_each(
    api_env: StandInServer, archive: Path
) -> None:
    add_jobs(api_env, 1)
    at = new_app().run()
    at.button(key=BUTTON_KEY).click().run()
    api_env.reset()  # the provider no longer serves the job
    opened = new_app(job="ftjob-0000").run()
    assert not opened.exception and api_env.requests == []
    [table] = opened.get_by_key(TABLE_KEY).dataframe
    served = job(0)
    assert table.value["File"].tolist() == ["Result file", "Training file", "Validation file", "Events"]
    assert table.value["Id"].tolist()[:3] == [
        *served.job["result_files"],
        served.job["training_file"],
        served.job["validation_file"],
    ]
    assert table.value["Kept"].tolist() == ["kept"] * 4
    labels = [button.proto.label for button in opened.get("download_button")]
    assert [label.split(" (")[0] for label in labels if "file" in label or "Events" in label][-4:] == [
        "Result file",
        "Training file",
        "Validation file",
        "Events",
    ]
