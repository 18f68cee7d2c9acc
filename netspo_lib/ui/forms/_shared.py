"""Small helpers shared by the engineer's forms: choices of periods and groups, uploaded
files in a private temporary folder."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Action, Actor, visible_groups
from netspo_lib.clock import fmt_date, today

_UNSAFE = re.compile(r"[^\w.\- ()№]+", re.UNICODE)


def _period_choices(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """The study periods of the actor's college, newest first: «1 семестр 2025/2026
    (01.09.2025–28.12.2025)»."""
    rows = session.execute(
        sa.select(m.StudyPeriod, m.AcademicYear.name)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(m.AcademicYear.college_id == actor.college_id)
        .order_by(m.StudyPeriod.starts_on.desc(), m.StudyPeriod.ends_on, m.StudyPeriod.id)
    ).all()
    return [(f"{p.name} {year} ({fmt_date(p.starts_on)}–{fmt_date(p.ends_on)})", p.id) for p, year in rows]


def _default_period(session: Session, choices: list[tuple[str, int]], *, ended: bool = False) -> int | None:
    """The period a user most likely means: the latest that has started (with ``ended``,
    that has ended) and has lessons, a semester before its year; else the latest started;
    else the first choice."""
    if not choices:
        return None
    periods = session.scalars(
        sa.select(m.StudyPeriod).where(m.StudyPeriod.id.in_([c[1] for c in choices]))
    ).all()
    day = today()
    started = [p for p in periods if (p.ends_on < day if ended else p.starts_on <= day)]
    if not started:
        return choices[0][1]
    with_lessons = set(
        session.scalars(
            sa.select(m.Lesson.period_id).where(m.Lesson.period_id.in_([p.id for p in started])).distinct()
        )
    )
    pool = [p for p in started if p.id in with_lessons] or started
    best = max(pool, key=lambda p: (p.starts_on, -(p.ends_on - p.starts_on).days))
    return int(best.id)


def _group_choices(session: Session, actor: Actor, action: Action) -> list[tuple[str, int]]:
    """The groups on which ``action`` is allowed to the actor (the library decides)."""
    ids = visible_groups(session, actor, action)
    if not ids:
        return []
    names = dict(session.execute(sa.select(m.Group.id, m.Group.name).where(m.Group.id.in_(ids))).all())
    return sorted(((names[g], g) for g in ids), key=lambda pair: pair[0])


def safe_file_name(name: str, default: str = "файл") -> str:
    """The base name of an uploaded file, without folders or odd characters."""
    base = Path(str(name).replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip(" .") or default
    if len(base) > 120:
        suffix = Path(base).suffix[:10]
        base = base[: 120 - len(suffix)] + suffix
    return base


@contextmanager
def private_file(data: bytes, name: str) -> Iterator[Path]:
    """``data`` saved as ``name`` in a fresh folder only this user can read; removed after."""
    folder = Path(tempfile.mkdtemp(prefix="netspo-upload-"))
    try:
        path = folder / safe_file_name(name)
        path.write_bytes(data)
        path.chmod(0o600)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def private_folder() -> Iterator[Path]:
    """A fresh private temporary folder, removed after."""
    folder = Path(tempfile.mkdtemp(prefix="netspo-out-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
