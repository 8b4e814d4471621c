"""Recorded answers: what chosen models of a run answered, kept in the archive so they can be read, scored,
exported and compared with a replacement after the models stop answering.

Three lazy tabs (nothing in a closed tab runs, so opening the page sends nothing):

- **Recorded sets**: the run's sets from the archive. Per prompt the question, the expected answer and each
  model's answer side by side, scored as validation examples are; downloads as chat JSONL (every model, or
  one: training data for a replacement) and formula-safe CSV; a set stopped part-way asks only what is
  missing; and **Compare a replacement**: any model of a configured source or of the OpenAI-compatible
  endpoint answers the same prompts, stored as another model of the set. Showing a set makes no request.
- **Record a new set** (sources that answer): models (the recommended checkpoint and the final model to
  start with), prompts (the validation examples, all or a seeded sample, and/or an uploaded JSONL), the
  parameters, the requests and tokens before the click, then a progress bar while each answer is stored as
  it arrives.
- **Open a set file**: a JSONL exported here, shown as the set it holds and saved to the archive on demand.

Every ask on a server's credential (the run's source, another configured source, the OpenAI-compatible
endpoint) is charged to the user's budget, and its prompts checked against the operator's cap, before
anything is stored or sent (``components.ui.budgets``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from components.api import ApiConfig
from components.archive import ArchiveAccess, connect_archive
from components.archive.recordings import (
    add_models,
    can_record,
    import_set,
    keeper,
    load_set,
    sets_of,
    start_set,
)
from components.domain import RunData
from components.domain.answers import AnswerParams, AnswerSet, SetModel, SetPrompt
from components.errors import MalformedDataError
from components.export.answer_sets import (
    MAX_PROMPTS,
    SetFileError,
    parse_prompt_file,
    read_set_jsonl,
    set_jsonl,
)
from components.export.download import answer_sets_in
from components.inference import DEFAULT_SEED, DEFAULT_WORKERS, ChatClient, ModelMenu, sample_examples
from components.inference.recording import (
    Progress,
    estimate_pending,
    new_set,
    record,
    replacement_model,
    run_key,
    set_csv,
    set_model,
    validation_prompts,
)
from components.inference.service import compat_chat, open_chat
from components.inference.spending import cost_of, too_long
from components.page.recordings import (
    MAX_RECORD_MODELS,
    Outcome,
    answered_models,
    default_record_models,
    missing_line,
    opened_line,
    outcome_of,
    pending_line,
    progress_text,
    recommended_in_set,
    set_facts,
    set_label,
    set_name,
    set_scores,
)
from components.settings import COMPAT_LABEL
from components.sources import SourceConfig, SourceKind
from components.sources.azure import AZURE
from components.store import StoreError
from components.text import MODEL_CHARS, NOTE_CHARS, clean, code_span, markdown_literal
from components.ui.budgets import Guard, guard_for
from components.ui.cached_reads import http_client
from components.ui.connection import Connection
from components.ui.deployments import NO_DEPLOYMENTS, deployments, pick_models
from components.ui.examples_verdict import examples_verdict_panel
from components.ui.validation_examples import answers_table, scores, validation_set
from components.wording import count

TABS_KEY = "rec_tabs"
SET_KEY = "rec_set"  # + run key: the set shown
MODELS_KEY = "rec_models"  # + run key
DEPLOYMENT_KEY = "rec_deployment"
USE_VALIDATION_KEY = "rec_use_validation"
EXAMPLES_KEY = "rec_examples"
SAMPLE_SEED_KEY = "rec_sample_seed"
PROMPTS_FILE_KEY = "rec_prompts_file"
TEMPERATURE_KEY = "rec_temperature"
MAX_TOKENS_KEY = "rec_max_tokens"
SEED_KEY = "rec_seed"
RECORD_KEY = "rec_record"
RESUME_KEY = "rec_resume"
REPLACEMENT_SOURCE_KEY = "rec_replacement_source"
REPLACEMENT_MODEL_KEY = "rec_replacement_model"
REPLACEMENT_KEY = "rec_replacement"
JSONL_MODEL_KEY = "rec_jsonl_model"
SET_FILE_KEY = "rec_set_file"
SAVE_SET_KEY = "rec_save_set"
SETS_TAB, RECORD_TAB, OPEN_TAB = "Recorded sets", "Record a new set", "Open a set file"
ALL_MODELS = ""
ALLOWED_ONLY = "The server's Azure OpenAI credential calls only the deployments its operator lists:"


@dataclass(frozen=True)
class Asker:
    """A way to ask models for answers: a source's chat client, named as a set records it."""

    source: str
    label: str
    endpoint: str
    client: Callable[[], ChatClient]
    guard: Guard  # the operator's rules, and whether asking spends the server's credential


