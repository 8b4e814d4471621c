"""The list of settings tests clear is every setting the app reads, so no test depends on the machine."""

from __future__ import annotations

import re
from pathlib import Path

from devtools.app_settings import APP_SETTINGS, ARCHIVE_OFF, clean_env

ROOT = Path(__file__).resolve().parents[2]
# A setting's name as the code spells it: a quoted upper-case name under one of the app's prefixes.
SETTING = re.compile(r"""["']((?:OPENAI|AZURE_OPENAI|TOGETHER|DASHBOARD)_[A-Z0-9_]+)["']""")


def test_every_setting_the_app_reads_is_cleared_for_the_tests() -> None:
    sources = [ROOT / "app.py", *sorted((ROOT / "components").rglob("*.py"))]
    read = {name for path in sources for name in SETTING.findall(path.read_text(encoding="utf-8"))}
    assert "DASHBOARD_STORE" in read and "DASHBOARD_REFRESH_SECONDS" in read  # the scan sees them
    assert read <= set(APP_SETTINGS), sorted(read - set(APP_SETTINGS))


def test_a_clean_environment_keeps_the_rest_and_switches_the_archive_off() -> None:
    machine = {"PATH": "/usr/bin", "OPENAI_API_KEY": "sk-machine", "DASHBOARD_STORE": "/home/me/a.db"}
    assert clean_env(machine, OPENAI_BASE_URL="http://127.0.0.1:1") == {
        "PATH": "/usr/bin",
        **ARCHIVE_OFF,
        "OPENAI_BASE_URL": "http://127.0.0.1:1",
    }
