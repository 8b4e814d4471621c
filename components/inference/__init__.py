"""Trying a run's checkpoints on prompts and on validation examples (issue 10). No Streamlit here.

- :func:`model_menu`: which models a run offers (checkpoints, final model, base model), per source;
- :func:`open_chat`: the chat client of a configured source (the demo's answers are built in);
- :func:`iter_answers` / :func:`answer_all`: several models answering at once, streamed side by side;
- :func:`read_validation_set`, :func:`sample_examples`: the job's validation examples;
- :func:`estimate_cost`, :func:`run_validation`: what a run of examples costs, then its scored answers.
"""

from components.api.chat import (
    ChatAnswer,
    ChatClient,
    ChatError,
    ChatRequest,
    estimate_prompt_tokens,
    prompt_messages,
    requests_for,
)
from components.inference.models import MAX_MODELS, ModelChoice, ModelMenu, model_menu
from components.inference.scoring import (
    CostEstimate,
    ValidationOptions,
    ValidationRun,
    estimate_cost,
    exact_match,
    run_validation,
    summarize,
    token_f1,
)
from components.inference.service import InferenceUnavailableError, open_chat
from components.inference.side_by_side import (
    DEFAULT_WORKERS,
    MAX_WORKERS,
    ChatEvent,
    answer_all,
    iter_answers,
)
from components.inference.validation import (
    DEFAULT_EXAMPLES,
    DEFAULT_SEED,
    MAX_EXAMPLES,
    Example,
    ValidationSet,
    ValidationUnavailableError,
    parse_validation_file,
    read_validation_set,
    sample_examples,
)

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "DEFAULT_WORKERS",
    "MAX_EXAMPLES",
    "MAX_MODELS",
    "MAX_WORKERS",
    "ChatAnswer",
    "ChatClient",
    "ChatError",
    "ChatEvent",
    "ChatRequest",
    "CostEstimate",
    "Example",
    "InferenceUnavailableError",
    "ModelChoice",
    "ModelMenu",
    "ValidationOptions",
    "ValidationRun",
    "ValidationSet",
    "ValidationUnavailableError",
    "answer_all",
    "estimate_cost",
    "estimate_prompt_tokens",
    "exact_match",
    "iter_answers",
    "model_menu",
    "open_chat",
    "parse_validation_file",
    "prompt_messages",
    "read_validation_set",
    "requests_for",
    "run_validation",
    "sample_examples",
    "summarize",
    "token_f1",
]
