"""The API spec's own examples, verbatim from shared/api.md §1, for tests of the parsers and charts."""

from __future__ import annotations

_MODEL = "ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix"

SPEC_EXAMPLE = [  # the list example: newest first, only full_valid_* metrics
    {
        "object": "fine_tuning.job.checkpoint",
        "id": "ftckpt_zc4Q7MP6XxulcVzj4MZdwsAB",
        "created_at": 1721764867,
        "fine_tuned_model_checkpoint": f"{_MODEL}:96olL566:ckpt-step-2000",
        "metrics": {"full_valid_loss": 0.134, "full_valid_mean_token_accuracy": 0.874},
        "fine_tuning_job_id": "ftjob-abc123",
        "step_number": 2000,
    },
    {
        "object": "fine_tuning.job.checkpoint",
        "id": "ftckpt_enQCFmOTGj3syEpYVhBRLTSy",
        "created_at": 1721764800,
        "fine_tuned_model_checkpoint": f"{_MODEL}:7q8mpxmy:ckpt-step-1000",
        "metrics": {"full_valid_loss": 0.167, "full_valid_mean_token_accuracy": 0.781},
        "fine_tuning_job_id": "ftjob-abc123",
        "step_number": 1000,
    },
]

SPEC_SINGLE = {  # the single-object example: all seven metrics
    "object": "fine_tuning.job.checkpoint",
    "id": "ftckpt_qtZ5Gyk4BLq1SfLFWp3RtO3P",
    "created_at": 1712211699,
    "fine_tuned_model_checkpoint": "ft:gpt-4o-mini-2024-07-18:my-org:custom_suffix:9ABel2dg:ckpt-step-88",
    "fine_tuning_job_id": "ftjob-fpbNQ3H1GrMehXRf8cO97xTN",
    "metrics": {
        "step": 88,
        "train_loss": 0.478,
        "train_mean_token_accuracy": 0.924,
        "valid_loss": 10.112,
        "valid_mean_token_accuracy": 0.145,
        "full_valid_loss": 0.567,
        "full_valid_mean_token_accuracy": 0.944,
    },
    "step_number": 88,
}
