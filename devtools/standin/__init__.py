"""A stand-in for the OpenAI fine-tuning read API: synthetic runs, hostile variants and a real HTTP server."""

from .hostile import closed_port_url, metrics_as, with_result_file, with_status, without_fields
from .server import DEFAULT_API_KEY, Fault, RecordedRequest, StandInServer
from .showcase import showcase_runs
from .synthetic import SyntheticRun, make_checkpoints_only, make_run

__all__ = [
    "DEFAULT_API_KEY",
    "Fault",
    "RecordedRequest",
    "StandInServer",
    "SyntheticRun",
    "closed_port_url",
    "make_checkpoints_only",
    "make_run",
    "metrics_as",
    "showcase_runs",
    "with_result_file",
    "with_status",
    "without_fields",
]
