"""Azure OpenAI as a run source: the OpenAI-shaped fine-tuning API under Azure's paths and credentials.

Everything Azure does differently is in its config (``components.api.config.resolve_azure_config``):
``{endpoint}/openai/v1/...`` paths, or the dated ``{endpoint}/openai/...?api-version=`` ones; the
``api-key`` header, or a Microsoft Entra ID bearer token, never both. Its other differences are data the
shared parsers read as they come: result-file columns (``validation_mean_token_accuracy``, and the older
``training_accuracy`` / ``valid_accuracy``, see ``components.data.results_file``), checkpoint ids
(``ftchkpt-…``) and model names (``gpt-4.1-2025-04-14.ft-<hex>``, ``….ft-<job>:ckpt-step-N``), which are
shown and copied as sent, never parsed.
"""

from __future__ import annotations

from components.api import FineTuningClient
from components.sources.openai import epoch_end_conventions, openai_info
from components.sources.openai_source import OpenAISource

AZURE = "azure"
AZURE_LABEL = "Azure OpenAI"
AZURE_CONVENTIONS = epoch_end_conventions(AZURE_LABEL)  # "three most recent" checkpoints, as OpenAI


def azure_source(client: FineTuningClient) -> OpenAISource:
    """The Azure OpenAI source reading through ``client`` (built from an Azure config)."""
    return OpenAISource(
        client, openai_info(client, name=AZURE, label=AZURE_LABEL, conventions=AZURE_CONVENTIONS)
    )
