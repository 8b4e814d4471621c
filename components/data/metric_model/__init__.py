"""The open metric model: every numeric series a run logs is a metric, with a split, a kind and a direction.

Pure and small, for the page, charts, compare, store and export to share:

- :func:`classify` / :func:`classify_all`: a logged name (``eval_f1``, ``eval/rewards/margins``,
  ``full_valid_loss``) to a frozen :class:`MetricInfo` by the documented name table (``table.py``);
- :func:`declared_decider`: the metric a ``trainer_state.json`` says it chose by (``best_metric`` at
  ``best_global_step`` or the best checkpoint), and its direction as the run's values show it;
  :func:`together_declared` for Together AI's early stopping;
- :func:`default_decider`: the metric that chooses by default, in a documented order, with its reason;
- :func:`best_index` and :func:`nearest_logged_step`: which value is best, and which logged step a
  checkpoint's metrics come from.

Direction comes from the best evidence and says where it came from (:class:`DirectionSource`): what the
source declares, then the name table, else unknown (drawn, selectable, the user says which way).
"""

from components.data.metric_model.decider import Decider, Rule, default_decider
from components.data.metric_model.declared import Declared, FoundAt, declared_decider, together_declared
from components.data.metric_model.info import (
    Direction,
    DirectionSource,
    Kind,
    MetricInfo,
    Split,
    with_direction,
)
from components.data.metric_model.names import EvalSets, classify, classify_all, eval_sets, parse_name
from components.data.metric_model.priority import base_of
from components.data.metric_model.steps import StepMatch, best_index, logging_interval, nearest_logged_step

__all__ = [
    "Decider",
    "Declared",
    "Direction",
    "DirectionSource",
    "EvalSets",
    "FoundAt",
    "Kind",
    "MetricInfo",
    "Rule",
    "Split",
    "StepMatch",
    "base_of",
    "best_index",
    "classify",
    "classify_all",
    "declared_decider",
    "default_decider",
    "eval_sets",
    "logging_interval",
    "nearest_logged_step",
    "parse_name",
    "together_declared",
    "with_direction",
]
