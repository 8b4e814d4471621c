"""Validation examples: the chosen models answer N examples of the job's validation file, scored.

The file is read once per session when this tab is first opened (one request; never shared between
sessions). Before anything is sent the tab says how many requests and tokens a run costs; on the click the
examples go out with bounded concurrency behind a progress bar, and each example's expected answer stands
beside every model's answer with its exact match and token F1, per model and in total. The results (kept in
this session until the next run) download as a formula-safe CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.domain import RunData
from components.errors import DashboardError
from components.inference import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    DEFAULT_WORKERS,
    MAX_EXAMPLES,
    ChatClient,
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
from components.inference.scoring import TOTAL
from components.sources import SourceConfig
from components.text import markdown_literal
from components.ui.errors import show_error
from components.wording import count

SET_KEY = "validation_set"
RESULT_KEY = "validation_result"
COUNT_KEY = "validation_count"
MAX_TOKENS_KEY = "validation_max_tokens"
RUN_KEY = "validation_run"
DEFAULT_MAX_TOKENS = 256


@dataclass(frozen=True)
class _Read:
    """The validation file of one run, as read with one config (its key included)."""

    config: SourceConfig
    run_key: str
    examples: ValidationSet


@dataclass(frozen=True)
class _Result:
    run_key: str
    outcome: ValidationRun


def _validation_set(
    config: SourceConfig, run: RunData, client: Callable[[], ChatClient]
) -> ValidationSet | None:
    """This run's validation examples, read on first use and kept in the session; None after showing
    why not."""
    run_key = str(run.summary.ref)
    saved = st.session_state.get(SET_KEY)
    if isinstance(saved, _Read) and saved.config == config and saved.run_key == run_key:
        return saved.examples
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
    st.session_state[SET_KEY] = _Read(config, run_key, examples)
    return examples


def side_by_side(results: pd.DataFrame) -> pd.DataFrame:
    """One row per example: its question and expected answer, then each model's answer, match and F1."""
    out = results.drop_duplicates("line")[["line", "question", "expected"]].set_index("line")
    for _, frame in results.groupby("model", sort=False):
        label = str(frame["model_label"].iloc[0])
        frame = frame.set_index("line")
        failed = frame["error"] != ""
        out[f"{label}: answer"] = frame["answer"].where(~failed, "⚠ " + frame["error"])
        out[f"{label}: exact"] = frame["exact_match"]
        out[f"{label}: F1"] = frame["token_f1"]
    return out.reset_index().rename(columns={"line": "Line", "question": "Question", "expected": "Expected"})


def score_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-model scores as the page prints them: rates in per cent, F1 to two places (the models'
    names are in the picker above and in the CSV)."""
    return pd.DataFrame(
        {
            "Model": summary["model_label"],
            "Answered": summary["answered"].map("{:,}".format),
            "Errors": summary["errors"].map("{:,}".format),
            "Exact match": summary["exact_match"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}"),
            "Token F1": summary["token_f1"].map(lambda v: "—" if pd.isna(v) else f"{v:.2f}"),
            "Tokens in / out": [
                f"{tokens_in:,} / {tokens_out:,}"
                for tokens_in, tokens_out in zip(summary["tokens_in"], summary["tokens_out"], strict=True)
            ],
        }
    )


def _scores(outcome: ValidationRun, recommended: str | None) -> None:
    st.table(score_table(outcome.summary).set_index("Model"))
    ranked = outcome.summary[outcome.summary["model_label"] != TOTAL].dropna(subset=["token_f1"])
    if len(ranked) < 2:
        return
    ranked = ranked.sort_values(["exact_match", "token_f1"], ascending=False, kind="stable")
    best = ranked.iloc[0]
    words = [
        f"Best on these examples: {markdown_literal(best['model_label'])} (exact match "
        f"{best['exact_match']:.0%}, token F1 {best['token_f1']:.2f})."
    ]
    chosen = ranked[ranked["model_label"] == recommended]
    if recommended is not None and len(chosen) and best["model_label"] != recommended:
        row = chosen.iloc[0]
        words.append(
            f"The recommended checkpoint, picked by its loss, scores {row['exact_match']:.0%} and "
            f"{row['token_f1']:.2f}."
        )
    words.append(
        "Exact match: the answer equals the expected one; token F1: how many of their words they share, "
        "from 0 to 1."
    )
    st.caption(" ".join(words))


def _answers_table(results: pd.DataFrame) -> None:
    """Every example with the expected answer beside each model's: the model's label heads its answer."""
    wide = side_by_side(results)
    config: dict[str, object] = {
        "Line": st.column_config.NumberColumn(width="small"),
        "Question": st.column_config.TextColumn(width="medium"),
        "Expected": st.column_config.TextColumn(width="medium"),
    }
    for column in wide.columns:
        label = column.rsplit(": ", 1)[0]
        if column.endswith(": answer"):
            config[column] = st.column_config.TextColumn(label, width="medium")
        elif column.endswith(": exact"):
            config[column] = st.column_config.CheckboxColumn("=", width=40, help=f"{label}: exact match")
        elif column.endswith(": F1"):
            config[column] = st.column_config.NumberColumn(
                "F1", format="%.2f", width=50, help=f"{label}: token F1"
            )
    st.dataframe(wide, hide_index=True, column_config=config)


def _show(outcome: ValidationRun, run: RunData, recommended: str | None) -> None:
    _scores(outcome, recommended)
    _answers_table(outcome.results)
    st.download_button(
        "Download results (CSV)",
        outcome.csv(),
        file_name=f"{run.summary.run_id}-validation-answers.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def validation_panel(
    config: SourceConfig,
    run: RunData,
    asked: Sequence[ModelChoice] | None,
    *,
    client: Callable[[], ChatClient],
    recommended: str | None = None,
) -> None:
    """The validation tab: how many examples, what it costs, the Run button, then the scored answers.

    ``asked`` are the models picked above (None while an Azure deployment name is missing); ``client``
    makes the source's chat client when one is needed; ``recommended`` is the label of the recommended
    checkpoint, to say how it scores beside the best.
    """
    examples = _validation_set(config, run, client)
    if examples is None:
        return
    for note in examples.notes:
        st.caption(markdown_literal(note))
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
    chosen = sample_examples(examples.examples, int(n))
    models = list(asked or [])
    cost = estimate_cost(chosen, len(models), max_tokens=int(max_tokens))
    st.caption(
        f"Sends {count(cost.requests, 'request')} ({len(chosen)} examples × {count(len(models), 'model')}, "
        f"{DEFAULT_WORKERS} at a time): about {cost.prompt_tokens:,} prompt tokens and "
        f"{cost.output_tokens:,} answer tokens. {cost.how}"
    )
    ready = len(models) >= 1
    if st.button(
        f"Run {len(chosen)} examples on {count(len(models), 'model')}",
        key=RUN_KEY,
        type="primary",
        icon=":material/play_arrow:",
        disabled=not ready,
        help=None if ready else "Pick the models above (on Azure, name their deployments) first.",
    ):
        bar = st.progress(0.0, text=f"0 of {cost.requests} answers")
        outcome = run_validation(
            client(),
            chosen,
            models,
            options=ValidationOptions(temperature=0.0, max_tokens=int(max_tokens)),
            on_progress=lambda done, total: bar.progress(done / total, text=f"{done} of {total} answers"),
        )
        bar.empty()
        st.session_state[RESULT_KEY] = _Result(str(run.summary.ref), outcome)
    result = st.session_state.get(RESULT_KEY)
    if isinstance(result, _Result) and result.run_key == str(run.summary.ref):
        _show(result.outcome, run, recommended)
