"""A stand-in for the OpenAI fine-tuning read API: synthetic runs and a real HTTP server."""

from .server import DEFAULT_API_KEY, Fault, RecordedRequest, StandInServer
from .synthetic import SyntheticRun, make_checkpoints_only, make_run

__all__ = [
    "DEFAULT_API_KEY",
    "Fault",
    "RecordedRequest",
    "StandInServer",
    "SyntheticRun",
    "make_checkpoints_only",
    "make_run",
]
