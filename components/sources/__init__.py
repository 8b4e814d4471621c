"""Run sources: each turns a provider, a folder or a file into the same :class:`RunData`. No Streamlit."""

from components.sources.base import Progress, RunPage, RunSource, SourceInfo, SourceKind
from components.sources.files import FilesSource, Upload, UploadSource, check_upload
from components.sources.openai import load_run
from components.sources.openai_source import OpenAISource
from components.sources.registry import (
    Registry,
    SourceConfig,
    SourceProblem,
    http_client_for,
    open_source,
    resolve_sources,
    upload_config,
)
from components.sources.together_source import TogetherSource

__all__ = [
    "FilesSource",
    "OpenAISource",
    "Progress",
    "Registry",
    "RunPage",
    "RunSource",
    "SourceConfig",
    "SourceInfo",
    "SourceKind",
    "SourceProblem",
    "TogetherSource",
    "Upload",
    "UploadSource",
    "check_upload",
    "http_client_for",
    "load_run",
    "open_source",
    "resolve_sources",
    "upload_config",
]
