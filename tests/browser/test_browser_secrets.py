"""The API key never leaves the server: not in a URL, the page, the websocket, the log, or an export.

For each place a key can come from (the environment, the sidebar's password field) one app process
is driven through the whole page in chromium: a job is opened and clicked through (a checkpoint
marker, a table row, the view options, Refresh), both CSV exports are downloaded, and every error
path is taken (a partly readable job, 403, 500, an unknown job, and a refused key whose 401 body
echoes it masked). Everything the browser and the server produced on the way is kept and searched
for the key, any 8-character slice of it, and OpenAI's masked echo of it.

Each step waits for an outcome only its own script run can produce (a model name, a new error box
where charts were), so no step is checked against the page the previous step left behind.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Page, WebSocket, expect

from components.sources.file_kinds import FileKind, sniff
from devtools.harness import CHROMIUM, RunningApp, app_process, wait_for_app_run
from devtools.standin import Fault, StandInServer, SyntheticRun, make_run
from tests.browser.apps import app_env
from tests.browser.charts import (
    CHECKPOINT_TRACE,
    RECOMMENDED_TRACE,
    click_data_point,
    traces,
    wait_for_chart,
    wait_for_charts,
)
from tests.browser.table import click_row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"),
]

# Project keys as OpenAI issues them: a public prefix, then a secret body of letters, digits, - and _.
PUBLIC_PREFIX = "sk-proj-"
ENV_KEY = PUBLIC_PREFIX + "EnvQ7xK2mV9pL4tZ8rW1nB6cY3hJ5dF0gS_aU-eRk"
TYPED_KEY = PUBLIC_PREFIX + "TypR4wN8qZ1xC6vB3mK9jH2gF5dS7aL0pO_iU-yTe"
WRONG_KEY = PUBLIC_PREFIX + "BadM3nX7cV1bZ9lK4jH8gF2dS6aQ0wE5rT_yU-iOp"
SLICE = 8

GOOD = "ftjob-secrets-run"
PARTIAL = "ftjob-secrets-partial"  # checkpoints readable; result file and events refused
FORBIDDEN = "ftjob-secrets-forbidden"  # 403 on every endpoint
BROKEN = "ftjob-secrets-broken"  # 500 on every endpoint, after the retries
UNKNOWN = "ftjob-secrets-unknown"  # the stand-in has no such job: 404
LATE = "ftjob-secrets-late"  # first opened once the key is refused, so no cache can answer for it

REFRESH_SECONDS = 30
EXPORTS = ("run file", "per-step CSV", "checkpoints CSV")  # the run page's download buttons

# The page as HTML without the value of its password field (the one place a typed key belongs),
# every other field's live value, and what the browser stores for the site.
PAGE_TEXT = """() => {
  const root = document.documentElement.cloneNode(true);
  for (const input of root.querySelectorAll('input[type=password]')) input.removeAttribute('value');
  const fields = document.querySelectorAll('input:not([type=password]), textarea, select');
  return {
    html: root.outerHTML,
    fields: Array.from(fields, field => field.value),
    storage: JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)]),
    passwords: Array.from(document.querySelectorAll('input[type=password]'), input => input.value),
  };
}"""


def masked(key: str) -> str:
    """How OpenAI (and the stand-in) echo a refused key in a 401 message: first 6, stars, last 3."""
    return key[:6] + "*" * (len(key) - 9) + key[-3:]


def fragments(key: str) -> set[str]:
    """Every 8-character slice of the key that holds part of its secret body, and its masked echo.

    Any longer slice contains one of these, so finding none of them means finding no slice of 8 or
    more characters.
    """
    slices = {key[i : i + SLICE] for i in range(len(key) - SLICE + 1)}
    return (slices - {PUBLIC_PREFIX}) | {masked(key)}


@dataclass
class Evidence:
    """Everything that left the server during one drive through the page, and where it was seen."""

    texts: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    frames: list[bytes] = field(default_factory=list)  # websocket frames the server sent
    exceptions: list[str] = field(default_factory=list)  # steps after which an exception box showed

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def watch(self, page: Page) -> None:
        """Record every URL the page requests or navigates to, and every frame the server sends."""
        page.on("request", lambda request: self.add("requested URL", request.url))
        page.on("framenavigated", lambda frame: self.add("navigated URL", frame.url))

        def socket(ws: WebSocket) -> None:
            self.add("websocket URL", ws.url)
            ws.on(
                "framereceived",
                lambda data: self.frames.append(data if isinstance(data, bytes) else data.encode()),
            )

        page.on("websocket", socket)

    def snapshot(self, page: Page, step: str) -> list[str]:
        """Keep what the page shows once ``step``'s run is done; return its password fields' values (the
        filled ones: the sidebar has a key field per source without a configured key)."""
        wait_for_app_run(page)
        shown = page.evaluate(PAGE_TEXT)
        self.add(f"page HTML after {step}", shown["html"])
        self.add(f"field values after {step}", "\n".join(shown["fields"]))
        self.add(f"browser storage after {step}", shown["storage"])
        self.add(f"cookies after {step}", repr(page.context.cookies()))
        self.add(f"page URL after {step}", page.url)
        if page.get_by_test_id("stException").count():
            self.exceptions.append(step)
        return [value for value in shown["passwords"] if value]

    def leaks(self, keys: tuple[str, ...]) -> list[str]:
        """Where any fragment of ``keys``, or the cached loader's call text, was found."""
        needles = [fragment for key in keys for fragment in fragments(key)] + ["cached_run("]
        found = [
            f"{needle!r} in {where}" for where, text in self.texts for needle in needles if needle in text
        ]
        found += [
            f"{needle!r} in websocket frame {index} from the server"
            for index, frame in enumerate(self.frames)
            for needle in needles
            if needle.encode() in frame
        ]
        return found


