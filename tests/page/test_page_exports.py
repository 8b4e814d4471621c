"""The single-run page's downloads: the run as one file that reads back to the same curves and numbers (the
smaller of JSON and Parquet), built only when its button is clicked, the CSVs as before, and a chart PNG
named after the run and its metric."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.api.limits import Limits
from components.demo import DEMO_JOB_ID
from components.export.download import ExportFormat, export_file, planned_format, planned_name
from components.sources import FilesSource, Upload, UploadSource
from components.sources.demo import demo_source
from components.ui.curves_panel import CHART_KEY
from components.ui.exports import export_bytes
from devtools.compare_runs import run_from_spec
from tests.domain.export_support import read_export
from tests.page.page_support import new_app


@pytest.fixture
def demo_page(no_api_env: None) -> AppTest:
    at = new_app().run()
    assert not at.exception
    return at


def test_the_run_downloads_as_one_file_that_reads_back_to_the_same_run(demo_page: AppTest) -> None:
    labels = [button.proto.label for button in demo_page.get("download_button")]
    run = demo_source().load_run(DEMO_JOB_ID)
    kind = planned_format(run)
    assert labels == [f"Run file ({kind.value.upper()})", "Steps CSV", "Checkpoints CSV"]
    assert planned_name(run) == f"demo-{DEMO_JOB_ID}.{kind.value}"
    [back] = read_export(export_bytes([run]))  # what a click on the button builds
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


def test_no_file_is_built_before_its_button_is_clicked(demo_page: AppTest) -> None:
    buttons = demo_page.get("download_button")
    assert len(buttons) == 3
    assert all(button.proto.deferred_file_id and not button.proto.url for button in buttons)


@pytest.mark.parametrize("steps", [40, 100, 300, 3_000])
def test_the_planned_format_is_the_smaller_file(steps: int) -> None:
    """The button names its format before the file exists: told from the run's size, it is the smaller."""
    run = run_from_spec(f"ftjob-sized/{steps}/2/1")
    sizes = {kind: len(export_file(run, prefer=kind).data) for kind in ExportFormat}
    assert planned_format(run) is min(sizes, key=lambda kind: sizes[kind])


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
    run = demo_source().load_run(DEMO_JOB_ID)
    name, data = planned_name(run), export_bytes([run])
    (tmp_path / name).write_bytes(data)
    folder = FilesSource(tmp_path, Limits())
    [row] = folder.list_runs().runs
    upload = Upload(name, data)
    for opened in (folder.load_run(row.run_id), UploadSource([upload], Limits()).load_run(upload.run_id)):
        pd.testing.assert_frame_equal(opened.history, run.history, check_exact=True)
        pd.testing.assert_frame_equal(opened.checkpoints, run.checkpoints, check_exact=True)
