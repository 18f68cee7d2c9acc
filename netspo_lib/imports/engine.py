"""One engine for every kind: validate, plan, and write all or nothing (R-4.2.b, R-4.2.c).

A run is a dry run unless ``commit=True``. Every row is validated before anything is
written; if any row has a problem nothing is written. Each run, dry or not, is kept in
:class:`~netspo_lib.models.ImportRun` and in the audit trail. Nothing here commits: the
caller's transaction holds the whole import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import now
from netspo_lib.enums import ImportOutcome
from netspo_lib.errors import NetspoError
from netspo_lib.imports.reading import read_sheet
from netspo_lib.imports.spec import Kind, convert

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
    for row_no, raw in sheet.rows:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for column in kind.columns:
            try:
                values[column.key] = convert(column, raw.get(column.key))
            except NetspoError as exc:
                problems.append(Problem(row_no, column.title, exc.message))
        converted.append((row_no, values, problems))
    planned = kind.plan(session, actor, [(r, v, bool(p)) for r, v, p in converted])
    for (row_no, values, problems), (action, existing_id, changes, more) in zip(
        converted, planned, strict=True
    ):
        problems = problems + [Problem(row_no, col, msg) for col, msg in more]
        result.problems.extend(problems)
        result.rows.append(RowPlan(row_no, REFUSED if problems else action, values, existing_id, changes))


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
    """
    spec = _kind(kind)
    require(session, actor, Action.DATA_IMPORT, Resource(college_id=actor.college_id, description=spec.title))
    path = Path(path)
    if not path.exists():
        raise NetspoError(f"Файл не найден: {path}.")
    started = now()
    result = ImportResult(spec.name, path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    _validate(session, actor, spec, path, result)
    outcome = ImportOutcome.DRY_RUN
    if result.problems:
        outcome = ImportOutcome.REFUSED
    elif commit:
        todo = [r for r in result.rows if r.action in (INSERT, UPDATE)]
        spec.write(session, actor, todo, progress)
        result.committed = True
        outcome = ImportOutcome.COMMITTED
    if progress is not None and not result.committed:
        progress(len(result.rows), len(result.rows))
    run = m.ImportRun(
        college_id=actor.college_id,
        account_id=actor.account_id,
        kind=spec.name,
        file_name=path.name[:300],
        file_sha256=result.sha256,
        started_at=started,
        finished_at=now(),
        outcome=outcome,
        rows_total=len(result.rows),
        inserted=result.count(INSERT),
        updated=result.count(UPDATE),
        unchanged=result.count(UNCHANGED),
        refused=result.count(REFUSED),
        message="\n".join(str(p) for p in result.problems[:50]) or None,
    )
    session.add(run)
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

    spec = _kind(kind)
    require(session, actor, Action.DATA_EXPORT, Resource(college_id=actor.college_id, description=spec.title))
    return write_rows(spec, spec.rows(session, actor), Path(path))


def write_template(kind: Kind | str, path: str | Path) -> Path:
    """An empty file of ``kind``: instructions above the header row (R-4.2.b)."""
    from netspo_lib.imports.report import write_rows

    return write_rows(_kind(kind), [], Path(path))