def enter(page: Page, label: str, value: str) -> None:
    """Type ``value`` into the sidebar field ``label`` and press Enter, as a user commits it."""
    box = page.get_by_test_id("stSidebar").get_by_role("textbox", name=label, exact=True)
    box.fill(value)
    box.press("Enter")


def open_job(page: Page, job: str) -> None:
    enter(page, "Fine-tuning job ID", job)
    expect(page).to_have_url(re.compile(rf"[?&]job={job}(&|$)"))


def expect_error_instead_of_charts(page: Page) -> None:
    """The page explains a failure in an error box where a job's charts were: a run of its own."""
    error = page.get_by_test_id("stMain").get_by_test_id("stAlertContentError").first
    expect(error).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)


def expect_job_shown(page: Page, run: SyntheticRun) -> None:
    """A model of this job in the recommendation card (so not a previous page's), charts and exports.

    Which checkpoint is recommended is not checked here: that is the curves tests' job.
    """
    models = "|".join(re.escape(c["fine_tuned_model_checkpoint"]) for c in run.checkpoints)
    card = page.locator(".st-key-best_card .st-key-best_model code")
    expect(card).to_have_text(re.compile(f"^({models})$"), timeout=30_000)
    wait_for_charts(page)
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(len(EXPORTS))
    expect(page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")).to_have_count(0)


class RevocableStandIn(StandInServer):
    """The stand-in, where a key can be revoked while the app runs; OpenAI's 401 then echoes it masked."""

    def revoke(self, key: str) -> None:
        assert key in self._api_keys, "the stand-in no longer keeps its keys in _api_keys"
        self._api_keys = self._api_keys - {key}


@dataclass(frozen=True)
class KeyOrigin:
    """Where the app gets its key, what the user does first, and how the key comes to be refused."""

    name: str
    key: str
    env: dict[str, str]
    connect: Callable[[Page], None]
    refuse: Callable[[Page, RevocableStandIn], None]  # from a page showing a job: end on the 401 box
    refused: tuple[str, str]  # (key, job) of the request the API answers with 401
    keys: tuple[str, ...]  # every key this drive hands the app


def _revoke_and_open_another_job(page: Page, server: RevocableStandIn) -> None:
    server.revoke(ENV_KEY)
    open_job(page, LATE)


SOURCES = {
    "environment": KeyOrigin(
        "environment",
        ENV_KEY,
        {"OPENAI_API_KEY": ENV_KEY},
        connect=lambda page: None,
        refuse=_revoke_and_open_another_job,
        refused=(ENV_KEY, LATE),
        keys=(ENV_KEY,),
    ),
    "sidebar": KeyOrigin(
        "sidebar",
        TYPED_KEY,
        {},
        connect=lambda page: enter(page, "OpenAI API key", TYPED_KEY),
        refuse=lambda page, server: enter(page, "OpenAI API key", WRONG_KEY),  # same job, new cache key
        refused=(WRONG_KEY, GOOD),
        keys=(TYPED_KEY, WRONG_KEY),
    ),
}


@pytest.fixture(scope="module")
def good_run() -> SyntheticRun:
    return make_run(GOOD, n_steps=300, n_epochs=3)


@pytest.fixture(params=list(SOURCES))
def source(request: pytest.FixtureRequest) -> KeyOrigin:
    return SOURCES[request.param]


@pytest.fixture
def standin(source: KeyOrigin, good_run: SyntheticRun) -> Iterator[RevocableStandIn]:
    """A stand-in that accepts only this drive's key, with one job per outcome."""
    every_time = {"kind": "status", "times": None}
    with RevocableStandIn(api_keys=[source.key]) as server:
        server.add_run(good_run)
        server.add_run(make_run(LATE, n_steps=40, n_epochs=2))
        server.add_run(
            make_run(PARTIAL, n_steps=40, n_epochs=2),
            faults=[Fault("file", status=403, **every_time), Fault("events", status=403, **every_time)],
        )
        server.add_run(
            make_run(FORBIDDEN, n_steps=40, n_epochs=2), faults=[Fault("any", status=403, **every_time)]
        )
        server.add_run(
            make_run(BROKEN, n_steps=40, n_epochs=2), faults=[Fault("any", status=500, **every_time)]
        )
        yield server


@pytest.fixture
def app(source: KeyOrigin, standin: RevocableStandIn) -> Iterator[RunningApp]:
    """The dashboard for this key source, logging at debug level so every line it could log is read."""
    env = app_env(OPENAI_BASE_URL=standin.base_url, **source.env)
    with app_process(env, extra_args=["--logger.level=debug"]) as running:
        yield running


def _unrecommended(page: Page, run: SyntheticRun, avoid: set[str]) -> dict:
    """The earliest checkpoint that the page does not recommend now and that is not in ``avoid``."""
    recommended = traces(page)[RECOMMENDED_TRACE]["customdata"][0][0]
    return min(
        (c for c in run.checkpoints if c["id"] != recommended and c["id"] not in avoid),
        key=lambda c: c["step_number"],
    )


def _click_marker(page: Page, checkpoint_id: str) -> None:
    markers = traces(page)[CHECKPOINT_TRACE]
    x, y = next(
        (x, y)
        for x, y, cell in zip(markers["x"], markers["y"], markers["customdata"], strict=True)
        if cell[0] == checkpoint_id
    )
    click_data_point(page, x, y)


def _sidebar_click(page: Page, text: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(text, exact=True).click()


def _refresh(page: Page, standin: StandInServer) -> None:
    """Press Refresh and wait until the stand-in is asked for the job again (its cache is bypassed)."""
    reads = standin.count("job", GOOD)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Refresh").click()
    deadline = time.monotonic() + REFRESH_SECONDS
    while standin.count("job", GOOD) == reads:  # bounded by the deadline
        assert time.monotonic() < deadline, f"Refresh did not read the job again within {REFRESH_SECONDS} s"
        page.wait_for_timeout(100)


def _export_text(path: Path) -> str:
    """An export as text: a Parquet file's every cell and its metadata (its bytes are compressed), else the
    file itself."""
    data = path.read_bytes()
    if sniff(data) is not FileKind.PARQUET_EXPORT:
        return data.decode()
    table = pq.read_table(path)
    return table.to_pandas().to_csv() + repr(table.schema.metadata)


def _download_exports(page: Page, evidence: Evidence) -> str:
    """Download every export (the run file and both CSVs) through the browser; return their text, joined."""
    texts = []
    buttons = (
        page.get_by_test_id("stDownloadButton").locator("button").filter(visible=True)
    )  # a help tooltip adds a hidden twin
    for index in range(len(EXPORTS)):
        with page.expect_download() as info:
            buttons.nth(index).click()
        download = info.value
        text = _export_text(Path(download.path()))
        evidence.add("download URL", download.url)
        evidence.add("download file name", download.suggested_filename)
        evidence.add(f"export {download.suggested_filename}", text)
        texts.append(text)
    return "\n".join(texts)


def test_the_key_reaches_no_url_page_frame_log_or_export(
    page: Page, app: RunningApp, standin: RevocableStandIn, source: KeyOrigin, good_run: SyntheticRun
) -> None:
    evidence = Evidence()
    evidence.watch(page)
    page.goto(app.url + "/")
    source.connect(page)

    open_job(page, GOOD)
    expect_job_shown(page, good_run)
    assert evidence.snapshot(page, "opening a job") == ([source.key] if source.name == "sidebar" else [])

    # Targets come from the page's recommendation at the time, which a click may change.
    marked = _unrecommended(page, good_run, avoid=set())
    _click_marker(page, marked["id"])
    selected = page.locator(".st-key-comparison").get_by_test_id("stCode").first
    expect(selected).to_have_text(marked["fine_tuned_model_checkpoint"])
    evidence.snapshot(page, "clicking a checkpoint marker")

    row = _unrecommended(page, good_run, avoid={marked["id"]})
    click_row(page, row["step_number"])
    expect(selected).to_have_text(row["fine_tuned_model_checkpoint"])
    expect(page).to_have_url(re.compile(rf"[?&]ckpt={row['id']}(&|$)"))
    evidence.snapshot(page, "selecting a table row")

    _sidebar_click(page, "Log y axis")
    wait_for_chart(page, "L.yaxis.type === 'log'")
    _sidebar_click(page, "Middle 90 %")
    expect(page).to_have_url(re.compile(r"[?&]y=Middle"))
    _sidebar_click(page, "Epoch")
    wait_for_chart(page, "L.xaxis.title.text === 'Epoch'")
    evidence.snapshot(page, "changing the view options")

    _refresh(page, standin)
    expect_job_shown(page, good_run)
    evidence.snapshot(page, "Refresh")

    exports = _download_exports(page, evidence)
    assert all(c["id"] in exports for c in good_run.checkpoints), "the exports lack the job's checkpoints"
    evidence.snapshot(page, "downloading every export")

    # A job whose result file and events are refused still shows its checkpoints, with a warning.
    open_job(page, PARTIAL)
    warning = page.get_by_test_id("stMain").get_by_test_id("stAlertContentWarning").first
    expect(warning).to_be_visible(timeout=30_000)
    evidence.snapshot(page, f"opening {PARTIAL}")

    for job in (FORBIDDEN, BROKEN, UNKNOWN):
        open_job(page, job)
        expect_error_instead_of_charts(page)
        evidence.snapshot(page, f"opening {job}")
        open_job(page, GOOD)  # from the cache; a page with charts again, so the next error is new
        expect_job_shown(page, good_run)

    before = len(standin.requests)
    source.refuse(page, standin)
    expect_error_instead_of_charts(page)
    evidence.snapshot(page, "a refused key")
    key, job = source.refused
    assert any(
        request.path.endswith(f"/jobs/{job}") and request.headers.get("authorization") == f"Bearer {key}"
        for request in standin.requests[before:]
    ), "the app never sent the refused key, so the 401 path was not taken"

    log = app.log_text()
    assert "Memory cache" in log, "the app's debug log lines are not being read"
    evidence.texts.extend(("server log line", line) for line in log.splitlines())
    assert evidence.frames, "no websocket frames were recorded"
    assert not evidence.exceptions, f"an exception box showed after: {evidence.exceptions}"
    leaks = evidence.leaks(source.keys)
    assert not leaks, f"the key from the {source.name} was exposed:\n" + "\n".join(sorted(set(leaks)))
