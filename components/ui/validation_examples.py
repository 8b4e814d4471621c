"""Validation examples: the chosen models answer N examples of the job's validation file, scored.

The file is read once per session when this tab is first opened (one request; never shared between
sessions). Before anything is sent the tab says how many requests and tokens a run costs; on the click the
examples go out with bounded concurrency behind a progress bar, and each example's expected answer stands
beside every model's answer with its exact match and token F1, per model and in total. The results (kept in
this session until the next run) download as a formula-safe CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from components.domain import RunData
from components.errors import DashboardError
from components.inference import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    MAX_EXAMPLES,
    ChatClient,
    Example,
    ModelChoice,
    ValidationOptions,
    ValidationRun,
    ValidationSet,
    ValidationUnavailableError,
    estimate_cost,
    read_validation_set,
    run_validation,
    sample_examples,
)
from components.inference.spending import cost_of
from components.page.validation import (
    ANSWER,
    EXACT,
    best_on_examples,
    cost_line,
    model_columns,
    score_table,
    side_by_side,
)
from components.sources import SourceConfig
from components.text import NOTE_CHARS, markdown_literal
from components.ui.budgets import Guard
from components.ui.errors import show_error
from components.ui.examples_verdict import examples_verdict_panel
from components.ui.session_slot import SessionSlot
from components.wording import count

SET_KEY = "validation_set"
RESULT_KEY = "validation_result"
COUNT_KEY = "validation_count"
MAX_TOKENS_KEY = "validation_max_tokens"
RUN_KEY = "validation_run"
VERDICT_KEY = "validation_verdict"
DEFAULT_MAX_TOKENS = 256


# The validation file of one run, as read with one config (its key included); the last scored run, per run.
EXAMPLES = SessionSlot[ValidationSet](SET_KEY)
RESULT = SessionSlot[ValidationRun](RESULT_KEY)


def validation_set(
    config: SourceConfig, run: RunData, client: Callable[[], ChatClient]
) -> ValidationSet | None:
    """This run's validation examples, read on first use and kept in the session; None after showing
    why not."""
    owner = (config, str(run.summary.ref))
    saved = EXAMPLES.get(owner)
    if saved is not None:
        return saved
    try:
        with st.spinner("Reading the validation file…"):
            examples = read_validation_set(client().api, run)
    except ValidationUnavailableError as exc:  # no validation file, or not one that can be used
        st.info(markdown_literal(str(exc)), icon=":material/block:")
        return None
    except DashboardError as exc:  # the API's own errors: say what, keep the page
        st.warning(
            f"**The validation file could not be read:** {markdown_literal(str(exc))} Open this tab again to "
            "retry.",
            icon=":material/warning:",
        )
        return None
    except Exception as exc:  # a bug: a message in the page, the traceback in the server log
        show_error(exc)
        return None
    EXAMPLES.put(owner, examples)
    return examples


def scores(summary: pd.DataFrame, recommended: str | None) -> None:
    """The per-model scores, then the sentence naming the best model (and the recommended one)."""
    st.table(score_table(summary).set_index("Model"))
    sentence = best_on_examples(summary, recommended)
    if sentence is not None:
        st.caption(markdown_literal(sentence, NOTE_CHARS))


def answers_table(results: pd.DataFrame) -> None:
    """Every example with the expected answer beside each model's: the model's label heads its answer."""
    wide = side_by_side(results)
    config: dict[str, object] = {
        "Line": st.column_config.NumberColumn(width="small"),
        "Question": st.column_config.TextColumn(width="medium"),
        "Expected": st.column_config.TextColumn(width="medium"),
    }
    for model in model_columns(list(wide.columns)):
        if model.kind == ANSWER:
            config[model.column] = st.column_config.TextColumn(model.label, width="medium")
        elif model.kind == EXACT:
            config[model.column] = st.column_config.CheckboxColumn(
                "=", width=40, help=f"{model.label}: exact match"
            )
        else:
            config[model.column] = st.column_config.NumberColumn(
                "F1", format="%.2f", width=50, help=f"{model.label}: token F1"
            )
    st.dataframe(wide, hide_index=True, column_config=config)


def _show(outcome: ValidationRun, run: RunData, recommended: str | None) -> None:
    scores(outcome.summary, recommended)
    examples_verdict_panel(outcome.results, recommended, VERDICT_KEY)
    answers_table(outcome.results)
    st.download_button(
        "Download results (CSV)",
        outcome.csv(),
        file_name=f"{run.summary.run_id}-validation-answers.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def _choices(examples: ValidationSet) -> tuple[tuple[Example, ...], int]:
    """The reader's two numbers: how many examples (drawn with the fixed seed) and the answers' max tokens."""
    available = len(examples.examples)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        n = st.number_input(
            f"Examples (of {available:,})",
            1,
            min(MAX_EXAMPLES, available),
            min(DEFAULT_EXAMPLES, available),
            key=COUNT_KEY,
            width=180,
            help=f"Drawn with a fixed seed ({DEFAULT_SEED}): every model, every run, the same ones.",
        )
        max_tokens = st.number_input(
            "Max tokens", 1, 4_096, DEFAULT_MAX_TOKENS, 32, key=MAX_TOKENS_KEY, width=130
        )
    return sample_examples(examples.examples, int(n)), int(max_tokens)


def _refused(why: str | None) -> bool:
    """Say why a run was not sent, when the budget refused it."""
    if why is not None:
        st.error(markdown_literal(why), icon=":material/block:")
    return why is not None


def validation_panel(
    config: SourceConfig,
    run: RunData,
    asked: Sequence[ModelChoice] | None,
    *,
    client: Callable[[], ChatClient],
    guard: Guard,
    recommended: str | None = None,
) -> None:
    """The validation tab: how many examples, what it costs (and, on the server's key, what is left of the
    user's budget), the Run button, then the scored answers.

    ``asked`` are the models picked above (None while an Azure deployment name is missing); ``client``
    makes the source's chat client when one is needed; ``guard`` charges the user's budget before anything
    is sent; ``recommended`` is the label of the recommended
    checkpoint, to say how it scores beside the best.
    """
    examples = validation_set(config, run, client)
    if examples is None:
        return
    for note in examples.notes:
        st.caption(markdown_literal(note))
    chosen, max_tokens = _choices(examples)
    models = list(asked or [])
    cost = estimate_cost(chosen, len(models), max_tokens=max_tokens)
    st.caption(cost_line(cost, len(chosen), len(models)))
    ready = len(models) >= 1
    budget = st.empty()  # filled below, once a click has been charged
    if st.button(
        f"Run {len(chosen)} examples on {count(len(models), 'model')}",
        key=RUN_KEY,
        type="primary",
        icon=":material/play_arrow:",
        disabled=not ready,
        help=None if ready else "Pick the models above (on Azure, name their deployments) first.",
    ) and not _refused(guard.refuse(cost_of(cost))):
        bar = st.progress(0.0, text=f"0 of {cost.requests} answers")
        outcome = run_validation(
            client(),
            chosen,
            models,
            options=ValidationOptions(temperature=0.0, max_tokens=int(max_tokens)),
            on_progress=lambda done, total: bar.progress(done / total, text=f"{done} of {total} answers"),
        )
        bar.empty()
        RESULT.put(str(run.summary.ref), outcome)
    with budget.container():
        guard.show(cost_of(cost) if ready else None)
    result = RESULT.get(str(run.summary.ref))
    if result is not None:
        _show(result, run, recommended)
