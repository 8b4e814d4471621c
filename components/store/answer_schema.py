"""The archive's tables of recorded answers (revision 0004), beside the runs' tables in one ``MetaData``.

- ``answer_sets``: one row per recorded set: its public id, the run it belongs to (``run_key``: the run's
  archive id, with no foreign key, since a set may be recorded before or without the run being stored),
  who recorded it (``owner``, a credential fingerprint, seen as runs are) and how its prompts are asked.
- ``answer_prompts``: the set's prompts in order, each with its key, messages (JSON) and expected answer.
- ``answer_models``: the models asked, in order; a model is its source and name within a set.
- ``recorded_answers``: one row per (model, prompt): the text or the error, usage, latency, time and how it
  was asked. A recording writes each answer as it arrives, so a stopped one keeps every answer it got.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from components.store.schema import metadata

answer_sets = Table(
    "answer_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("set_id", String(40), nullable=False, unique=True),
    Column("owner", String(64), nullable=False),
    Column("run_key", String(128), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("params", Text, nullable=False),  # JSON: temperature, max_tokens, seed
    Index("ix_answer_sets_run_key", "run_key"),
)

answer_prompts = Table(
    "answer_prompts",
    metadata,
    Column("set_pk", Integer, ForeignKey("answer_sets.id", ondelete="CASCADE"), primary_key=True),
    Column("prompt_key", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("messages", Text, nullable=False),  # JSON list of {"role", "content"}
    Column("expected", Text),
)

answer_models = Table(
    "answer_models",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("set_pk", Integer, ForeignKey("answer_sets.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("source", String(32), nullable=False),
    Column("model", String(256), nullable=False),
    Column("label", String(300), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("step", Integer),
    Column("checkpoint_id", String(128)),
    UniqueConstraint("set_pk", "source", "model", name="uq_answer_models_set_model"),
)

answers = Table(
    "recorded_answers",
    metadata,
    Column("model_pk", Integer, ForeignKey("answer_models.id", ondelete="CASCADE"), primary_key=True),
    Column("prompt_key", String(64), primary_key=True),
    Column("set_pk", Integer, ForeignKey("answer_sets.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("error", Text),
    Column("error_kind", String(16)),
    Column("status", Integer),
    Column("request_id", String(128)),
    Column("finish_reason", String(32)),
    Column("tokens_in", Integer),
    Column("tokens_out", Integer),
    Column("usage_reported", Boolean, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    Column("temperature", Float),
    Column("max_tokens", Integer),
    Column("seed", Integer),
    Index("ix_recorded_answers_set_pk", "set_pk"),
)
