"""The single-run page's downloads: the run as one file that reads back to the same curves and numbers (the
smaller of JSON and Parquet), the CSVs as before, and a chart PNG named after the run and its metric."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.api.limits import Limits
from components.demo import DEMO_JOB_ID
from components.export.download import ExportFormat, export_file
from components.sources import FilesSource, Upload, UploadSource
from components.sources.demo import demo_source
from components.ui.curves_panel import CHART_KEY
from components.ui.exports import EXPORTS_KEY
from tests.domain.export_support import read_export
from tests.page.page_support import new_app


@pytest.fixture
def demo_page(no_api_env: None) -> AppTest:
    at = new_app().run()
    assert not at.exception
    return at


def test_the_run_downloads_as_one_file_that_reads_back_to_the_same_run(demo_page: AppTest) -> None:
    labels = [button.proto.label for button in demo_page.get("download_button")]
    [file] = demo_page.session_state[EXPORTS_KEY].values()
    assert labels == [f"Run file ({file.format.value.upper()})", "Steps CSV", "Checkpoints CSV"]
    assert file.name == f"demo-{DEMO_JOB_ID}.{file.format.value}"
    [back] = read_export(file.data)
    run = demo_source().load_run(DEMO_JOB_ID)
    pd.testing.assert_frame_equal(back.history, run.history, check_exact=True)
    pd.testing.assert_frame_equal(back.checkpoints, run.checkpoints, check_exact=True)
    assert back.summary == run.summary


@pytest.mark.parametrize("prefer", list(ExportFormat))
def test_both_formats_read_back_to_the_same_frames(prefer: ExportFormat) -> None:
    run = demo_source().load_run(DEMO_JOB_ID)
    file = export_file(run, prefer=prefer)
    assert file.format is prefer and file.name.endswith(f".{prefer.value}")
    [back] = read_export(file.data)
    pd.testing.assert_frame_equal(back.history, run.history, check_exact=True)
    pd.testing.assert_frame_equal(back.checkpoints, run.checkpoints, check_exact=True)


def test_the_file_is_built_once_per_session(demo_page: AppTest) -> None:
    [first] = demo_page.session_state[EXPORTS_KEY].values()
    demo_page.run()
    [again] = demo_page.session_state[EXPORTS_KEY].values()
    assert again is first


def test_the_chart_png_is_named_after_the_run_and_metric(demo_page: AppTest) -> None:
    config = json.loads(demo_page.get_by_key(CHART_KEY).proto.config)
    assert config["toImageButtonOptions"] == {
        "format": "png",
        "scale": 2,
        "filename": f"{DEMO_JOB_ID}_full_valid_loss",
    }


def test_the_downloaded_file_opens_in_the_runs_folder_and_as_an_upload(
    demo_page: AppTest, tmp_path: Path
) -> None:
    [file] = demo_page.session_state[EXPORTS_KEY].values()
    run = demo_source().load_run(DEMO_JOB_ID)
    (tmp_path / file.name).write_bytes(file.data)
    folder = FilesSource(tmp_path, Limits())
    [row] = folder.list_runs().runs
    upload = Upload(file.name, file.data)
    for opened in (folder.load_run(row.run_id), UploadSource([upload], Limits()).load_run(upload.run_id)):
        pd.testing.assert_frame_equal(opened.history, run.history, check_exact=True)
        pd.testing.assert_frame_equal(opened.checkpoints, run.checkpoints, check_exact=True)
