"""The ``ft-dashboard`` command's translation of its options into the app's settings and Streamlit's flags."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit import config as streamlit_config

from components import launch

ROOT = Path(__file__).resolve().parents[2]


def test_logdirs_become_the_runs_setting_as_absolute_folders(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path)
    args, extra = launch.parse_args(["--logdir", "a", "--logdir", "b", "--store", "sqlite:///x.db"])
    env = launch.settings_env(args, {"PATH": "/bin"})
    assert env["DASHBOARD_RUNS_DIR"].split(os.pathsep) == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert env["DASHBOARD_STORE"] == "sqlite:///x.db"
    assert env["PATH"] == "/bin"
    assert extra == []


def test_a_missing_logdir_stops_before_anything_starts(tmp_path: Path) -> None:
    args, _ = launch.parse_args(["--logdir", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit, match=r"not a folder: .*nowhere"):
        launch.settings_env(args, {})


def test_without_options_the_environment_is_left_as_it_is() -> None:
    args, _ = launch.parse_args([])
    env = {"DASHBOARD_RUNS_DIR": "/srv/runs"}
    assert launch.settings_env(args, env) == env


def test_every_option_of_the_apps_config_is_passed_as_a_flag() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    flags = list(launch.config_flags(config))
    assert "--server.headless=true" in flags
    assert "--client.showErrorDetails=none" in flags
    assert "--server.maxUploadSize=32" in flags
    assert "--theme.dark.primaryColor=#60a5fa" in flags
    # Each flag names an option Streamlit knows: `streamlit run` refuses unknown ones.
    names = {flag[2:].split("=", 1)[0] for flag in flags}
    assert names <= set(streamlit_config._config_options_template)


def test_the_streamlit_command_runs_the_apps_script_with_port_host_and_extras() -> None:
    options = ["--port", "8600", "--host", "0.0.0.0", "--", "--server.maxUploadSize=64"]
    args, extra = launch.parse_args(options)
    command = launch.streamlit_argv(ROOT, args, extra)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    assert "--server.port=8600" in command and "--server.address=0.0.0.0" in command
    assert "--logger.hideWelcomeMessage=true" in command
    # What follows -- comes last, so it overrides the app's own upload limit.
    assert command[-1] == "--server.maxUploadSize=64"
    assert command.index("--server.maxUploadSize=32") < command.index("--server.maxUploadSize=64")


@pytest.mark.parametrize(
    ("host", "expected"),
    [(None, "http://localhost:8501"), ("0.0.0.0", "http://localhost:8501"), ("::1", "http://[::1]:8501")],
)
def test_the_printed_address_is_one_a_browser_can_open(host: str | None, expected: str) -> None:
    args, _ = launch.parse_args(["--host", host] if host else [])
    assert launch.address(args) == expected


def test_in_a_checkout_the_app_is_the_repositorys_app_py() -> None:
    assert launch.app_folder() == ROOT
