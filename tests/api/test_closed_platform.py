"""A 403 ``training_not_available`` over real HTTP is the platform closing (PlatformClosedError), not a key
that may not read the job; the API's own message travels with it as text, and nothing retries it."""

from __future__ import annotations

import httpx
import pytest

from components.api import FineTuningClient, PermissionDeniedError, PlatformClosedError, make_http_client
from devtools.configs import openai_config
from devtools.standin import (
    DEFAULT_API_KEY,
    TRAINING_NOT_AVAILABLE,
    TRAINING_NOT_AVAILABLE_MESSAGE,
    Fault,
    StandInServer,
    make_checkpoints_only,
)


def _client(standin: StandInServer) -> tuple[httpx.Client, FineTuningClient]:
    config = openai_config(DEFAULT_API_KEY, standin.base_url, max_retries=2)
    http = make_http_client(config.base_url, read_timeout=5, max_retries=2)
    return http, FineTuningClient(http, config)


def test_a_closed_platform_answer_on_a_read_is_a_platform_closed_error(standin: StandInServer) -> None:
    standin.add_run(make_checkpoints_only("ftjob-a", 1))
    closed = Fault(
        "job", "status", status=403, code=TRAINING_NOT_AVAILABLE, message=TRAINING_NOT_AVAILABLE_MESSAGE
    )
    standin.add_faults("ftjob-a", [closed])
    http, client = _client(standin)
    with http, pytest.raises(PlatformClosedError) as info:
        client.get_job("ftjob-a")
    assert info.value.status == 403 and info.value.code == TRAINING_NOT_AVAILABLE
    assert info.value.message == TRAINING_NOT_AVAILABLE_MESSAGE
    assert standin.count("job", "ftjob-a") == 1  # a 403 is never retried


def test_another_403_stays_a_permission_error(standin: StandInServer) -> None:
    standin.add_list_faults([Fault("jobs", "status", status=403, code="insufficient_permissions")])
    http, client = _client(standin)
    with http, pytest.raises(PermissionDeniedError) as info:
        client.jobs_page()
    assert not isinstance(info.value, PlatformClosedError)
