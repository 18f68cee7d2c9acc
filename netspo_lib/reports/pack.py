"""The report pack for a period (R-4.5.c, R-4.11.d, R-6.3): for every group within the
actor's reach, the consolidated grade sheet (:mod:`reports.grade_sheet`) and the curator's
report (:mod:`reports.curator`), as .xlsx workbooks

* to a folder (one workbook per group, two sheets each) — ``out`` without a suffix;
* to a .zip archive of those workbooks — ``out`` ending in .zip;
* to one workbook with two sheets per group — ``out`` ending in .xlsx.

``progress(done, total, text)`` is called before each group and once at the end.

The tables of all the groups are selected first, a few set-based queries in all
(:func:`curator.curator_reports`, :func:`grade_sheet.grade_sheets`), then
written group by group: 200 groups one by one cost ≈25 queries each. The workbooks are
written by :func:`xlsx_direct.workbook_bytes`: the parts XlsxWriter writes for the same sheets,
byte for byte, without its fixed cost per workbook and per cell (200 workbooks: ≈0.35 s
instead of ≈2.8 s).
"""

from __future__ import annotations

import gc
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import clock
from netspo_lib import models as m
from netspo_lib.access import Action, Actor
from netspo_lib.errors import NetspoError
from netspo_lib.reports.curator import (
    SIGNATURES,
    CuratorReport,
    GroupInfo,
    curator_report,
    curator_reports,
    curator_sheet,
    group_info,
)
from netspo_lib.reports.grade_sheet import grade_sheet, grade_sheets
from netspo_lib.reports.performance import readable_groups
from netspo_lib.tables import Block, SheetSpec
from netspo_lib.xlsx_direct import workbook_bytes

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PackResult:
    path: Path
    groups: int
    files: list[str]  # the workbooks written (names inside the folder or the archive)
    seconds: float


def _quiet(done: int, total: int, text: str) -> None:
    """The default progress callback: report nothing."""


def group_sheets(session: Session, actor: Actor, *, group_id: int, period_id: int) -> list[SheetSpec]:
    """The pack's two sheets of one group: the consolidated grade sheet and the curator's
    report, both with the curator's and the department head's signature lines."""
    info = group_info(session, actor, group_id=group_id, period_id=period_id)
    sheet = grade_sheet(session, actor, group_id=group_id, period_id=period_id)
    return _sheets(info, sheet, curator_report(session, actor, group_id=group_id, period_id=period_id))


def _sheets(info: GroupInfo, sheet: pd.DataFrame, report: CuratorReport) -> list[SheetSpec]:
    signatures: list[str | tuple[str, str]] = [
        (SIGNATURES[0], info.curator) if info.curator else SIGNATURES[0],
        SIGNATURES[1],
    ]
    today = clock.fmt_date(clock.today())
    first = SheetSpec(
        name=f"{info.group} ведомость",
        title=f"Сводная ведомость успеваемости группы {info.group} за {info.period}",
        subtitle=f"{info.college}; {info.department}; группа {info.group}; {info.period}. "
        f"Сформировано {today}",
        blocks=[Block(sheet)],
        signatures=signatures,
    )
    return [first, curator_sheet(report)]


def _all_sheets(
    session: Session, actor: Actor, group_ids: list[int], period_id: int
) -> dict[int, list[SheetSpec]]:
    """Every group's two sheets, from a few queries over all the groups (each batch checks
    the actor's access to the groups itself)."""
    reports = curator_reports(session, actor, period_id=period_id, group_ids=group_ids)
    sheets = grade_sheets(session, actor, period_id=period_id, group_ids=group_ids)
    return {g: _sheets(reports[g].info, sheets[g], reports[g]) for g in group_ids}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the pack is made (and back as it was): its
    few hundred thousand short-lived objects set off hundreds of collections, and a full
    one in a large process (a dashboard's kernel, the benchmark) costs 0.1 s and more;
    reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _file_name(group: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", group).strip("_") or "группа"


def report_pack(
    session: Session,
    actor: Actor,
    *,
    period_id: int,
    out: str | Path,
    group_ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Write the pack of every group the actor may report on (or of the given groups) for
    the period; returns where it went, the workbooks and the seconds it took."""
    started = time.perf_counter()
    report = progress or _quiet
    groups = readable_groups(session, actor, group_ids, Action.REPORT_GROUP)
    names = dict(
        session.execute(sa.select(m.Group.id, m.Group.name).where(m.Group.id.in_(groups or [-1]))).all()
    )
    groups = sorted(groups, key=lambda g: names.get(g, ""))
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in ("", ".zip", ".xlsx"):
        raise NetspoError(
            f"Пакет отчётов сохраняется в папку, в архив .zip или в книгу .xlsx, а не в «{out.name}»."
        )
    total = len(groups)
    files: list[str] = []
    with _gc_paused():
        sheets = _all_sheets(session, actor, groups, period_id)
        if suffix == ".xlsx":
            book: list[SheetSpec] = []
            for done, group_id in enumerate(groups):
                report(done, total, f"Группа {names[group_id]}")
                book += sheets[group_id]
            out.write_bytes(workbook_bytes(book or [SheetSpec("Пакет", "Нет групп для отчёта")]))
            files.append(out.name)
        else:
            archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) if suffix == ".zip" else None
            if archive is None:
                out.mkdir(parents=True, exist_ok=True)
            try:
                for done, group_id in enumerate(groups):
                    report(done, total, f"Группа {names[group_id]}")
                    data = workbook_bytes(sheets[group_id])
                    name = f"{_file_name(names[group_id])}.xlsx"
                    if archive is not None:
                        # An .xlsx is a zip already: stored as it is, not deflated a second time.
                        archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
                    else:
                        (out / name).write_bytes(data)
                    files.append(name)
            finally:
                if archive is not None:
                    archive.close()
    report(total, total, "Готово")
    return PackResult(out, total, files, time.perf_counter() - started)
