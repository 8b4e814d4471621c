"""Runs opened from files in the browser, key or no key: the upload opens at once, only its address goes
into the URL, it opens in no other session, the trainer's own best checkpoint is shown beside ours, and
it is saved to the archive only when asked."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.page.table import STEP_ONLY_MODEL
from components.sources import Upload
from components.sources.file_kinds import formats_read
from components.ui.uploads import FORGET_KEY, HELD_KEY, SAVE_KEY, UPLOADER_KEY, _ledger
from devtools.standin import StandInServer, make_run
from devtools.trainer_runs import trainer_state
from tests.markdown_view import visible_text
from tests.page.page_support import new_app, page_text, table

STATE = json.dumps(trainer_state(n_steps=200, save_steps=50, eval_steps=50)).encode()


def _held_files(at: AppTest) -> tuple[Upload, ...]:
    """The files the server holds for the test's session (the session keeps only a handle)."""
    return _ledger().files(at.session_state[HELD_KEY].token)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key=UPLOADER_KEY).upload(name, data, "application/json").run()
    return at


@pytest.mark.usefixtures("no_api_env")
def test_an_upload_with_no_key_opens_with_curves_and_the_trainers_pick_beside_ours() -> None:
    at = new_app().run()
    assert any(info.value.startswith("**Demo job**") for info in at.info)
    _upload(at, "trainer_state.json", STATE)
    assert not at.exception
    ref = f"upload:{Upload('trainer_state.json', STATE).run_id}"
    assert at.query_params["run"] in (ref, [ref])
    assert not [info for info in at.info if info.value.startswith("**Demo job**")]
    assert at.get("plotly_chart") and len(table(at)) >= 1
    assert any("Source: Uploaded files" in caption.value for caption in at.main.caption)
    [best] = [c for c in map(visible_text, (c.value for c in at.main.caption)) if "best_model" in c]
    assert best.startswith("The trainer's best_model_checkpoint: step ")
    assert "we recommend" in best
    # The file's content never reaches the URL: only the address, made of the name and a hash.
    assert all(len(str(value)) < 100 for value in at.query_params.values())


@pytest.mark.usefixtures("no_api_env")
def test_an_upload_link_opens_in_no_other_session() -> None:
    ref = f"upload:{Upload('trainer_state.json', STATE).run_id}"
    other = new_app()
    other.query_params["run"] = ref
    other.run()
    assert not other.exception
    [warning] = [visible_text(w.value) for w in other.main.warning]
    assert "not in this browser session" in warning and "upload the file again" in warning


def test_a_result_csv_opens_beside_a_configured_source(api_env: StandInServer) -> None:
    run = make_run("ftjob-csv")
    [csv] = run.files.values()
    at = new_app().run()
    api_env.reset_log()
    at.file_uploader(key=UPLOADER_KEY).upload("step_metrics.csv", csv, "text/csv").run()
    assert not at.exception
    assert at.get("plotly_chart")
    assert api_env.requests == []  # an uploaded file needs no request
    assert at.radio(key="source_switch").value == "upload"
    plain = base64.b64decode(csv)
    assert plain[:40].decode() not in page_text(at)


@pytest.mark.usefixtures("no_api_env")
def test_a_file_larger_than_the_limit_is_refused_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_MAX_FILE_MB", "0.001")
    at = _upload(new_app().run(), "trainer_state.json", STATE)
    assert not at.exception
    assert any("larger than 0.001 MB" in visible_text(warning.value) for warning in at.sidebar.warning)
    assert _held_files(at) == ()