def _askers(
    connection: Connection, config: SourceConfig, client: Callable[[], ChatClient] | None
) -> list[Asker]:
    """Where models can be asked: the run's own source first, the other configured API sources, then the
    OpenAI-compatible endpoint."""
    found = []
    rules = connection.spending
    if client is not None:
        found.append(
            Asker(config.name, config.label, _endpoint(config.api), client, guard_for(config, rules))
        )
    for other in connection.registry.configs:
        if other.kind is SourceKind.API and other.api is not None and other.name != config.name:
            ask = _client_of(other.api, other.name)
            found.append(Asker(other.name, other.label, _endpoint(other.api), ask, guard_for(other, rules)))
    if connection.compat is not None:  # the operator's endpoint: its key (or compute) is the server's
        compat = connection.compat
        found.append(
            Asker("compatible", COMPAT_LABEL, _endpoint(compat), _compat(compat), Guard(rules, True))
        )
    return found


def _endpoint(api: ApiConfig | None) -> str:
    return api.display_base_url if api is not None else "built in"


def _compat(api: ApiConfig) -> Callable[[], ChatClient]:
    return lambda: compat_chat(api, http_client(api))


def _client_of(api: ApiConfig, source: str) -> Callable[[], ChatClient]:
    """The chat client of another configured API source, in its own dialect."""

    def make() -> ChatClient:
        config = SourceConfig(source, source, SourceKind.API, api.limits, api=api)
        return open_chat(config, http_client(api))

    return make


# ---- Asking -----------------------------------------------------------------------------------------------


def _refusal(
    pending: Sequence[tuple[SetModel, SetPrompt]], guard_of: Callable[[SetModel], Guard], max_tokens: int
) -> str | None:
    """Why ``pending`` may not be sent on the server's credentials (a prompt longer than the operator allows,
    or more than the user's budget, which is charged here when it fits); None when it may."""
    paid = [(model, prompt) for model, prompt in pending if guard_of(model).budgeted]
    if not paid:
        return None
    guard = guard_of(paid[0][0])
    most = guard.rules.max_prompt_chars
    too = next((why for _, prompt in paid if (why := too_long(prompt.messages, most)) is not None), None)
    return too or guard.refuse(cost_of(estimate_pending(paid, max_tokens)))


def _ask(
    access: ArchiveAccess,
    answer_set: AnswerSet,
    pending: Sequence[tuple[SetModel, SetPrompt]],
    client: Callable[[SetModel], ChatClient],
) -> Outcome:
    """Ask ``pending`` behind a progress bar (answers done of all, failures), each answer stored as it
    arrives, each model through ``client(model)`` (the models of one source together); how it ended, for
    :func:`_say`."""
    total = len(pending)
    bar = st.progress(0.0, text=progress_text(Progress(0, total, 0)))
    so_far = Progress(0, total, 0)
    keep = keeper(access, answer_set.set_id)
    try:
        for source in dict.fromkeys(model.source for model, _ in pending):
            group = [(model, prompt) for model, prompt in pending if model.source == source]
            before = so_far

            def advance(progress: Progress, before: Progress = before) -> None:
                done = Progress(before.done + progress.done, total, before.failed + progress.failed)
                bar.progress(done.done / max(total, 1), text=progress_text(done))

            ended = record(client(group[0][0]), group, answer_set.params, keep, on_progress=advance)
            so_far = Progress(so_far.done + ended.done, total, so_far.failed + ended.failed)
    except StoreError as exc:
        return Outcome("error", f"Stopped: the archive could not keep an answer. {exc}")
    finally:
        bar.empty()
    return outcome_of(so_far)


def _say(outcome: Outcome) -> None:
    icons = {
        "success": ":material/check_circle:",
        "warning": ":material/warning:",
        "error": ":material/error:",
    }
    show = {"success": st.success, "warning": st.warning, "error": st.error}[outcome.kind]
    show(markdown_literal(outcome.text, NOTE_CHARS), icon=icons[outcome.kind])


# ---- A set ------------------------------------------------------------------------------------------------


