"""Curriculum lines of a specialty: which discipline is taught in which semester of study,
with how many pairs a week, its hours and its assessment form.

The same template serves every intake year. Semester numbers are semesters of study
(1..2×courses): a 2nd-course group studies semester 3 in the autumn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netspo_lib.enums import AssessmentForm, ItemKind, SpecialtyKind

from . import catalog
from .catalog import Discipline, SpecialtyTemplate

PAIRS_PER_WEEK = 18  # 36 academic hours a week, the ФГОС maximum of classroom load
WEEKS = {1: 17, 0: 23}  # nominal weeks of an autumn (odd) and a spring (even) semester

A = AssessmentForm
NO_ROOM = "none"  # production practice happens at an enterprise


@dataclass
class Line:
    """One curriculum item before it gets an id."""

    index: str
    name: str
    kind: ItemKind
    semester: int
    assessment: AssessmentForm | None
    discipline: Discipline
    part: tuple[int, int] = (0, 1)  # which share of the topics this semester covers
    module: str | None = None  # «ПМ.01» for МДК, practices and the module row
    weight: float = 2.0
    pairs: int = 0
    hours: dict[str, int] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)

    @property
    def teaches(self) -> bool:
        """Items with classes in the timetable (not the module row, not the ГИА)."""
        return self.kind not in (ItemKind.MODULE, ItemKind.GIA)

    @property
    def discipline_key(self) -> str:
        """Same key over semesters: a group keeps its teacher of a discipline."""
        return f"{self.index}|{self.name}"


def _numbered_topics(d: Discipline) -> list[str]:
    out = []
    for s, section in enumerate(d.sections(), start=1):
        out.extend(f"Тема {s}.{t}. {title}" for t, title in enumerate(section, start=1))
    return out


def _part(items: list[str], part: tuple[int, int]) -> list[str]:
    j, n = part
    lo, hi = len(items) * j // n, len(items) * (j + 1) // n
    return items[lo:hi] or items[-1:]


def _general_block(spec: SpecialtyTemplate) -> list[Line]:
    """The first course: general education (ОУД, ОУП) and the individual project."""
    d = catalog.DISCIPLINES
    p1, p2 = catalog.PROFILE_SUBJECTS[spec.profile]
    both = [
        ("ОУД.01", "Русский язык", A.EXAM),
        ("ОУД.02", "Литература", A.DIFF_CREDIT),
        ("ОУД.03", "Иностранный язык", A.DIFF_CREDIT),
        ("ОУД.04", "Математика", A.EXAM),
        ("ОУД.05", "История", A.DIFF_CREDIT),
        ("ОУД.08", "Физическая культура", A.DIFF_CREDIT),
        ("ОУД.09", "Основы безопасности и защиты Родины", A.DIFF_CREDIT),
        ("ОУП.10", p1, A.EXAM),
        ("ОУД.11", p2, A.DIFF_CREDIT),
    ]
    lines = []
    for index, name, final in both:
        lines.append(Line(index, name, ItemKind.DISCIPLINE, 1, A.OTHER, d[name], (0, 2)))
        lines.append(Line(index, name, ItemKind.DISCIPLINE, 2, final, d[name], (1, 2)))
    lines.append(Line("ОУД.07", "География", ItemKind.DISCIPLINE, 1, A.DIFF_CREDIT, d["География"]))
    lines.append(Line("ОУД.06", "Обществознание", ItemKind.DISCIPLINE, 2, A.DIFF_CREDIT, d["Обществознание"]))
    lines.append(
        Line(
            "ИП.01",
            "Индивидуальный проект",
            ItemKind.DISCIPLINE,
            2,
            A.OTHER,
            d["Индивидуальный проект"],
        )
    )
    return lines


def _spanning(
    index: str, name: str, sems: list[int], final: AssessmentForm, kind=ItemKind.DISCIPLINE
) -> list[Line]:
    """A discipline over several semesters: «другие формы» before the last one."""
    d = catalog.DISCIPLINES[name]
    out = []
    for j, s in enumerate(sems):
        form = final if j == len(sems) - 1 else A.OTHER
        out.append(Line(index, name, kind, s, form, d, (j, len(sems))))
    return out


def _windows(first: int, last: int, n: int) -> list[list[int]]:
    """Split semesters first..last into n consecutive windows (overlapping if too few)."""
    sems = list(range(first, last + 1))
    if n >= len(sems):
        return [[sems[i * len(sems) // n]] for i in range(n)]
    return [sems[i * len(sems) // n : (i + 1) * len(sems) // n] for i in range(n)]


def _module_lines(spec: SpecialtyTemplate, m_i: int, window: list[int]) -> list[Line]:
    module = spec.modules[m_i]
    number = module.index.split(".")[1]
    mdk_d = [catalog.DISCIPLINES[name] for name in module.mdk]
    area = mdk_d[0].area
    lines: list[Line] = []
    for j, s in enumerate(window):
        form = A.QUAL_EXAM if j == len(window) - 1 else None
        lines.append(
            Line(module.index, module.name, ItemKind.MODULE, s, form, Discipline(area), module=module.index)
        )
    # МДК: each in one semester of the window when there are enough of them, else in all.
    for k, (name, d) in enumerate(zip(module.mdk, mdk_d, strict=True)):
        many = len(module.mdk) >= len(window)
        sems = [window[k * len(window) // len(module.mdk)]] if many else window
        index = f"МДК.{number}.{k + 1:02d}"
        final = A.EXAM if k == 0 else A.DIFF_CREDIT
        if m_i == 1 and k == 0:
            final = A.COURSE_WORK
        for line in _spanning(index, name, sems, final, ItemKind.MDK):
            line.module = module.index
            line.weight = d.weight
            lines.append(line)
    # Practices: учебная at the start of the window, производственная at its end.
    mdk_topics = [t.split(". ", 1)[1] for d in mdk_d for t in _numbered_topics(d)]
    edu_room = catalog.WORKSHOP if mdk_d[0].room in (catalog.WORKSHOP, catalog.LAB) else mdk_d[0].room
    for kind, idx, name, sem, room in (
        (ItemKind.EDU_PRACTICE, f"УП.{number}", catalog.EDU_PRACTICE, window[0], edu_room),
        (ItemKind.WORK_PRACTICE, f"ПП.{number}", catalog.WORK_PRACTICE, window[-1], NO_ROOM),
    ):
        line = Line(idx, name, kind, sem, A.DIFF_CREDIT, Discipline(area, room=room), module=module.index)
        line.topics = [f"Вид работ {n}. {t}" for n, t in enumerate(mdk_topics, start=1)]
        lines.append(line)
    return lines


def spec_area(spec: SpecialtyTemplate) -> str:
    """The teachers' area of a specialty's own subjects (its first МДК)."""
    return catalog.DISCIPLINES[spec.modules[0].mdk[0]].area


def curriculum_lines(spec: SpecialtyTemplate) -> list[Line]:
    """Every item of the specialty's curriculum over all its semesters, sorted."""
    last = 2 * spec.courses
    lines = _general_block(spec)
    # Professional modules first: their windows fix the later semesters.
    first_pm = 4 if spec.courses >= 4 else 3
    for m_i, window in enumerate(_windows(first_pm, last, len(spec.modules))):
        lines.extend(_module_lines(spec, m_i, window))
    mid = list(range(3, last))  # ОГСЭ, ЕН and ОП end before the final semester
    if spec.kind is SpecialtyKind.PPSSZ:
        lines += _spanning("ОГСЭ.01", "Основы философии", [3], A.DIFF_CREDIT)
        lines += [
            Line("ОГСЭ.02", "История", ItemKind.DISCIPLINE, 4, A.DIFF_CREDIT, catalog.DISCIPLINES["История"])
        ]
        lines += _spanning("ОГСЭ.03", "Иностранный язык в профессиональной деятельности", mid, A.DIFF_CREDIT)
        pe_index = "ОГСЭ.04"
        if spec.psychology:
            lines += _spanning("ОГСЭ.05", "Психология общения", [5], A.DIFF_CREDIT)
        for k, name in enumerate(spec.en):
            lines += _spanning(f"ЕН.{k + 1:02d}", name, [3 + k % 2], A.EXAM if k == 0 else A.DIFF_CREDIT)
    else:
        pe_index = "ФК.00"
    for j, s in enumerate(mid):
        form = A.DIFF_CREDIT if j == len(mid) - 1 else (A.CREDIT if s % 2 else A.OTHER)
        d = catalog.DISCIPLINES["Физическая культура"]
        lines.append(Line(pe_index, "Физическая культура", ItemKind.DISCIPLINE, s, form, d, (j % 3, 3)))
    # ОП: each placed where the semesters are least loaded.
    for k, (name, n_sems) in enumerate(spec.op):
        load = {s: sum(1 for ln in lines if ln.semester == s and ln.teaches) for s in mid}
        starts = mid[: len(mid) - n_sems + 1]
        start = min(starts, key=lambda s: (max(load[s + i] for i in range(n_sems)), s))
        final = A.EXAM if k % 3 == 0 else A.DIFF_CREDIT
        lines += _spanning(f"ОП.{k + 1:02d}", name, list(range(start, start + n_sems)), final)
    # The final semester: pre-diploma practice and the state final attestation.
    pre = Line(
        "ПДП",
        catalog.PRE_DIPLOMA_PRACTICE,
        ItemKind.WORK_PRACTICE,
        last,
        A.DIFF_CREDIT,
        Discipline(spec_area(spec), room=NO_ROOM),
        weight=3.0,
    )
    pre.topics = _numbered_topics(Discipline("", topics=catalog.PRE_DIPLOMA_TOPICS))
    lines.append(pre)
    lines.append(Line("ГИА", catalog.GIA, ItemKind.GIA, last, None, Discipline("")))
    for ln in lines:
        if ln.kind is ItemKind.DISCIPLINE:
            ln.weight = ln.discipline.weight
        if not ln.topics and ln.teaches:
            ln.topics = _part(_numbered_topics(ln.discipline), ln.part)
    _allocate_pairs(lines, last)
    for ln in lines:
        ln.hours = _hours(ln)
    lines.sort(key=_sort_key)
    return lines


