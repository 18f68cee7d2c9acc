"""Teaching load and the weekly timetable of every group.

Each group's week has 18 pairs (36 hours) Monday–Saturday, pairs 1–5. A teacher, a
room and a group are never booked twice for one weekday and pair, so no date of the
term has a conflict (R-4.4.g). Rooms are created when the timetable needs one more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from netspo_lib.enums import RoomKind

from . import catalog
from .curricula import NO_ROOM
from .dates import PAIRS, WEEKDAYS
from .plan import GroupPlan, TeacherPlan, Unit

MAX_PAIRS_PER_WEEK = 22  # a teacher's weekly load cap, about 1.2 of a full rate

_KIND = {
    catalog.GENERAL: RoomKind.CLASSROOM,
    catalog.COMPUTER: RoomKind.COMPUTER,
    catalog.LAB: RoomKind.LAB,
    catalog.WORKSHOP: RoomKind.WORKSHOP,
    catalog.GYM: RoomKind.GYM,
}
_FLOORS = {catalog.GENERAL: (1, 4, 5), catalog.LAB: (2,), catalog.COMPUTER: (3,)}
_CAPACITY = {catalog.GENERAL: 30, catalog.COMPUTER: 26, catalog.LAB: 26, catalog.WORKSHOP: 15}


@dataclass
class RoomPlan:
    id: int
    number: str
    name: str
    kind: RoomKind
    capacity: int


class RoomPool:
    """Rooms by kind; a new room is opened when all of a kind are busy at a slot."""

    def __init__(self) -> None:
        self.rooms: list[RoomPlan] = []
        self.by_kind: dict[str, list[RoomPlan]] = defaultdict(list)
        self.busy: set[tuple[int, int, int, int]] = set()  # (room, period, day, pair)

    def _open(self, kind: str) -> RoomPlan:
        n = len(self.by_kind[kind])
        names = catalog.ROOM_NAMES[kind]
        if kind == catalog.WORKSHOP:
            number = f"М-{n + 1}"
        elif kind == catalog.GYM:
            number = f"СЗ-{n + 1}"
        else:
            floors = _FLOORS[kind]
            block = n // 40
            building = block // len(floors) + 1
            floor = floors[block % len(floors)]
            number = f"{floor}{n % 40 + 1:02d}"
            if building > 1:
                number = f"{building}-{number}"
        room_kind = _KIND[kind]
        if kind == catalog.GENERAL and n % 6 == 5:
            room_kind = RoomKind.LECTURE
        capacity = 60 if kind == catalog.GYM else _CAPACITY[kind]
        if room_kind is RoomKind.LECTURE:
            capacity = 60
        room = RoomPlan(len(self.rooms) + 1, number, names[n % len(names)], room_kind, capacity)
        self.rooms.append(room)
        self.by_kind[kind].append(room)
        return room

    def take(self, kind: str, period: int, day: int, pair: int) -> int | None:
        if kind == NO_ROOM:
            return None
        for room in self.by_kind[kind]:
            key = (room.id, period, day, pair)
            if key not in self.busy:
                self.busy.add(key)
                return room.id
        room = self._open(kind)
        self.busy.add((room.id, period, day, pair))
        return room.id


def assign_teachers(units: list[Unit], teachers: list[TeacherPlan], area_of: dict[int, str]) -> None:
    """Give every part of every unit a teacher: the same one as in the previous period
    when possible, else the least loaded of the area, else the least loaded overall."""
    by_area: dict[str, list[TeacherPlan]] = defaultdict(list)
    for t in teachers:
        by_area[t.area].append(t)
    keep: dict[tuple[int, str, int], TeacherPlan] = {}
    for unit in sorted(units, key=lambda u: (u.period, u.group.id, u.item.id)):
        p, pairs = unit.period, unit.pairs
        area = unit.item.line.discipline.area or area_of[unit.group.id]
        used: set[int] = set()
        for k, part in enumerate(unit.parts):
            key = (unit.group.id, unit.item.line.discipline_key, k)
            prev = keep.get(key)
            if (
                prev is not None
                and p in prev.periods
                and prev.idx not in used
                and prev.load[p] + pairs <= MAX_PAIRS_PER_WEEK
            ):
                chosen = prev
            else:
                pool = [t for t in by_area.get(area, []) if p in t.periods and t.idx not in used]
                fits = [t for t in pool if t.load[p] + pairs <= MAX_PAIRS_PER_WEEK]
                if not fits:
                    fits = [t for t in teachers if p in t.periods and t.idx not in used]
                chosen = min(fits, key=lambda t: (t.load[p], t.idx))
            chosen.load[p] += pairs
            used.add(chosen.idx)
            part.teacher = chosen
            keep[key] = chosen


def build_timetable(units: list[Unit], groups: list[GroupPlan], rooms: RoomPool) -> int:
    """Place every pair of every unit in its group's week; returns pairs left unplaced."""
    dropped = 0
    by_group: dict[tuple[int, int], list[Unit]] = defaultdict(list)
    for u in units:
        by_group[(u.group.id, u.period)].append(u)
    teacher_busy: set[tuple[int, int, int, int]] = set()  # (teacher, period, day, pair)
    for period in (1, 2):
        for g in groups:
            group_busy: set[tuple[int, int]] = set()
            day_load = [0] * WEEKDAYS
            todo = sorted(by_group[(g.id, period)], key=lambda u: (-len(u.parts), -u.pairs, u.item.id))
            for u in todo:
                kind = u.item.line.discipline.room
                for _ in range(u.pairs):
                    days_used = {d for d, _ in u.slots}
                    candidates = sorted(
                        ((d, p) for d in range(WEEKDAYS) for p in PAIRS if (d, p) not in group_busy),
                        key=lambda dp: (
                            day_load[dp[0]] + (1.5 if dp[0] == 5 else 0) + (2 if dp[0] in days_used else 0),
                            abs(dp[1] - (g.start_pair + day_load[dp[0]])),
                            dp[1],
                            dp[0],
                        ),
                    )
                    for d, p in candidates:
                        if any((pt.teacher.idx, period, d, p) in teacher_busy for pt in u.parts):
                            continue
                        for pt in u.parts:
                            teacher_busy.add((pt.teacher.idx, period, d, p))
                            pt.rooms.append(rooms.take(kind, period, d, p))
                        group_busy.add((d, p))
                        day_load[d] += 1
                        u.slots.append((d, p))
                        break
                    else:
                        dropped += 1
    return dropped


def teachers_needed(students: int) -> int:
    """About one teacher per 20 students, plus a few for small colleges' many subjects."""
    return round(students / 20) + 8


def share_by_demand(total: int, demand: dict[str, float]) -> dict[str, int]:
    """Split ``total`` teachers among areas by demand (D'Hondt), at least one per area
    while there are enough teachers."""
    areas = sorted(demand, key=lambda a: (-demand[a], a))
    seats = dict.fromkeys(areas, 0)
    for a in areas[:total]:
        seats[a] = 1
    for _ in range(total - sum(seats.values())):
        best = max(areas, key=lambda a: (demand[a] / (seats[a] + 1), -areas.index(a)))
        seats[best] += 1
    return seats


def weekly_demand(units: list[Unit], area_of: dict[int, str]) -> dict[str, float]:
    demand: dict[str, float] = defaultdict(float)
    for u in units:
        area = u.item.line.discipline.area or area_of[u.group.id]
        demand[area] += u.pairs * len(u.parts) / 2  # two periods
    return dict(demand)
