"""The year's journal: timetable dates, lessons held, marks, attendance, exam sessions and
final grades. Written group by group so that memory stays small.

Marks follow a seeded model: a group's strength, a student's ability and a teacher's
strictness shift each mark, so averages differ between groups (about 3.4 to 4.4) and
teachers. Attendance: illness clustered in winter (whole days), a few excused and truant
days, and per-lesson unexcused absences and lateness; chronic absentees miss a third.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from netspo_lib import models as m
from netspo_lib.enums import (
    AssessmentForm,
    ExamEventKind,
    FinalResult,
    ItemKind,
    WorkKind,
)

from . import catalog, dates
from .curricula import WEEKS
from .plan import StudentPlan, TeacherPlan, Unit, sub_rng

if TYPE_CHECKING:
    from .builder import _Builder

LAG_FROM = date(2026, 6, 17)  # lagging teachers stop filling the journal here
LATE_WINDOW = (date(2026, 3, 2), date(2026, 4, 30))  # late teachers enter ≥ 7 days late
BASE_MARK = 3.95
P_MARK = {"lecture": 0.5, "practical": 0.72, "lab": 0.8, "practice": 0.66, "pe": 0.45}
ORAL_KINDS = (WorkKind.ORAL, WorkKind.WRITTEN, WorkKind.TEST, WorkKind.INDEPENDENT, WorkKind.HOMEWORK)
ORAL_WEIGHTS = (0.45, 0.2, 0.15, 0.1, 0.1)
PRACTICE_KINDS = (ItemKind.EDU_PRACTICE, ItemKind.WORK_PRACTICE)

Acc = dict[tuple[int, int], list[float]]  # (student, item) → [Σwv, Σw, present, lessons]


def _unfilled(t: TeacherPlan, d: date) -> bool:
    """Planted: silent teachers fill nothing from May, lagging ones nothing in the last
    two weeks."""
    return (t.silent and d >= dates.ACTIVITY_START) or (t.lagging and d >= LAG_FROM)


def _entered(rng: random.Random, t: TeacherPlan, d: date, pair: int) -> datetime:
    """When the teacher entered the lesson: mostly the same day, sometimes the next."""
    if t.late and LATE_WINDOW[0] <= d <= LATE_WINDOW[1]:
        when = dates.at(d + timedelta(days=rng.randint(7, 15)), rng.randint(19, 22), rng.randint(0, 59))
    else:
        r = rng.random()
        if r < 0.78:
            when = dates.pair_end(d, pair) + timedelta(minutes=rng.randint(5, 180))
        elif r < 0.97:
            when = dates.at(d + timedelta(days=1), rng.randint(8, 22), rng.randint(0, 59))
        else:
            when = dates.at(d + timedelta(days=rng.randint(2, 4)), rng.randint(17, 22), rng.randint(0, 59))
    if t.account is not None and when < t.account.created_at:
        # A teacher hired late into the system enters the first lessons once the account
        # exists (a consequence of the planted D-3 delay).
        when = t.account.created_at + timedelta(minutes=rng.randint(30, 600))
    return dates.clamp(when)


def _homework(rng: random.Random, unit: Unit, topic: str) -> str | None:
    line = unit.item.line
    if line.kind in PRACTICE_KINDS:
        return catalog.PRACTICE_HOMEWORK if rng.random() < 0.5 else None
    if line.discipline.room == catalog.GYM or rng.random() < 0.3:
        return None
    topic_no = topic.split(" ", 2)[1].rstrip(".") if topic.startswith("Тема ") else "1.1"
    a = rng.randint(1, 40)
    return rng.choice(catalog.HOMEWORK).format(
        topic_no=topic_no, a=a, b=a + rng.randint(2, 6), par=rng.randint(1, 40)
    )


def _lesson_kind(unit: Unit, n: int) -> tuple[str, str]:
    """(kind of the lesson, topic) for the n-th lesson of a unit's part."""
    line = unit.item.line
    topics = line.topics or [line.name]
    planned = max(1, line.pairs * WEEKS[line.semester % 2])
    topic = topics[min(n * len(topics) // planned, len(topics) - 1)]
    if line.kind in PRACTICE_KINDS:
        return "practice", topic
    if line.discipline.room == catalog.GYM:
        return "pe", topic
    h = line.hours
    if n % 8 == 7:
        return "control", f"Контрольная работа № {n // 8 + 1}. {topic}"
    if h["lab"] and n % 4 == 1:
        return "lab", f"{topic}. Лабораторная работа № {n // 4 + 1}"
    if h["practice"] and n % 2 == 1:
        return "practical", f"{topic}. Практическое занятие № {(n + 1) // 2}"
    return "lecture", topic


TT_COLUMNS = (
    "id",
    "lesson_date",
    "pair_number",
    "group_id",
    "subgroup_id",
    "curriculum_item_id",
    "teacher_id",
    "room_id",
    "created_at",
)
LESSON_COLUMNS = (
    "id",
    "group_id",
    "subgroup_id",
    "curriculum_item_id",
    "period_id",
    "teacher_id",
    "timetable_lesson_id",
    "lesson_date",
    "pair_number",
    "hours",
    "topic",
    "homework",
    "created_at",
)
MARK_COLUMNS = (
    "id",
    "lesson_id",
    "student_id",
    "value",
    "weight",
    "work_kind",
    "entered_at",
    "entered_by_id",
    "version",
)
ATTENDANCE_COLUMNS = (
    "id",
    "lesson_id",
    "student_id",
    "code",
    "hours",
    "entered_at",
    "entered_by_id",
    "version",
)
CONTROL, PRACTICAL, LAB, HOMEWORK = (
    WorkKind.CONTROL.value,
    WorkKind.PRACTICAL.value,
    WorkKind.LAB.value,
    WorkKind.HOMEWORK.value,
)
ORAL_VALUES = tuple(k.value for k in ORAL_KINDS)


class _Sinks:
    def __init__(self, b: _Builder) -> None:
        w = b.w
        self.timetable = w.sink(m.TimetableLesson, TT_COLUMNS)
        self.lessons = w.sink(m.Lesson, LESSON_COLUMNS)
        self.marks = w.sink(m.Mark, MARK_COLUMNS)
        self.attendance = w.sink(m.Attendance, ATTENDANCE_COLUMNS)


def write_journal(b: _Builder) -> None:
    """Timetable rows for every date, lessons (except the planted unfilled ones), marks
    and attendance; keeps per-student sums for the final grades."""
    w = b.w
    sinks = _Sinks(b)
    students = b.students
    acc: Acc = {}
    b.journal_acc = acc
    wrong_mark_ids = set(b.rng.sample(sorted(students), min(len(students), max(1, len(students) // 150))))
    ids = b.ids
    total = len(b.groups)
    stage = "Журнал"
    b.progress(stage, 0, total)
    unfilled = 0
    late_lessons = 0
    for gi, g in enumerate(b.groups):
        rosters: dict[int, Roster] = {}  # by the id of an audience list of the group
        for period in (1, 2):
            rng = sub_rng(b.seed, "journal", g.id, period)
            start, end = {1: dates.SEM1, 2: dates.SEM2}[period]
            tt_created = w.ts(dates.at(start - timedelta(days=4), 11))
            plan: dict[int, list[tuple[int, int, Unit, int]]] = defaultdict(list)
            for u in b.units_by_gp[(g.id, period)]:
                for j, (day, pair) in enumerate(u.slots):
                    for k in range(len(u.parts)):
                        plan[day].append((pair, k, u, j))
            for day in plan:
                plan[day].sort(key=lambda x: (x[0], x[2].item.id, x[1]))
            counter: dict[tuple[int, int], int] = defaultdict(int)
            for d in dates.teaching_days(start, end):
                day_value = w.day(d)
                for pair, k, u, j in plan.get(d.weekday(), ()):
                    part = u.parts[k]
                    t = part.teacher
                    item_id = u.item.id
                    tt_id = ids.next("timetable_lessons")
                    sinks.timetable.append(
                        (
                            tt_id,
                            day_value,
                            pair,
                            g.id,
                            part.subgroup_id,
                            item_id,
                            t.person_id,
                            part.rooms[j],
                            tt_created,
                        )
                    )
                    if _unfilled(t, d):
                        unfilled += 1
                        continue
                    n = counter[(item_id, k)]
                    counter[(item_id, k)] = n + 1
                    kind, topic = _lesson_kind(u, n)
                    created = _entered(rng, t, d, pair)
                    if (created.date() - d).days >= 7:
                        late_lessons += 1
                    lesson_id = ids.next("lessons")
                    created_value = w.ts(created)
                    sinks.lessons.append(
                        (
                            lesson_id,
                            g.id,
                            part.subgroup_id,
                            item_id,
                            period,
                            t.person_id,
                            tt_id,
                            day_value,
                            pair,
                            2,
                            topic,
                            _homework(rng, u, topic),
                            created_value,
                        )
                    )
                    audience = part.members or g.student_ids
                    roster = rosters.get(id(audience))
                    if roster is None:
                        roster = rosters[id(audience)] = _roster(audience, students)
                    _lesson_rows(
                        b,
                        sinks,
                        rng,
                        g.strength,
                        t,
                        u,
                        roster,
                        d,
                        kind,
                        lesson_id,
                        created_value,
                        acc,
                        wrong_mark_ids,
                    )
        b.progress(stage, gi + 1, total)
    b.planted["timetable_slots_unfilled"] = unfilled
    b.planted["lessons_entered_late"] = late_lessons


Roster = list[tuple[int, date | None, dict[date, str], bool, float, float, float, float]]


def _roster(audience: list[int], students: dict[int, StudentPlan]) -> Roster:
    """What the hot loop reads of each student of an audience, once per group: id, first
    day without classes, full days missed, PE exemption, the thresholds of a random draw
    (unexcused below ``skip``, excused below ``skip + 0.006``, late below that ``+ late``:
    the same sums, so the same floats, as computed per lesson) and ability."""
    out: Roster = []
    for sid in audience:
        s = students[sid]
        excused = s.skip + 0.006
        out.append((sid, s.ends_on, s.absent_days, s.pe_exempt, s.skip, excused, excused + s.late, s.ability))
    return out


_ORAL_CUM = list(itertools.accumulate(ORAL_WEIGHTS))
_ORAL_TOTAL = _ORAL_CUM[-1] + 0.0
_ORAL_HI = len(ORAL_VALUES) - 1


def _lesson_rows(
    b: _Builder,
    sinks: _Sinks,
    rng: random.Random,
    strength: float,
    t: TeacherPlan,
    u: Unit,
    roster: Roster,
    d: date,
    kind: str,
    lesson_id: int,
    created: object,
    acc: Acc,
    wrong_mark_ids: set[int],
) -> None:
    """Attendance and marks of one lesson (the hot loop of the build).

    The draws from ``rng`` are the same, in the same order, as ever: the data depend on
    them. ``rng.choices(ORAL_VALUES, ORAL_WEIGHTS)[0]`` is inlined as the standard
    library computes it (one ``random()``, a bisection of the cumulative weights)."""
    ids = b.ids
    mark_id = ids.last("marks")
    att_id = ids.last("attendance")
    add_mark, add_absence = sinks.marks.rows.append, sinks.attendance.rows.append
    item_id = u.item.id
    is_pe = kind == "pe"
    is_control = kind == "control"
    mu0 = BASE_MARK + strength - t.strictness + (0.35 if is_pe else 0.15 if kind == "practice" else 0)
    p_mark = P_MARK.get(kind, 1.0)
    work = PRACTICAL if kind in ("practical", "practice", "pe") else LAB if kind == "lab" else None
    by = t.account_id
    random_, gauss = rng.random, rng.gauss
    watch = d >= dates.ACTIVITY_START and by is not None
    candidates = b.wrong_mark_candidates
    for sid, ends_on, absent_days, pe_exempt, skip, excused, late, ability in roster:
        if ends_on is not None and d >= ends_on:
            continue
        key = (sid, item_id)
        a = acc.get(key)
        if a is None:
            a = acc[key] = [0.0, 0.0, 0, 0]
        a[3] += 1
        code = absent_days.get(d)
        if code is None:
            if is_pe and pe_exempt:
                code = "exempt"
            else:
                r = random_()
                if r < skip:
                    code = "unexcused"
                elif r < excused:
                    code = "excused"
                elif r < late:
                    code = "late"
        if code is not None:
            att_id += 1
            if code != "late":
                add_absence((att_id, lesson_id, sid, code, 2, created, by, 1))
                continue
            add_absence((att_id, lesson_id, sid, code, 0, created, by, 1))
        a[2] += 1
        if is_control:
            given: tuple[tuple[str, float], ...] = ((CONTROL, 2.0),)
        elif random_() < p_mark:
            first = work or ORAL_VALUES[bisect_right(_ORAL_CUM, random_() * _ORAL_TOTAL, 0, _ORAL_HI)]
            if work is None and first != HOMEWORK and random_() < 0.08:
                given = ((first, 1.0), (HOMEWORK, 1.0))
            else:
                given = ((first, 1.0),)
        else:
            continue
        base = mu0 + ability
        for work_kind, weight in given:
            v = round(base - (0.2 if weight == 2.0 else 0) + gauss(0, 0.8))
            value = 2 if v < 2 else 5 if v > 5 else v
            mark_id += 1
            add_mark((mark_id, lesson_id, sid, value, weight, work_kind, created, by, 1))
            a[0] += value * weight
            a[1] += weight
            if watch and value <= 3 and sid in wrong_mark_ids:
                candidates[sid] = (mark_id, d, value, t, u)
    ids.set_last("marks", mark_id)
    ids.set_last("attendance", att_id)
    sinks.marks.check()
    sinks.attendance.check()


# ---------------------------------------------------------------------------------------
# Exam sessions and final grades
# ---------------------------------------------------------------------------------------

_EXAM_EVENT = {
    AssessmentForm.EXAM: ExamEventKind.EXAM,
    AssessmentForm.QUAL_EXAM: ExamEventKind.QUAL_EXAM,
    AssessmentForm.COURSE_WORK: ExamEventKind.COURSE_WORK_DEFENSE,
}


def _result(rng: random.Random, a: list[float] | None, credit: bool) -> FinalResult:
    if a is None or a[3] == 0:
        return FinalResult.NOT_ATTESTED
    if a[1] == 0 or a[2] / a[3] < 0.5:
        return FinalResult.NOT_ATTESTED
    score = a[0] / a[1] + rng.gauss(0, 0.3)
    if credit:
        return FinalResult.PASS if score >= 2.75 else FinalResult.FAIL
    if score >= 4.5:
        return FinalResult.FIVE
    if score >= 3.5:
        return FinalResult.FOUR
    if score >= 2.6:
        return FinalResult.THREE
    return FinalResult.TWO


def write_final_grades(b: _Builder) -> None:
    """Exam events of both sessions and final grades of every period; planted: late
    grades of the 1st semester (set in January, D-7) and missing ones of the 2nd."""
    w, ids = b.w, b.ids
    rng = sub_rng(b.seed, "final")
    acc: Acc = b.journal_acc
    stage = "Итоговые оценки"
    b.progress(stage, 0, len(b.groups))
    general_rooms = [r.id for r in b.rooms.rooms if r.kind.value in ("classroom", "lecture")] or [None]
    # Planted choices among (group, item) pairs.
    gradable: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    for u in b.units:
        if u.item.line.assessment and all(pt.teacher.periods == frozenset({1, 2}) for pt in u.parts):
            gradable[u.period].append((u.group.id, u.item.id))
    n_pairs = max(1, len(b.groups) // 15)
    late_pairs = set(rng.sample(gradable[1], min(len(gradable[1]), n_pairs)))
    missing_pairs = set(rng.sample(gradable[2], min(len(gradable[2]), max(1, len(b.groups) // 12))))
    missing_single = max(2, len(b.students) // 300)
    late_count = missing_count = 0
    for gi, g in enumerate(b.groups):
        for period in (1, 2):
            sem = g.semester(period)
            items = [
                it
                for it in b.items_by_curriculum[g.curriculum_id].get(sem, [])
                if it.line.assessment is not None
            ]
            units = {u.item.id: u for u in b.units_by_gp[(g.id, period)]}
            end = (dates.SEM1 if period == 1 else dates.SEM2)[1]
            session = dates.teaching_days(*(dates.SESSION1, dates.SESSION2)[period - 1])
            eligible = [
                b.students[sid]
                for sid in g.student_ids
                if b.students[sid].ends_on is None or b.students[sid].ends_on > end
            ]
            exam_items = [it for it in items if it.line.assessment in _EXAM_EVENT]
            # Every other day of the session first, so that exams get a day to prepare.
            order = [*session[1::2], *session[0::2]]
            exam_day = {it.id: order[k % len(order)] for k, it in enumerate(exam_items)}
            for it in items:
                unit = units.get(it.id)
                if it.line.kind is ItemKind.MODULE:
                    kids = [u for u in units.values() if u.item.parent_id == it.id] or list(units.values())
                    teacher_parts = [kids[0].parts[0]] if kids else []
                    sources = [u.item.id for u in kids]
                elif unit is not None:
                    teacher_parts = unit.parts
                    sources = [it.id]
                else:
                    continue
                if not teacher_parts:
                    continue
                room = general_rooms[(g.id + it.id) % len(general_rooms)]
                if it.id in exam_day:
                    examiner = teacher_parts[0].teacher
                    day = exam_day[it.id]
                    kind = _EXAM_EVENT[it.line.assessment]  # type: ignore[index]
                    created = dates.at(day - timedelta(days=20), 10, g.id % 60)
                    if kind is not ExamEventKind.COURSE_WORK_DEFENSE:
                        w.add(
                            m.ExamEvent,
                            _exam_row(
                                ids.next("exam_events"),
                                g.id,
                                it.id,
                                period,
                                ExamEventKind.CONSULTATION,
                                dates.at(_day_before(day), 13),
                                room,
                                examiner.person_id,
                                created,
                            ),
                        )
                    w.add(
                        m.ExamEvent,
                        _exam_row(
                            ids.next("exam_events"),
                            g.id,
                            it.id,
                            period,
                            kind,
                            dates.at(day, 9),
                            room,
                            examiner.person_id,
                            created,
                        ),
                    )
                key = (g.id, it.id)
                if key in missing_pairs or (
                    period == 2
                    and any(
                        pt.teacher.silent or (pt.teacher.lagging and (g.id + it.id) % 2 == 0)
                        for pt in teacher_parts
                    )
                ):
                    missing_count += len(eligible)
                    continue
                is_late = key in late_pairs
                credit = it.line.assessment is AssessmentForm.CREDIT
                is_pe = it.line.discipline.room == catalog.GYM
                for pt in teacher_parts:
                    t = pt.teacher
                    if is_late:
                        set_day = date(2026, 1, rng.randint(12, 16))
                    elif it.id in exam_day:
                        set_day = exam_day[it.id]
                    else:
                        set_day = rng.choice(session)
                    moment = dates.at(set_day, rng.randint(12, 17), rng.randint(0, 59))
                    members = set(pt.members) if pt.members is not None else None
                    for i, s in enumerate(eligible):
                        if members is not None and s.id not in members:
                            continue
                        if period == 2 and missing_single and rng.random() < 0.004:
                            missing_single -= 1
                            missing_count += 1
                            continue
                        if is_pe and s.pe_exempt:
                            result = FinalResult.EXEMPT
                        elif len(sources) == 1:
                            result = _result(rng, acc.get((s.id, sources[0])), credit)
                        else:
                            merged = [0.0, 0.0, 0, 0]
                            for src in sources:
                                a = acc.get((s.id, src))
                                if a:
                                    merged = [x + y for x, y in zip(merged, a, strict=True)]
                            result = _result(rng, merged, credit)
                        w.add(
                            m.FinalGrade,
                            {
                                "id": ids.next("final_grades"),
                                "student_id": s.id,
                                "curriculum_item_id": it.id,
                                "period_id": period,
                                "result": result.value,
                                "set_by_id": t.account_id,
                                "set_at": dates.clamp(moment + timedelta(seconds=20 * i)),
                                "version": 1,
                            },
                        )
                        late_count += is_late
        b.progress(stage, gi + 1, len(b.groups))
    b.planted["final_grades_late"] = late_count
    b.planted["final_grades_missing"] = missing_count


def _day_before(day: date) -> date:
    """The consultation's day: the previous day, Saturday instead of a Sunday."""
    before = day - timedelta(days=1)
    return before - timedelta(days=1) if before.weekday() == 6 else before


def _exam_row(
    eid: int,
    group_id: int,
    item_id: int,
    period: int,
    kind: ExamEventKind,
    starts: datetime,
    room: int | None,
    examiner: int,
    created: datetime,
) -> dict:
    return {
        "id": eid,
        "group_id": group_id,
        "subgroup_id": None,
        "curriculum_item_id": item_id,
        "period_id": period,
        "kind": kind.value,
        "starts_at": starts,
        "room_id": room,
        "examiner_id": examiner,
        "created_at": created,
    }