def _allocate_pairs(lines: list[Line], last: int) -> None:
    """Share the week's pairs among a semester's items by weight (largest remainder)."""
    for s in range(1, last + 1):
        items = [ln for ln in lines if ln.semester == s and ln.teaches]
        if not items:
            continue
        total_w = sum(ln.weight for ln in items)
        spare = PAIRS_PER_WEEK - len(items)
        shares = [spare * ln.weight / total_w for ln in items]
        base = [int(x) for x in shares]
        left = spare - sum(base)
        order = sorted(range(len(items)), key=lambda i: (-(shares[i] - base[i]), i))
        for i in order[:left]:
            base[i] += 1
        for ln, b in zip(items, base, strict=True):
            ln.pairs = 1 + b


def _even(x: float) -> int:
    return 2 * round(x / 2)


def _hours(ln: Line) -> dict[str, int]:
    h = dict.fromkeys(("lecture", "practice", "lab", "course_project", "self_study"), 0)
    h.update(consultation=0, exam=0)
    if ln.assessment in (A.EXAM, A.QUAL_EXAM):
        h["exam"] = 6
        h["consultation"] = 2 if ln.kind is not ItemKind.MODULE else 0
    if not ln.teaches:
        return h
    total = ln.pairs * 2 * WEEKS[ln.semester % 2]
    room = ln.discipline.room
    if ln.kind in (ItemKind.EDU_PRACTICE, ItemKind.WORK_PRACTICE) or room == catalog.GYM:
        h["practice"] = total
        return h
    if ln.discipline.area == "foreign":
        h["practice"] = total
    elif room == catalog.COMPUTER:
        h["lecture"] = _even(total * 0.4)
        h["lab"] = _even(total * 0.3) if ln.kind is ItemKind.MDK else 0
    elif room == catalog.LAB:
        h["lecture"] = _even(total * 0.5)
        h["lab"] = _even(total * 0.3)
    elif room == catalog.WORKSHOP:
        h["lecture"] = _even(total * 0.4)
    else:
        h["lecture"] = _even(total * 0.6)
    if ln.assessment is A.COURSE_WORK:
        h["course_project"] = min(20, total - h["lecture"] - h["lab"])
    h["practice"] = total - h["lecture"] - h["lab"] - h["course_project"]
    h["self_study"] = _even(total * 0.1)
    return h


_BLOCKS = {"ОУД": 0, "ОУП": 0, "ИП": 1, "ОГСЭ": 2, "ЕН": 3, "ОП": 4, "ФК": 5, "ПМ": 6}
_SUB = {"ПМ": 0, "МДК": 1, "УП": 2, "ПП": 3}


def _sort_key(ln: Line) -> tuple:
    prefix = ln.index.split(".")[0]
    numbers = tuple(int(n) for n in re.findall(r"\d+", ln.index))
    if prefix in _SUB:
        return (ln.semester, 6, numbers[:1], _SUB[prefix], numbers)
    if prefix == "ПДП":
        return (ln.semester, 7, (), 0, ())
    if prefix == "ГИА":
        return (ln.semester, 8, (), 0, ())
    return (ln.semester, _BLOCKS[prefix], numbers, 0, numbers)