@pytest.mark.usefixtures("no_api_env")
def test_twelve_uploads_at_the_limit_hold_two_and_say_what_was_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twelve uploads of the largest size held 386 MiB for the session's life: now two files' worth."""
    states = [
        json.dumps(trainer_state(n_steps=200, output_dir=f"outputs/r{n:02d}")).encode() for n in range(12)
    ]
    limit = max(len(state) for state in states)
    monkeypatch.setenv("DASHBOARD_MAX_FILE_MB", str(limit / 1_000_000))
    at = new_app().run()
    for n, state in enumerate(states):
        _upload(at, f"run{n:02d}.json", state)
        assert not at.exception
    held = _held_files(at)
    assert [upload.name for upload in held] == ["run10.json", "run11.json"]
    assert sum(len(upload.data) for upload in held) <= 2 * limit
    assert any("Let go of run09.json" in visible_text(warning.value) for warning in at.sidebar.warning)
    at.button(key=FORGET_KEY).click().run()
    assert _held_files(at) == () and not at.exception


def test_save_to_archive_stores_a_file_run_only_when_asked(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _upload(new_app().run(), "trainer_state.json", STATE)
    assert not at.exception
    assert at.button(key=SAVE_KEY)
    at.button(key=SAVE_KEY).click().run()  # no key, no sign-in: only when the operator allows it
    [refused] = [text for w in at.main.warning if (text := visible_text(w.value)).startswith("Not saved")]
    assert refused.startswith("Not saved: this session is not signed in and has no key of its own")
    assert "DASHBOARD_KEYLESS_SAVES" in refused and not at.main.success
    monkeypatch.setenv("DASHBOARD_KEYLESS_SAVES", "3")
    at.button(key=SAVE_KEY).click().run()
    [saved] = [s.value for s in at.main.success]
    assert saved.startswith("Saved to the archive on ")
    at.radio(key="source_switch").set_value("archive").run()
    assert not at.exception
    [frame] = [el.value for el in at.main.dataframe if "Run" in el.value.columns]
    assert len(frame) == 1
    # Opening it from the archive's list: the stored copy, and the page says when it was saved.
    at.session_state["job_table_0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception and at.get("plotly_chart")
    assert str(at.query_params["run"]).count("archive:") == 1
    [line] = [visible_text(c.value) for c in at.main.caption if "From the archive" in c.value]
    assert line.partition(" :material/inventory_2: ")[2].startswith("From the archive, saved ")


@pytest.mark.usefixtures("no_api_env")
@pytest.mark.parametrize(
    ("name", "data", "recognised"),
    [
        ("config.json", json.dumps({"model": "gpt2", "lr": 3e-4}).encode(), "is JSON, but neither"),
        # A PNG under a run file's name: a file is told by its content, never its name.
        ("curves.parquet", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a run file"),
        ("broken.json", b'{"log_history": [', "not valid JSON"),
    ],
)
def test_a_file_we_do_not_read_says_what_it_is_and_which_formats_are_read(
    name: str, data: bytes, recognised: str
) -> None:
    at = _upload(new_app().run(), name, data)
    assert not at.exception
    [error] = [visible_text(error.value) for error in at.main.error]
    assert recognised in error
    for words in formats_read().split(", "):
        assert words in error
    assert not any(advice in error for advice in ("OPENAI_BASE_URL", "API key", "OPENAI_", "Refresh"))


@pytest.mark.usefixtures("no_api_env")
def test_the_table_says_which_step_a_checkpoints_metrics_were_logged_at() -> None:
    # Logged every 10 steps, saved at the end, step 205: its numbers are step 200's, and the table says so.
    state = trainer_state(n_steps=205, save_steps=50, eval_steps=50)
    rows = table(_upload(new_app().run(), "trainer_state.json", json.dumps(state).encode()))
    assert 205 in rows["step"].tolist()
    said = dict(zip(rows["step"], rows["metrics_from"], strict=True))
    assert said == {step: ("step 200" if step == 205 else "") for step in said}
    # Where every checkpoint is at a logged step, there is no such column.
    assert "metrics_from" not in table(_upload(new_app().run(), "trainer_state.json", STATE))


@pytest.mark.usefixtures("no_api_env")
def test_a_validated_step_with_no_saved_checkpoint_is_named_as_such() -> None:
    # A result file with batch validation only (no full validation, so no epoch ends): validated steps.
    validated = {step: f"{1.2 / step:.4f},0.6" for step in range(10, 41, 10)}
    lines = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"] + [
        f"{step},{1 / step:.4f},0.5,{validated.get(step, ',')}" for step in range(1, 41)
    ]
    rows = table(_upload(new_app().run(), "step_metrics.csv", "\n".join(lines).encode()))
    assert sorted(rows["step"]) == [10, 20, 30, 40]
    assert set(rows["model"]) == {STEP_ONLY_MODEL}