def _downloads(answer_set: AnswerSet, name: str) -> None:
    """The set as chat JSONL (every model, or the one chosen) and as CSV."""
    models = answered_models(answer_set)
    options = [ALL_MODELS, *(key for key, _ in models)]
    labels = {ALL_MODELS: "Every model", **dict(models)}
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        chosen = st.selectbox(
            "Answers of",
            options,
            format_func={key: clean(label, MODEL_CHARS) for key, label in labels.items()}.__getitem__,
            key=f"{JSONL_MODEL_KEY}:{answer_set.set_id}",
            width=220,
            help="One model's answers are the training data for a replacement (TRL's SFTTrainer reads the "
            "file as it is); every model's opens again as this set.",
        )
        st.download_button(
            "Chat JSONL",
            data=set_jsonl(answer_set, chosen or None),
            file_name=f"{name}-answers.jsonl",
            mime="application/jsonl",
            icon=":material/download:",
            on_click="ignore",
            disabled=not models,
        )
        st.download_button(
            "Answers CSV",
            data=set_csv(answer_set),
            file_name=f"{name}-answers.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )


def _replacement(access: ArchiveAccess, answer_set: AnswerSet, askers: Sequence[Asker]) -> Outcome | None:
    """Another model answers the set's prompts, stored as one more model of the set; how it went, when it
    was asked."""
    if not askers:
        st.caption(
            "No source can answer now: configure an API source or an OpenAI-compatible endpoint "
            "(DASHBOARD_COMPAT_BASE_URL, e.g. a local vLLM, llama.cpp or Ollama server) to compare a "
            "replacement."
        )
        return None
    by_name = {asker.source: asker for asker in askers}
    with st.container(horizontal=True, vertical_alignment="bottom"):
        source = st.selectbox(
            "Through",
            list(by_name),
            format_func={n: f"{a.label} · {clean(a.endpoint, 80)}" for n, a in by_name.items()}.__getitem__,
            key=REPLACEMENT_SOURCE_KEY,
            width=320,
        )
        model = st.text_input(
            "Replacement model",
            key=REPLACEMENT_MODEL_KEY,
            max_chars=MODEL_CHARS,
            placeholder="llama3.1:8b",
            width=260,
        ).strip()
    asker = by_name[source]
    allowed = asker.guard.deployments() if asker.source == AZURE else None
    if model and allowed is not None and model not in allowed:
        st.caption(
            markdown_literal(NO_DEPLOYMENTS if not allowed else f"{ALLOWED_ONLY} {', '.join(allowed)}.")
        )
        model = ""
    candidate = replacement_model(model, asker.source, asker.endpoint) if model else None
    pending = answer_set.missing((candidate,)) if candidate is not None else []
    cost = estimate_pending(pending, answer_set.params.max_tokens)
    if candidate is not None:
        st.caption(
            markdown_literal(pending_line(cost, len(answer_set.prompts), 1, DEFAULT_WORKERS), NOTE_CHARS)
        )
        asker.guard.show(cost_of(cost))
    clicked = st.button(
        f"Ask {count(len(pending), 'prompt')}" if candidate is not None else "Ask",
        key=REPLACEMENT_KEY,
        icon=":material/compare_arrows:",
        disabled=candidate is None or not pending,
        help="The same prompts, with the set's parameters; the answers are stored beside the recorded ones.",
    )
    if clicked and candidate is not None:
        refused = _refusal(pending, lambda _model: asker.guard, answer_set.params.max_tokens)
        if refused is not None:
            return Outcome("error", refused)
        try:
            add_models(access, answer_set.set_id, [candidate])
        except StoreError as exc:
            return Outcome("error", str(exc))
        return _ask(access, answer_set, pending, lambda _model: asker.client())
    return None


def _resume(access: ArchiveAccess, answer_set: AnswerSet, askers: Sequence[Asker]) -> Outcome | None:
    """What is missing from the set and, for the models whose source can be asked, the button that asks
    only that; how it went, when it was asked."""
    line = missing_line(answer_set)
    if line is None:
        return None
    by_source = {asker.source: asker for asker in askers}
    pending = [(model, prompt) for model, prompt in answer_set.missing() if model.source in by_source]
    if not pending:
        st.caption(markdown_literal(line.split(":", 1)[0] + ": no source that asked them is configured now."))
        return None
    st.caption(markdown_literal(line))
    max_tokens = answer_set.params.max_tokens
    paid = [(model, prompt) for model, prompt in pending if by_source[model.source].guard.budgeted]
    if paid:
        by_source[paid[0][0].source].guard.show(cost_of(estimate_pending(paid, max_tokens)))
    if st.button(
        f"Ask the {count(len(pending), 'missing answer')}", key=RESUME_KEY, icon=":material/replay:"
    ):
        refused = _refusal(pending, lambda model: by_source[model.source].guard, max_tokens)
        if refused is not None:
            return Outcome("error", refused)
        return _ask(access, answer_set, pending, lambda model: by_source[model.source].client())
    return None


def show_set(answer_set: AnswerSet, recommended: str | None) -> None:
    """A set's scores and its answers side by side, as validation examples show theirs."""
    scored = set_scores(answer_set)
    if scored is None:
        st.info("No answer is stored in this set yet.", icon=":material/hourglass:")
        return
    results, summary = scored
    scores(summary, recommended)
    examples_verdict_panel(results, recommended, f"set_verdict_{answer_set.set_id}")
    answers_table(results)


def _sets_tab(
    access: ArchiveAccess,
    run: RunData,
    askers: Sequence[Asker],
    recommended: Callable[[AnswerSet], str | None],
) -> None:
    key = run_key(run.summary.ref)
    try:
        infos = sets_of(access, key)
    except StoreError as exc:
        st.warning(markdown_literal(str(exc)), icon=":material/warning:")
        return
    if not infos:
        st.caption("No answers are recorded for this run yet.")
        return
    labels = {info.set_id: set_label(info) for info in infos}
    chosen = st.selectbox(
        "Recorded set",
        list(labels),
        format_func={key: clean(label, NOTE_CHARS) for key, label in labels.items()}.__getitem__,
        key=f"{SET_KEY}:{key}",
    )
    try:
        answer_set = load_set(access, chosen)
    except StoreError as exc:
        st.warning(markdown_literal(str(exc)), icon=":material/warning:")
        return
    if answer_set is None:
        st.caption("That set is no longer in the archive.")
        return
    st.caption(markdown_literal(set_facts(answer_set), NOTE_CHARS))
    # Laid out top to bottom, filled once the buttons below the answers have been read: a set that has just
    # been asked for more is read again, so the table shows what was stored.
    head, body = st.empty(), st.container()
    with st.expander("Compare a replacement", icon=":material/compare_arrows:"):
        outcome = _replacement(access, answer_set, askers)
    with head.container():
        outcome = _resume(access, answer_set, askers) or outcome
    if outcome is not None:
        answer_set = load_set(access, answer_set.set_id) or answer_set
        with head.container():  # in place of the button just clicked: how it went, what is still missing
            _say(outcome)
            if (line := missing_line(answer_set)) is not None:
                st.caption(markdown_literal(line))
    with body:
        show_set(answer_set, recommended(answer_set))
        _downloads(answer_set, run.summary.run_id)


# ---- A new set --------------------------------------------------------------------------------------------


def _validation_part(
    config: SourceConfig, run: RunData, client: Callable[[], ChatClient]
) -> tuple[list[SetPrompt], int, int]:
    """The validation examples to record (all, or a sample drawn with a seed): prompts, available, seed."""
    if not run.summary.validation_file:
        st.caption("This job was trained without a validation file: upload prompts instead.")
        return [], 0, DEFAULT_SEED
    use = st.checkbox("The job's validation examples", value=True, key=USE_VALIDATION_KEY)
    if not use:
        return [], 0, DEFAULT_SEED
    examples = validation_set(config, run, client)
    if examples is None:
        return [], 0, DEFAULT_SEED
    available = len(examples.examples)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        n = st.number_input(
            f"Examples (of {available:,})",
            1,
            min(available, MAX_PROMPTS),
            min(available, 50),
            key=EXAMPLES_KEY,
            width=180,
        )
        seed = st.number_input(
            "Sample seed", 0, 2**31 - 1, DEFAULT_SEED, key=SAMPLE_SEED_KEY, width=130,
            help="Which examples a sample draws: the same seed, the same examples.",
        )  # fmt: skip
    chosen = sample_examples(examples.examples, int(n), int(seed), most=MAX_PROMPTS)
    return list(validation_prompts(chosen)), available, int(seed)


def _upload_part(limit: int) -> tuple[list[SetPrompt], str | None]:
    """Prompts from a JSONL file the user uploads (at most ``limit`` bytes, checked line by line)."""
    upload = st.file_uploader(
        "Your prompts (JSONL)",
        type=["jsonl", "json"],
        key=PROMPTS_FILE_KEY,
        help='One {"messages": [...]} per line; a last assistant message is the expected answer. '
        f"At most {MAX_PROMPTS} prompts.",
    )
    if upload is None:
        return [], None
    try:
        data = upload.getvalue()
        if len(data) > limit:
            raise SetFileError(f"The file is larger than {limit / 1e6:g} MB (DASHBOARD_MAX_FILE_MB).")
        parsed = parse_prompt_file(data)
    except SetFileError as exc:
        st.error(markdown_literal(str(exc)), icon=":material/error:")
        return [], None
    st.caption(f"{count(len(parsed.prompts), 'prompt')}, {parsed.with_expected:,} with an expected answer.")
    return list(parsed.prompts), clean(upload.name, 60)


def _parameters() -> AnswerParams:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        temperature = st.number_input(
            "Temperature", 0.0, 2.0, 0.0, 0.1, key=TEMPERATURE_KEY, width=130,
            help="0 answers the most likely way every time: the reference a replacement is measured against.",
        )  # fmt: skip
        max_tokens = st.number_input("Max tokens", 1, 16_384, 256, 32, key=MAX_TOKENS_KEY, width=130)
        seed = st.number_input(
            "Seed", 0, 2**31 - 1, 0, key=SEED_KEY, width=130,
            help="Sent with every request where the provider takes one: answers as repeatable as it allows.",
        )  # fmt: skip
    return AnswerParams(float(temperature), int(max_tokens), int(seed))


def _record_tab(
    access: ArchiveAccess,
    config: SourceConfig,
    run: RunData,
    menu: ModelMenu,
    recommended_id: str | None,
    asker: Asker,
) -> None:
    key = run_key(run.summary.ref)
    picked = pick_models(
        menu,
        "Models to record",
        default_record_models(menu, recommended_id),
        f"{MODELS_KEY}:{key}",
        MAX_RECORD_MODELS,
        "The recommended checkpoint and the final model to start with; add others or the base model.",
    )
    chosen = deployments(menu, picked, DEPLOYMENT_KEY, asker.guard.deployments()) if picked else []
    validation, available, sample_seed = _validation_part(config, run, asker.client)
    uploaded, upload_name = _upload_part(config.limits.max_file_bytes)
    params = _parameters()
    prompts = [*validation, *uploaded][:MAX_PROMPTS]
    models = [set_model(choice, config.name, _endpoint(config.api)) for choice in chosen or []]
    pending = [(model, prompt) for model in models for prompt in prompts]
    cost = estimate_pending(pending, params.max_tokens)
    st.caption(markdown_literal(pending_line(cost, len(prompts), len(models), DEFAULT_WORKERS), NOTE_CHARS))
    ready = bool(pending) and chosen is not None
    asker.guard.show(cost_of(cost) if ready else None)
    if st.button(
        f"Record {count(len(pending), 'answer')}",
        key=RECORD_KEY,
        type="primary",
        icon=":material/radio_button_checked:",
        disabled=not ready,
        help=None if ready else "Pick models (on Azure, name their deployments) and prompts first.",
    ):
        refused = _refusal(pending, lambda _model: asker.guard, params.max_tokens)
        if refused is not None:
            _say(Outcome("error", refused))
            return
        answer_set = new_set(
            run,
            set_name(len(validation), sample_seed, available, upload_name, len(uploaded)),
            prompts,
            models,
            params,
        )
        try:
            start_set(access, config, answer_set)
        except StoreError as exc:
            st.error(markdown_literal(str(exc)), icon=":material/error:")
            return
        st.session_state[f"{SET_KEY}:{key}"] = answer_set.set_id
        _say(_ask(access, answer_set, pending, lambda _model: asker.client()))
        st.caption("The set is under **Recorded sets**.")


def _sets_in_file(data: bytes, limit: int) -> tuple[AnswerSet, ...]:
    """The sets a file holds: a recorded set's JSONL, or a run file exported here (JSON or Parquet)."""
    if len(data) > limit:
        raise SetFileError(f"The file is larger than {limit / 1e6:g} MB (DASHBOARD_MAX_FILE_MB).")
    head = data.lstrip()[:1]
    if data.startswith(b"PAR1") or (head == b"{" and b'"ft-checkpoint-dashboard-export"' in data[:200]):
        return answer_sets_in(data)
    return (read_set_jsonl(data),)


def _open_tab(
    access: ArchiveAccess,
    config: SourceConfig,
    run: RunData,
    recommended: Callable[[AnswerSet], str | None],
    limit: int,
) -> None:
    upload = st.file_uploader(
        "A recorded set: its chat JSONL, or a run file exported here", type=["jsonl", "json", "parquet"],
        key=SET_FILE_KEY,
        help="Every line a chat example with this dashboard's metadata, or the run file of a run with "
        "recorded answers: each set opens as it was exported.",
    )  # fmt: skip
    if upload is None:
        return
    try:
        found = _sets_in_file(upload.getvalue(), limit)
    except MalformedDataError as exc:
        st.error(markdown_literal(str(exc), NOTE_CHARS), icon=":material/error:")
        return
    if not found:
        st.info("This run file carries no recorded answers.", icon=":material/info:")
        return
    labels = {index: f"{answer_set.name} ({answer_set.set_id})" for index, answer_set in enumerate(found)}
    shown = {i: clean(label, NOTE_CHARS) for i, label in labels.items()}
    index = (
        st.selectbox("Set", list(labels), format_func=shown.__getitem__, key=f"{SET_FILE_KEY}:which")
        if len(found) > 1
        else 0
    )
    answer_set = found[index]
    st.caption(markdown_literal(opened_line(answer_set), NOTE_CHARS))
    if answer_set.run_key != run_key(run.summary.ref):
        st.caption(f"Recorded for another run ({code_span(answer_set.run_key)}).")
    show_set(answer_set, recommended(answer_set))
    if st.button("Save to the archive", key=SAVE_SET_KEY, icon=":material/inventory_2:"):
        try:
            saved = import_set(access, config, answer_set)
        except StoreError as exc:
            st.error(markdown_literal(str(exc)), icon=":material/error:")
            return
        st.success(
            "Saved to the archive: it is under Recorded sets of its run."
            if saved
            else "This set is already in the archive.",
            icon=":material/check_circle:",
        )


def run_answer_sets(connection: Connection, run: RunData) -> list[AnswerSet]:
    """Every recorded set of ``run`` this session may see, whole (for the run's export file); none for a run
    whose source keeps nothing in the archive unasked (the demo, files), or when the archive cannot be read
    this time (the page says so where the sets are shown)."""
    config = connection.registry.get(run.summary.ref.source)
    if config is None or config.kind not in (SourceKind.API, SourceKind.ARCHIVE):
        return []
    access = connect_archive(connection.registry)
    try:
        infos = sets_of(access, run_key(run.summary.ref))
        return [found for info in infos if (found := load_set(access, info.set_id)) is not None]
    except StoreError:
        return []


@st.fragment
def recorded_answers(
    connection: Connection,
    config: SourceConfig,
    run: RunData,
    menu: ModelMenu | None,
    recommended_id: str | None,
    client: Callable[[], ChatClient] | None = None,
) -> None:
    """The recorded-answers tabs of a run; ``menu`` and ``client`` are None when its source cannot answer
    (files, the archive), which leaves reading, exporting, opening and comparing a replacement."""
    access = connect_archive(connection.registry)
    if not can_record(access):
        reason = access.problem if access is not None and access.problem else "DASHBOARD_STORE is off."
        st.caption(f"Recorded answers are kept in the archive, and there is none: {markdown_literal(reason)}")
        return
    assert access is not None
    askers = _askers(connection, config, client)
    can_ask = menu is not None and menu.available and client is not None
    names = [SETS_TAB, *([RECORD_TAB] if can_ask else []), OPEN_TAB]
    tabs = dict(
        zip(
            names,
            st.tabs(names, key=f"{TABS_KEY}:{run_key(run.summary.ref)}", on_change="rerun"),
            strict=True,
        )
    )

    def recommended(answer_set: AnswerSet) -> str | None:
        return recommended_in_set(answer_set, menu, recommended_id)

    if tabs[SETS_TAB].open:
        with tabs[SETS_TAB]:
            _sets_tab(access, run, askers, recommended)
    if RECORD_TAB in tabs and tabs[RECORD_TAB].open:
        assert menu is not None and client is not None
        with tabs[RECORD_TAB]:
            _record_tab(access, config, run, menu, recommended_id, askers[0])
    if tabs[OPEN_TAB].open:
        with tabs[OPEN_TAB]:
            _open_tab(access, config, run, recommended, connection.limits.max_file_bytes)
