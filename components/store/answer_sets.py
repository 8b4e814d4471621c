"""Recorded answer sets in the archive: create a set, add models to it, store answers as they arrive, and
read sets back, each visible as the runs are (to the credential that recorded it, or to all in a shared
archive). No request is ever made here: this is what shows a model's answers after the model is gone.

A set's prompts and models are written in one transaction with the set; each answer in its own small one
(replacing a failed answer of the same model and prompt), so a recording stopped at any point keeps every
answer that arrived, and the next one asks only what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite

from components.domain.answers import (
    AnswerParams,
    AnswerSet,
    AnswerSetInfo,
    RecordedAnswer,
    SetModel,
    SetPrompt,
)
from components.store.answer_schema import answer_models, answer_prompts, answer_sets, answers
from components.store.archive_store import ArchiveStore, Viewer, _db_time, _utc
from components.store.engine import WRITE
from components.store.errors import StoreError, store_errors
from components.store.fingerprint import NO_CREDENTIAL

UNKNOWN_MODEL = "An answer names a model that is not part of its set; nothing was stored."
_ANSWER_FIELDS = (
    "text",
    "error",
    "error_kind",
    "status",
    "request_id",
    "finish_reason",
    "tokens_in",
    "tokens_out",
    "usage_reported",
    "seconds",
)


def params_json(params: AnswerParams) -> str:
    return json.dumps(
        {"temperature": params.temperature, "max_tokens": params.max_tokens, "seed": params.seed}
    )


def _params(text: str) -> AnswerParams:
    body = json.loads(text)
    return AnswerParams(body.get("temperature"), body.get("max_tokens"), body.get("seed"))


def _model_row(set_pk: int, position: int, model: SetModel) -> dict[str, Any]:
    return {
        "set_pk": set_pk,
        "position": position,
        "source": model.source,
        "model": model.model,
        "label": model.label,
        "kind": model.kind,
        "endpoint": model.endpoint,
        "step": model.step,
        "checkpoint_id": model.checkpoint_id,
    }


def _answer_row(set_pk: int, model_pk: int, answer: RecordedAnswer) -> dict[str, Any]:
    row = {name: getattr(answer, name) for name in _ANSWER_FIELDS}
    return row | {
        "set_pk": set_pk,
        "model_pk": model_pk,
        "prompt_key": answer.prompt_key,
        "answered_at": _db_time(answer.answered_at),
        "temperature": answer.params.temperature,
        "max_tokens": answer.params.max_tokens,
        "seed": answer.params.seed,
    }


def _upsert_answers(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert answers; an answer already there for the same model and prompt is replaced."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(answers)
    changed = {name: statement.excluded[name] for name in rows[0] if name not in ("model_pk", "prompt_key")}
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[answers.c.model_pk, answers.c.prompt_key], set_=changed
        ),
        rows,
    )


def _recorded(row: Any, model_key: str) -> RecordedAnswer:
    return RecordedAnswer(
        prompt_key=row.prompt_key,
        model_key=model_key,
        text=row.text,
        answered_at=_utc(row.answered_at),
        seconds=row.seconds,
        params=AnswerParams(row.temperature, row.max_tokens, row.seed),
        error=row.error,
        error_kind=row.error_kind,
        status=row.status,
        request_id=row.request_id,
        finish_reason=row.finish_reason,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        usage_reported=bool(row.usage_reported),
    )


def _set_model(row: Any) -> SetModel:
    return SetModel(
        model=row.model,
        label=row.label,
        kind=row.kind,
        source=row.source,
        endpoint=row.endpoint,
        step=row.step,
        checkpoint_id=row.checkpoint_id,
    )


class AnswerStore:
    """The recorded answer sets of one archive (an opened :class:`ArchiveStore`)."""

    def __init__(self, store: ArchiveStore) -> None:
        self._store = store

    def _errors(self, action: str) -> Any:
        config = self._store.config
        return store_errors(action, config.shown, config.secrets)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with (
            self._errors("save the answers"),
            self._store.engine.connect().execution_options(**WRITE) as connection,
            connection.begin(),
        ):
            yield connection

    @staticmethod
    def _visible(viewer: Viewer) -> Any:
        if viewer.shared:
            return true()
        return answer_sets.c.owner.in_(sorted(viewer.fingerprints | {NO_CREDENTIAL}))

    # ---- Writing -------------------------------------------------------------------------------------------

    def create(self, answer_set: AnswerSet, owner: str) -> None:
        """Store a new set (its prompts, models and any answers it already has) in one transaction."""
        with self._write() as connection:
            set_pk = connection.execute(
                insert(answer_sets).returning(answer_sets.c.id),
                {
                    "set_id": answer_set.set_id,
                    "owner": owner,
                    "run_key": answer_set.run_key,
                    "name": answer_set.name[:200],
                    "created_at": _db_time(answer_set.created_at),
                    "params": params_json(answer_set.params),
                },
            ).scalar_one()
            if answer_set.prompts:
                connection.execute(
                    insert(answer_prompts),
                    [
                        {
                            "set_pk": set_pk,
                            "prompt_key": prompt.key,
                            "position": position,
                            "messages": json.dumps([dict(m) for m in prompt.messages], ensure_ascii=True),
                            "expected": prompt.expected,
                        }
                        for position, prompt in enumerate(answer_set.prompts)
                    ],
                )
            self._add_models(connection, set_pk, answer_set.models)
            if answer_set.answers:
                self._put(connection, set_pk, answer_set.answers)

    def add_models(self, set_id: str, models: Sequence[SetModel]) -> None:
        """Models asked later (a replacement): appended to the set; one already in it is left as it is."""
        with self._write() as connection:
            set_pk = self._pk(connection, set_id)
            self._add_models(connection, set_pk, models)

    def put_answers(self, set_id: str, recorded: Sequence[RecordedAnswer]) -> None:
        """Store answers of the set's models (each replaces any earlier one of its model and prompt)."""
        if not recorded:
            return
        with self._write() as connection:
            self._put(connection, self._pk(connection, set_id), recorded)

    def writer(self, set_id: str) -> Callable[[RecordedAnswer], None]:
        """What a recording hands each answer to: one statement and commit per answer (the set's and its
        models' keys are looked up once, again only for a model added since)."""
        keys: dict[str, tuple[int, dict[str, int]]] = {}

        def write(answer: RecordedAnswer) -> None:
            with self._write() as connection:
                if set_id not in keys or answer.model_key not in keys[set_id][1]:
                    set_pk = self._pk(connection, set_id)
                    keys[set_id] = (set_pk, self._model_pks(connection, set_pk))
                set_pk, model_pks = keys[set_id]
                if answer.model_key not in model_pks:
                    raise StoreError(UNKNOWN_MODEL)
                _upsert_answers(connection, [_answer_row(set_pk, model_pks[answer.model_key], answer)])

        return write

    def delete(self, set_id: str, viewer: Viewer) -> bool:
        """Remove a set this viewer may see, with everything in it; whether there was one."""
        with self._write() as connection:
            where = (answer_sets.c.set_id == set_id, self._visible(viewer))
            set_pk = connection.execute(select(answer_sets.c.id).where(*where)).scalar()
            if set_pk is None:
                return False
            for table in (answers, answer_models, answer_prompts):
                connection.execute(delete(table).where(table.c.set_pk == set_pk))
            connection.execute(delete(answer_sets).where(answer_sets.c.id == set_pk))
            return True

    @staticmethod
    def _pk(connection: Connection, set_id: str) -> int:
        set_pk = connection.execute(select(answer_sets.c.id).where(answer_sets.c.set_id == set_id)).scalar()
        if set_pk is None:
            raise StoreError("That answer set is no longer in the archive.")
        return set_pk

    @staticmethod
    def _add_models(connection: Connection, set_pk: int, models: Sequence[SetModel]) -> None:
        rows = connection.execute(
            select(answer_models.c.source, answer_models.c.model, answer_models.c.position).where(
                answer_models.c.set_pk == set_pk
            )
        ).all()
        known = {(row.source, row.model) for row in rows}
        start = max((row.position for row in rows), default=-1) + 1
        new = [model for model in models if (model.source, model.model) not in known]
        if new:
            connection.execute(
                insert(answer_models),
                [_model_row(set_pk, start + offset, model) for offset, model in enumerate(new)],
            )

    @staticmethod
    def _model_pks(connection: Connection, set_pk: int) -> dict[str, int]:
        rows = connection.execute(
            select(answer_models.c.id, answer_models.c.source, answer_models.c.model).where(
                answer_models.c.set_pk == set_pk
            )
        ).all()
        return {SetModel(row.model, "", "base", row.source).key: row.id for row in rows}

    def _put(self, connection: Connection, set_pk: int, recorded: Sequence[RecordedAnswer]) -> None:
        model_pks = self._model_pks(connection, set_pk)
        if {answer.model_key for answer in recorded} - set(model_pks):
            raise StoreError(UNKNOWN_MODEL)
        _upsert_answers(connection, [_answer_row(set_pk, model_pks[a.model_key], a) for a in recorded])

    # ---- Reading -------------------------------------------------------------------------------------------

    def sets_of(self, run_key: str, viewer: Viewer) -> list[AnswerSetInfo]:
        """The sets recorded for a run that this viewer may see, newest first, with their counts."""
        counts = (
            select(
                answers.c.set_pk,
                func.count().label("stored"),
                func.count(answers.c.error).label("failed"),
            )
            .group_by(answers.c.set_pk)
            .subquery()
        )
        prompts = (
            select(answer_prompts.c.set_pk, func.count().label("n"))
            .group_by(answer_prompts.c.set_pk)
            .subquery()
        )
        models = (
            select(answer_models.c.set_pk, func.count().label("n"))
            .group_by(answer_models.c.set_pk)
            .subquery()
        )
        statement = (
            select(
                answer_sets.c.set_id,
                answer_sets.c.name,
                answer_sets.c.created_at,
                func.coalesce(prompts.c.n, 0).label("prompts"),
                func.coalesce(models.c.n, 0).label("models"),
                func.coalesce(counts.c.stored, 0).label("stored"),
                func.coalesce(counts.c.failed, 0).label("failed"),
            )
            .outerjoin(prompts, prompts.c.set_pk == answer_sets.c.id)
            .outerjoin(models, models.c.set_pk == answer_sets.c.id)
            .outerjoin(counts, counts.c.set_pk == answer_sets.c.id)
            .where(answer_sets.c.run_key == run_key, self._visible(viewer))
            .order_by(answer_sets.c.created_at.desc(), answer_sets.c.id.desc())
        )
        with self._errors("be read"), self._store.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [
            AnswerSetInfo(
                row.set_id,
                row.name,
                _utc(row.created_at),
                row.prompts,
                row.models,
                row.stored - row.failed,
                row.failed,
            )
            for row in rows
        ]

    def load(self, set_id: str, viewer: Viewer) -> AnswerSet | None:
        """The whole set (prompts, models, every stored answer); None when this viewer has none by that id."""
        with self._errors("be read"), self._store.engine.connect() as connection:
            head = connection.execute(
                select(answer_sets).where(answer_sets.c.set_id == set_id, self._visible(viewer))
            ).first()
            if head is None:
                return None
            prompt_rows = connection.execute(
                select(answer_prompts)
                .where(answer_prompts.c.set_pk == head.id)
                .order_by(answer_prompts.c.position)
            ).all()
            model_rows = connection.execute(
                select(answer_models)
                .where(answer_models.c.set_pk == head.id)
                .order_by(answer_models.c.position)
            ).all()
            answer_rows = connection.execute(
                select(answers)
                .where(answers.c.set_pk == head.id)
                .order_by(answers.c.model_pk, answers.c.prompt_key)
            ).all()
        models = {row.id: _set_model(row) for row in model_rows}
        return AnswerSet(
            set_id=head.set_id,
            run_key=head.run_key,
            name=head.name,
            created_at=_utc(head.created_at),
            params=_params(head.params),
            prompts=tuple(
                SetPrompt(row.prompt_key, tuple(json.loads(row.messages)), row.expected)
                for row in prompt_rows
            ),
            models=tuple(models.values()),
            answers=tuple(_recorded(row, models[row.model_pk].key) for row in answer_rows),
        ).in_order()
