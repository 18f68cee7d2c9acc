"""In-memory plan of the demo college: what the builder decides before rows are written.

Ids are assigned here, in Python, so that every table's ids start at 1 and two builds
with one seed give the same ids.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from netspo_lib.enums import AccountStatus, Role, Sex, StudentStatus

from .catalog import SpecialtyTemplate
from .curricula import Line
from .people import Name


class Ids:
    """Next id per table, starting at 1."""

    def __init__(self) -> None:
        self._last: Counter[str] = Counter()

    def next(self, table: str) -> int:
        self._last[table] += 1
        return self._last[table]

    def last(self, table: str) -> int:
        return self._last[table]

    def set_last(self, table: str, value: int) -> None:
        """After a hot loop counted ids locally."""
        self._last[table] = value


def sub_rng(seed: int, *parts: object) -> random.Random:
    """An independent random stream for one part of the build (string seeds hash with
    SHA-512, so the stream does not depend on ``PYTHONHASHSEED``)."""
    return random.Random("netspo-demo/" + "/".join(str(p) for p in (seed, *parts)))


@dataclass
class Item:
    """A curriculum item with its id."""

    id: int
    curriculum_id: int
    parent_id: int | None
    line: Line

    @property
    def semester(self) -> int:
        return self.line.semester


@dataclass
class GroupPlan:
    id: int
    name: str
    spec: SpecialtyTemplate
    specialty_id: int
    department_id: int
    intake: int
    course: int
    curriculum_id: int
    size: int
    strength: float  # shifts the marks of the whole group
    start_pair: int  # the first pair the group's days start with
    student_ids: list[int] = field(default_factory=list)
    curator: TeacherPlan | None = None

    def semester(self, period: int) -> int:
        """Semester of study in period 1 (autumn) or 2 (spring) of 2025/2026."""
        return 2 * (self.course - 1) + period


@dataclass
class Account:
    id: int
    person_id: int
    login: str
    created_at: datetime
    role_kind: str  # activity pattern: teacher, curator, staff, admin, student, parent
    activity: str  # daily, frequent, weekly, rare, never
    password_hash: str | None = None
    issued_at: datetime | None = None
    issued_by: int | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    must_change: bool = True
    grants: list[tuple[Role, str, int | None]] = field(default_factory=list)
    revoked_at: datetime | None = None

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.status is AccountStatus.ACTIVE


@dataclass
class TeacherPlan:
    idx: int
    person_id: int
    name: Name
    area: str
    strictness: float
    periods: frozenset[int] = frozenset({1, 2})
    load: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})
    account: Account | None = None
    department_id: int | None = None
    silent: bool = False  # never logs in; journal from May not filled
    lagging: bool = False  # journal of the last two weeks not filled
    late: bool = False  # lessons of March–April entered a week or more late
    birth: date | None = None

    @property
    def account_id(self) -> int | None:
        return self.account.id if self.account else None


@dataclass
class StudentPlan:
    id: int
    person_id: int
    group_id: int
    name: Name
    sex: Sex
    ability: float
    skip: float  # probability to miss a lesson without a reason
    late: float  # probability to be late
    created_at: datetime
    status: StudentStatus = StudentStatus.STUDYING
    ends_on: date | None = None  # first day without classes (expelled or on leave)
    pe_exempt: bool = False
    absent_days: dict[date, str] = field(default_factory=dict)  # full days missed → code
    account: Account | None = None
    parents: list[tuple[int, Name]] = field(default_factory=list)  # (person id, name)
    parent_accounts: list[Account] = field(default_factory=list)
    row: dict[str, Any] = field(default_factory=dict)  # the students table row
    left_recorded: datetime | None = None  # when the expulsion or leave order was entered

    def active_on(self, d: date) -> bool:
        return self.ends_on is None or d < self.ends_on


@dataclass
class Part:
    """One teacher's share of a unit: the whole group or one subgroup."""

    teacher: TeacherPlan = None  # type: ignore[assignment]  # set by assign_teachers
    subgroup_id: int | None = None
    members: list[int] | None = None  # student ids of the subgroup
    rooms: list[int | None] = field(default_factory=list)  # per slot


@dataclass
class Unit:
    """A group studies an item in a period: pairs a week, teachers, timetable slots."""

    group: GroupPlan
    item: Item
    period: int
    parts: list[Part]
    slots: list[tuple[int, int]] = field(default_factory=list)  # (weekday, pair)

    @property
    def pairs(self) -> int:
        return self.item.line.pairs
