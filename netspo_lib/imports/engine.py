"""One engine for every kind: validate, plan, and write all or nothing (R-4.2.b, R-4.2.c).

A run is a dry run unless ``commit=True``. Every row is validated before anything is
written; if any row has a problem nothing is written. Each run, dry or not, is kept in
:class:`~netspo_lib.models.ImportRun` and in the audit trail. Nothing here commits: the
caller's transaction holds the whole import. The rows are written inside a savepoint: a
write that fails half-way (a refusal of the database, a domain rule) is undone whole and
the run is still recorded, «прервано» with the reason (issue 4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from netspo_lib import audit, refusals
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import now
from netspo_lib.enums import ImportOutcome
from netspo_lib.errors import NetspoError
from netspo_lib.imports.reading import read_sheet
from netspo_lib.imports.spec import Column, Kind, convert

INSERT, UPDATE, UNCHANGED, REFUSED = "insert", "update", "unchanged", "refused"
PLAN_LABELS = {INSERT: "добавить", UPDATE: "изменить", UNCHANGED: "без изменений", REFUSED: "отклонено"}


@dataclass(frozen=True)
class Problem:
    """A problem of one cell or row: the row number as in the file, the column, why."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"строка {self.row}" if self.row else "файл"
        return f"{where}, «{self.column}»: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class RowPlan:
    """What a row would do: insert, update (``changes``), unchanged or refused."""

    row: int
    action: str
    values: dict[str, Any]
    existing_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    kind: str
    file_name: str
    sha256: str
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    committed: bool = False
    run_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in (INSERT, UPDATE, UNCHANGED, REFUSED)}

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[int, int], None]


def _kind(kind: Kind | str) -> Kind:
    from netspo_lib.imports.kinds import kind_by_name

    return kind if isinstance(kind, Kind) else kind_by_name(kind)


def _validate(session: Session, actor: Actor, kind: Kind, path: Path, result: ImportResult) -> None:
    sheet = read_sheet(path, kind)
    result.unknown_columns = sheet.unknown
    for title in sheet.unknown:
        result.problems.append(Problem(sheet.header_row, title, "Неизвестный столбец: он не будет загружен."))
    for title in sheet.missing:
        result.problems.append(Problem(sheet.header_row, title, "Нет обязательного столбца."))
    if sheet.missing:
        return
    converted: list[tuple[int, dict[str, Any], list[Problem]]] = []
    # A column repeats its values (the group, the order, the dates): each distinct cell of a
    # column is converted once. The type is part of the key: 1, 1.0 and True are equal.
    seen: dict[tuple[str, type, object], tuple[Any, str | None]] = {}
    for row_no, raw in sheet.rows:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for column in kind.columns:
            cell = raw.get(column.key)
            key = (column.key, type(cell), cell)
            try:
                done = seen.get(key)
                if done is None:
                    done = seen[key] = _convert(column, cell)
            except TypeError:  # a cell value that cannot be a key: converted each time
                done = _convert(column, cell)
            value, message = done
            if message is None:
                values[column.key] = value
            else:
                problems.append(Problem(row_no, column.title, message))
        converted.append((row_no, values, problems))
    planned = kind.plan(session, actor, [(r, v, bool(p)) for r, v, p in converted])
    for (row_no, values, problems), (action, existing_id, changes, more) in zip(
        converted, planned, strict=True
    ):
        problems = problems + [Problem(row_no, col, msg) for col, msg in more]
        result.problems.extend(problems)
        result.rows.append(RowPlan(row_no, REFUSED if problems else action, values, existing_id, changes))


def _convert(column: Column, raw: object) -> tuple[Any, str | None]:
    """A cell's value, or ``None`` and why it is refused (the message of the row's problem)."""
    try:
        return convert(column, raw), None
    except NetspoError as exc:
        return None, exc.message
    except (ValueError, OverflowError, TypeError):  # «inf», «²»: not a value of the type
        return None, f"Значение «{_cut(raw)}» не распознано."


