"""A stand-in for the fine-tuning read APIs (OpenAI, Azure OpenAI, Together AI): synthetic runs, hostile
variants and a real HTTP server."""

from .azure import AZURE_BASE_MODEL, azure_job_id, make_azure_run
from .closing import FLEET_BASES, TRAINING_NOT_AVAILABLE, TRAINING_NOT_AVAILABLE_MESSAGE, built_on, make_fleet
from .growing import GrowingRun, GrowingTogetherRun, make_growing_run, make_growing_together_run
from .hostile import closed_port_url, metrics_as, with_result_file, with_status, without_fields
from .server import DEFAULT_API_KEY, Fault, RecordedRequest, StandInServer
from .showcase import showcase_runs
from .synthetic import SyntheticRun, make_checkpoints_only, make_run
from .together import TogetherRun, make_together_run, together_job_id

__all__ = [
    "AZURE_BASE_MODEL",
    "DEFAULT_API_KEY",
    "FLEET_BASES",
    "TRAINING_NOT_AVAILABLE",
    "TRAINING_NOT_AVAILABLE_MESSAGE",
    "Fault",
    "GrowingRun",
    "GrowingTogetherRun",
    "RecordedRequest",
    "StandInServer",
    "SyntheticRun",
    "TogetherRun",
    "azure_job_id",
    "built_on",
    "closed_port_url",
    "make_azure_run",
    "make_checkpoints_only",
    "make_fleet",
    "make_growing_run",
    "make_growing_together_run",
    "make_run",
    "make_together_run",
    "metrics_as",
    "showcase_runs",
    "together_job_id",
    "with_result_file",
    "with_status",
    "without_fields",
]
