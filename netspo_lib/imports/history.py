"""The history of imports for the engineer's import form (R-4.2.b): every run, dry or
committed, as :class:`~netspo_lib.models.ImportRun` keeps it."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import fmt_datetime

HISTORY_COLUMNS = [
    "Когда",
    "Кто",
    "Вид данных",
    "Файл",
    "Строк",
    "Добавлено",
    "Изменено",
    "Без изменений",
    "Отклонено",
    "Результат",
]


def _kind_title(name: str) -> str:
    from netspo_lib.imports import kinds

    kind = kinds.KINDS.get(name)
    return kind.title if kind is not None else name


def import_history(session: Session, actor: Actor, limit: int = 50, kind: str | None = None) -> pd.DataFrame:
    """The latest ``limit`` import runs of the actor's college, newest first.

    Only those who may import (``Action.DATA_IMPORT``, the engineer) see the history.
    """
    require(
        session,
        actor,
        Action.DATA_IMPORT,
        Resource(college_id=actor.college_id, description="история загрузок"),
    )
    run = m.ImportRun
    query = (
        sa.select(run, m.Person)
        .outerjoin(m.UserAccount, m.UserAccount.id == run.account_id)
        .outerjoin(m.Person, m.Person.id == m.UserAccount.person_id)
        .where(run.college_id == actor.college_id)
        .order_by(run.started_at.desc(), run.id.desc())
        .limit(max(1, int(limit)))
    )
    if kind is not None:
        query = query.where(run.kind == kind)
    rows = [
        [
            fmt_datetime(r.started_at),
            person.short_name if person is not None else "",
            _kind_title(r.kind),
            r.file_name,
            r.rows_total,
            r.inserted,
            r.updated,
            r.unchanged,
            r.refused,
            r.outcome.label,
        ]
        for r, person in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)