def _cut(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def run_import(
    session: Session,
    actor: Actor,
    kind: Kind | str,
    path: str | Path,
    *,
    commit: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate a file of ``kind`` and, with ``commit=True`` and no problems, write it.

    The engineer's right ``DATA_IMPORT`` (R-4.2.b) is asked for; the rows are written by
    the domain functions (students by :func:`netspo_lib.movement.enroll`), so the same
    rules hold as when a card is entered by hand. Importing the same file again plans
    no changes: rows are matched by the kind's natural key.

    ``progress(done, total)`` is called as rows are written, with ``done`` growing up to
    ``total``. A write that fails is rolled back to the savepoint: the result then has
    ``committed`` False and a problem saying why, and the history row says «прервано».
    """
    spec = _kind(kind)
    require(session, actor, Action.DATA_IMPORT, Resource(college_id=actor.college_id, description=spec.title))
    path = Path(path)
    if not path.is_file():
        raise NetspoError(
            f"Файл не найден: «{path}»." if not path.exists() else f"«{path}» — не файл, а папка."
        )
    started = now()
    result = ImportResult(spec.name, path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    _validate(session, actor, spec, path, result)
    # The history row goes first: on SQLite its INSERT opens the transaction, so that the
    # savepoint below is nested in the caller's transaction and not its outermost level.
    run = m.ImportRun(
        college_id=actor.college_id, account_id=actor.account_id, kind=spec.name,
        file_name=path.name[:300], file_sha256=result.sha256, started_at=started,
        outcome=ImportOutcome.FAILED, rows_total=len(result.rows),
    )  # fmt: skip
    session.add(run)
    session.flush()
    outcome = ImportOutcome.DRY_RUN
    if result.problems:
        outcome = ImportOutcome.REFUSED
    elif commit:
        todo = [r for r in result.rows if r.action in (INSERT, UPDATE)]
        # The rows go in a savepoint: a failure in the middle undoes them all, and the
        # history row below still records the failed run (issue 4: all or nothing).
        savepoint = session.begin_nested()
        try:
            spec.write(session, actor, todo, progress)
            savepoint.commit()
            result.committed = True
            outcome = ImportOutcome.COMMITTED
        except (NetspoError, DBAPIError) as exc:
            savepoint.rollback()
            if isinstance(exc, NetspoError):
                message = exc.message
            else:
                message = refusals.explain_db_error(exc) or "база данных отклонила запись."
            result.problems.append(Problem(0, "", f"Загрузка прервана, ничего не записано: {message}"))
            outcome = ImportOutcome.FAILED
    if progress is not None and not result.committed:
        progress(len(result.rows), len(result.rows))
    run.finished_at = now()
    run.outcome = outcome
    run.inserted = result.count(INSERT)
    run.updated = result.count(UPDATE)
    run.unchanged = result.count(UNCHANGED)
    run.refused = result.count(REFUSED)
    run.message = "\n".join(str(p) for p in result.problems[:50]) or None
    session.flush()
    result.run_id = run.id
    audit.record(
        session, actor, "import.run", "import_runs", run.id,
        after={"kind": spec.name, "file": path.name, "outcome": outcome.value, **result.counts},
    )  # fmt: skip
    return result


def export_kind(session: Session, actor: Actor, kind: Kind | str, path: str | Path) -> Path:
    """Write every row of ``kind`` in its template's format, so that importing the file
    back plans no changes (R-4.2.b). Formula-like text is neutralised."""
    from netspo_lib.imports.report import write_rows
    from netspo_lib.privacy import PERSONAL_FIELDS, record_export

    spec = _kind(kind)
    require(session, actor, Action.DATA_EXPORT, Resource(college_id=actor.college_id, description=spec.title))
    rows = spec.rows(session, actor)
    written = write_rows(spec, rows, Path(path))
    if any(c.key in PERSONAL_FIELDS for c in spec.columns):  # СНИЛС, birth dates, phones leave the system
        record_export(session, actor, what=spec.title, rows=len(rows), file_name=written.name)
    return written


def write_template(kind: Kind | str, path: str | Path) -> Path:
    """An empty file of ``kind``: instructions above the header row (R-4.2.b)."""
    from netspo_lib.imports.report import write_rows

    return write_rows(_kind(kind), [], Path(path))
