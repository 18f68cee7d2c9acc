"""The demo college generator: plans the college in Python, then writes it in one
transaction with bulk inserts (see the package docstring for what it contains)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.engine import Connection, Engine

from netspo_lib import models as m
from netspo_lib import summaries
from netspo_lib.enums import (
    AcademicYearStatus,
    AccountStatus,
    ActivityKind,
    CurriculumStatus,
    FundingBasis,
    GroupStatus,
    OrderKind,
    ParentRelation,
    PeriodKind,
    Role,
    ScopeKind,
    Sex,
    SpecialtyKind,
    StudentStatus,
    StudyForm,
)
from netspo_lib.errors import NetspoError

from . import bulk, catalog, dates, people
from .credentials import DemoHashes, bulk_hash
from .curricula import curriculum_lines, spec_area
from .people import Name, PeopleFactory
from .plan import (
    Account,
    GroupPlan,
    Ids,
    Item,
    Part,
    StudentPlan,
    TeacherPlan,
    Unit,
)
from .schedule import (
    RoomPool,
    assign_teachers,
    build_timetable,
    share_by_demand,
    teachers_needed,
    weekly_demand,
)
from .writer import BulkWriter, Row, reset_sequences

Progress = Callable[[str, int, int], None]

DEMO_LOGINS: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.ENGINEER: "engineer",
    Role.HR: "kadry",
    Role.HEAD_OF_STUDIES: "zavuch",
    Role.DEPARTMENT_HEAD: "zavotd",
    Role.COMMISSION_CHAIR: "pck",
    Role.CURATOR: "curator",
    Role.STUDENT: "student",
    Role.PARENT: "parent",
    Role.TEACHER: "teacher",
    Role.DEPUTY_DIRECTOR: "zamdir",
    Role.DIRECTOR: "director",
    Role.METHODIST: "metodist",
}

NOT_EMPTY = "В базе уже есть данные колледжа: демонстрационный колледж строится только в пустой базе."
MIN_STUDENTS = 10

COLLEGE_ID = 1
# Period ids: 2025/2026 semesters 1 and 2 and the year; then 2026/2027 likewise.
PERIOD_ID = {1: 1, 2: 2, 0: 3}
PERIOD_DATES = {1: dates.SEM1, 2: dates.SEM2}
# (group prefix, course) of the first groups, so that even a small demo has both kinds of
# programme and every course; the first one is the demo logins' group.
SHOWCASE = (
    ("ИСП", 3),
    ("ЭБ", 1),
    ("СВ", 2),
    ("ТО", 4),
    ("ПКД", 1),
    ("ЮР", 2),
    ("КСК", 1),
    ("ДО", 3),
    ("МРА", 3),
    ("СЭЗ", 2),
    ("ПК", 1),
)
SESSION = {1: dates.SESSION1, 2: dates.SESSION2}


@dataclass(frozen=True)
class DemoSummary:
    """What was built: the CLI prints it, the dashboards show the demo logins."""

    college_name: str
    seed: int
    as_of: date
    students: int
    groups: int
    staff: int
    teachers: int
    parents: int
    accounts: int
    timetable_lessons: int
    lessons: int
    marks: int
    absences: int
    final_grades: int
    messages: int
    activity_events: int
    logins: dict[str, str]
    planted: dict[str, int] = field(default_factory=dict)

    def count_lines(self) -> list[tuple[str, int]]:
        """(Russian label, number) in the order the CLI prints them."""
        return [
            ("Студентов", self.students),
            ("Учебных групп", self.groups),
            ("Сотрудников", self.staff),
            ("Преподавателей", self.teachers),
            ("Родителей", self.parents),
            ("Учётных записей", self.accounts),
            ("Занятий по расписанию", self.timetable_lessons),
            ("Проведённых занятий", self.lessons),
            ("Отметок", self.marks),
            ("Отметок посещаемости", self.absences),
            ("Итоговых оценок", self.final_grades),
            ("Сообщений", self.messages),
            ("Событий активности", self.activity_events),
        ]

    def login_lines(self) -> list[tuple[str, str]]:
        """(role label, login) for each of the 13 roles."""
        return [(Role(code).label, login) for code, login in self.logins.items()]


def build_demo(
    engine: Engine,
    students: int = 1200,
    seed: int = 2025,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the demo college into an empty database whose schema exists.

    Same ``seed`` and ``students`` give identical rows. Raises ``NetspoError`` and writes
    nothing when the database already holds data. Everything is one transaction: a build
    that fails (or a process killed mid-way) leaves the database as it found it, schema
    and all (``bulk``: the indexes and triggers dropped for the load come back with it).
    """
    if students < MIN_STUDENTS:
        raise NetspoError(f"В демонстрационном колледже должно быть не меньше {MIN_STUDENTS} студентов.")
    with engine.connect() as conn, bulk.build_settings(conn), conn.begin():
        # One transaction: the check for data, the rows and every change of the schema's
        # triggers and indexes below commit together or are rolled back together.
        bulk.begin(conn)
        if _has_data(conn):
            raise NetspoError(NOT_EMPTY)
        # The journal goes in by the hundred thousand rows: the attendance summaries
        # are computed once at the end instead of by a trigger per row, and the
        # secondary indexes (and SQLite's guard triggers) are re-created after the load
        # (bulk.loading); the summaries are then rebuilt with the indexes in place.
        with summaries.suspended(conn):
            builder = _Builder(conn, students, seed, progress or _quiet)
            try:
                with bulk.loading(conn):
                    events = builder.run()
            finally:
                builder.hashes.close()
            summary = builder.finish(events)
        bulk.check_constraints(conn)
    # Fresh statistics after the bulk load: the planners choose the indexes they should
    # (without them PostgreSQL runs the attendance queries 2–3 times slower).
    with engine.begin() as conn:
        conn.exec_driver_sql(_analyze_statement(conn))
    return summary


def _analyze_statement(conn: Connection) -> str:
    """``ANALYZE`` of the workbench's tables. On PostgreSQL a bare ``ANALYZE`` reads every
    table of the database, other schemas included, and waits on their locks (a test
    schema being dropped beside it made it a deadlock victim); the names resolve through
    the connection's search path to this schema's tables."""
    if conn.dialect.name != "postgresql":
        return "ANALYZE"
    quote = conn.dialect.identifier_preparer.quote
    return "ANALYZE " + ", ".join(quote(t.name) for t in m.Base.metadata.sorted_tables)


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def _has_data(conn: Connection) -> bool:
    for table in m.Base.metadata.sorted_tables:
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return True
    return False


def _entry_time(rng: random.Random, d: date) -> datetime:
    """When a document dated ``d`` was entered on time: the same day, or the next day
    when both are Monday–Friday working days (never more than one working day later)."""
    nxt = d + timedelta(days=1)
    if rng.random() < 0.25 and d.weekday() < 4 and dates.is_working_day(nxt):
        d = nxt
    return dates.at(d, rng.randint(9, 16), rng.randint(0, 59))


def _late_entry(rng: random.Random, d: date, low: int, high: int) -> datetime:
    late = dates.add_working_days(d, rng.randint(low, high))
    return dates.at(late, rng.randint(9, 16), rng.randint(0, 59))


class _Builder:
    """One build: the plan in memory, then the rows."""

    def __init__(self, conn: Connection, students: int, seed: int, progress: Progress) -> None:
        self.conn = conn
        self.n_students = students
        self.seed = seed
        self.progress = progress
        self.rng = random.Random(seed)
        self.hashes = DemoHashes(seed, DEMO_LOGINS.values())
        faker = Faker("ru_RU")
        faker.seed_instance(seed)
        self.people = PeopleFactory(faker, self.rng)
        for login in DEMO_LOGINS.values():
            self.people.reserve_login(login)
        self.ids = Ids()
        self.w = BulkWriter(conn)
        self.persons: list[Row] = []
        self.staff_rows: list[Row] = []
        self.accounts: list[Account] = []
        self.demo: dict[Role, Account] = {}
        self.planted: dict[str, int] = {}
        # filled by the stages
        self.groups: list[GroupPlan] = []
        self.students: dict[int, StudentPlan] = {}
        self.teachers: list[TeacherPlan] = []
        self.units: list[Unit] = []
        self.items: dict[int, Item] = {}
        self.items_by_curriculum: dict[int, dict[int, list[Item]]] = {}
        self.rooms = RoomPool()
        self.orders: list[Row] = []
        self.order_items: list[Row] = []
        self.status_changes: list[Row] = []
        self.parent_links: list[Row] = []
        self.subgroups: list[Row] = []
        self.subgroup_members: list[Row] = []
        self.order_no: dict[int, int] = {}
        self.position_id: dict[str, int] = {}
        self.department_ids: list[int] = []
        self.journal_acc: dict[tuple[int, int], list[float]] = {}
        self.wrong_mark_candidates: dict[int, tuple] = {}

    # -----------------------------------------------------------------------------------
    def run(self) -> int:
        """Write every row; returns the number of activity events."""
        stage = "Оргструктура"
        self.progress(stage, 0, 4)
        self.org()
        self.progress(stage, 1, 4)
        self.admin_staff()
        self.progress(stage, 2, 4)
        self.curricula()
        self.progress(stage, 3, 4)
        self.make_groups()
        self.progress(stage, 4, 4)
        self.make_students()
        self.teaching()
        self.roles()
        self.progress("Расписание", 4, 4)
        self.progress("Учётные записи", 0, 1)
        self.student_accounts()
        self.progress("Учётные записи", 1, 1)
        self.write_base()

        from . import activity, comms, journal

        journal.write_journal(self)
        # Every mark is in before any final grade: the database freezes a student's marks
        # of a discipline once its final grade exists (R-4.10.b, netspo_lib.triggers).
        self.w.flush()
        journal.write_final_grades(self)
        forced = comms.write_comms(self)
        events = activity.write_activity(self, forced)
        self.progress("Завершение", 0, 1)
        self.w.flush()
        return events

    def finish(self, events: int) -> DemoSummary:
        """After the load (the indexes are back): last logins, sequences, the summary."""
        self._last_logins()
        reset_sequences(self.conn)
        self.progress("Завершение", 1, 1)
        return self.summary(events)

    def _last_logins(self) -> None:
        """Accounts remember their last login, as the login path records it."""
        accounts, events = m.UserAccount.__table__, m.ActivityEvent.__table__
        last = (
            sa.select(sa.func.max(events.c.at))
            .where(events.c.account_id == accounts.c.id, events.c.kind == ActivityKind.LOGIN.value)
            .scalar_subquery()
        )
        self.conn.execute(accounts.update().values(last_login_at=last))

    # --- helpers ------------------------------------------------------------------------
    def person(
        self,
        name: Name,
        birth: date,
        created: datetime,
        *,
        snils: bool = True,
        phone: bool = True,
        email: str | None = None,
    ) -> int:
        pid = self.ids.next("persons")
        self.persons.append(
            {
                "id": pid,
                "last_name": name.last,
                "first_name": name.first,
                "middle_name": name.middle,
                "birth_date": birth,
                "sex": name.sex.value,
                "snils": self.people.snils() if snils else None,
                "phone": self.people.phone() if phone else None,
                "email": email,
                "created_at": created,
            }
        )
        return pid

    def account(
        self,
        person_id: int,
        login: str,
        created: datetime,
        role_kind: str,
        activity: str,
        *,
        issued: bool = True,
        issued_by: int | None = None,
        demo: Role | None = None,
    ) -> Account:
        acc = Account(
            id=self.ids.next("user_accounts"),
            person_id=person_id,
            login=login,
            created_at=created,
            role_kind=role_kind,
            activity=activity,
        )
        if demo is not None:
            acc.password_hash = self.hashes.get(login)
            acc.must_change = False
            self.demo[demo] = acc
        elif issued:
            acc.password_hash = bulk_hash(self.seed)
        if acc.password_hash:
            acc.issued_at = created + timedelta(minutes=self.rng.randint(10, 240))
            acc.issued_at = dates.clamp(acc.issued_at)
            acc.issued_by = issued_by
            acc.must_change = demo is None and activity == "never"
        self.accounts.append(acc)
        return acc

    def number_orders(self) -> None:
        """Number the orders of each calendar year in the order of their dates («57-к»)."""
        for order in sorted(self.orders, key=lambda o: (o["order_date"], o["created_at"], o["id"])):
            year = order["order_date"].year
            n = self.order_no.get(year)
            n = self.rng.randint(20, 40) if n is None else n + self.rng.randint(1, 3)
            self.order_no[year] = n
            order["number"] = f"{n}-к"

    def order(
        self,
        kind: OrderKind,
        order_date: date,
        title: str,
        created: datetime,
    ) -> int:
        oid = self.ids.next("orders")
        self.orders.append(
            {
                "id": oid,
                "college_id": COLLEGE_ID,
                "kind": kind.value,
                "number": None,  # set by number_orders()
                "order_date": order_date,
                "title": title,
                "signed_by": self.director_signature,
                "entered_by_id": self.demo[Role.HEAD_OF_STUDIES].id,
                "created_at": created,
            }
        )
        return oid

    def order_item(
        self, order_id: int, student_id: int, src: int | None, dst: int | None, on: date, reason: str | None
    ) -> None:
        self.order_items.append(
            {
                "id": self.ids.next("order_items"),
                "order_id": order_id,
                "student_id": student_id,
                "from_group_id": src,
                "to_group_id": dst,
                "effective_on": on,
                "reason": reason,
            }
        )

    def status_change(
        self, s: StudentPlan, status: StudentStatus, on: date, order_id: int, recorded: datetime
    ) -> None:
        self.status_changes.append(
            {
                "id": self.ids.next("student_status_changes"),
                "student_id": s.id,
                "status": status.value,
                "group_id": s.group_id,
                "changed_on": on,
                "order_id": order_id,
                "recorded_at": recorded,
                "recorded_by_id": self.demo[Role.HEAD_OF_STUDIES].id,
            }
        )

    def employ(
        self,
        person_id: int,
        birth: date,
        position: str,
        department_id: int | None,
        *,
        hired_on: date | None = None,
        rate: float = 1.0,
        late_entry: bool = False,
    ) -> datetime:
        """A staff employment with its hire order; returns when it was entered."""
        rng = self.rng
        if hired_on is None:
            years = min(int(rng.expovariate(1 / 7)), 25)
            earliest_year = birth.year + 22
            year = max(2025 - years, earliest_year)
            year = min(year, 2025)
            hired_on = date(year, 8, 25) if rng.random() < 0.7 else date(year, rng.randint(1, 7), 10)
            hired_on = min(hired_on, date(2025, 8, 28))
        order_date = dates.working_day_on_or_before(hired_on - timedelta(days=rng.randint(0, 3)))
        entered = _late_entry(rng, order_date, 6, 9) if late_entry else _entry_time(rng, order_date)
        self.staff_rows.append(
            {
                "id": self.ids.next("staff"),
                "person_id": person_id,
                "college_id": COLLEGE_ID,
                "position_id": self.position_id[position],
                "department_id": department_id,
                "rate": rate,
                "hired_on": max(hired_on, order_date),
                "hire_order_number": f"{rng.randint(12, 260)}-лс",
                "hire_order_date": order_date,
                "dismissed_on": None,
                "dismissal_order_number": None,
                "dismissal_order_date": None,
                "dismissal_entered_at": None,
                "created_at": entered,
            }
        )
        return entered

    def dismiss(self, on: date) -> datetime:
        """Dismiss the last employment added; returns when the dismissal was entered."""
        row = self.staff_rows[-1]
        order_date = dates.working_day_on_or_before(on)
        entered = _entry_time(self.rng, order_date)
        row.update(
            dismissed_on=on,
            dismissal_order_number=f"{self.rng.randint(12, 260)}-лс",
            dismissal_order_date=order_date,
            dismissal_entered_at=entered,
        )
        return entered

    def staff_account_created(self, entered: datetime) -> datetime:
        return max(entered, dates.SYSTEM_START) + timedelta(minutes=self.rng.randint(20, 300))

    def veteran_hire(self, birth: date) -> date:
        """A hire date before the college started to work in the system."""
        return date(self.rng.randint(max(birth.year + 23, 2000), 2020), 8, 25)

    def adult_birth(self, young: int = 1962, old: int = 1998) -> date:
        return self.people.birth_date(date(young, 1, 1), date(old, 12, 31))

    # --- stages -------------------------------------------------------------------------
    def org(self) -> None:
        """The college, its academic years, periods, vacations, specialties, positions."""
        c = catalog.COLLEGE
        self.w.add(
            m.College,
            {
                "id": COLLEGE_ID,
                **c,
                "director_name": None,  # filled once the director exists
                "grading_scale": 5,
                "periods_per_year": 2,
                "created_at": dates.SYSTEM_START,
            },
        )
        self.college_row = self.w.pending["colleges"][-1]
        years = [
            (
                1,
                dates.YEAR_NAME,
                dates.YEAR_START,
                dates.YEAR_END,
                AcademicYearStatus.CURRENT,
                datetime(2025, 6, 20, 10, 30),
                dates.SEM1,
                dates.SEM2,
                dates.WINTER,
                dates.SUMMER,
            ),
            (
                2,
                dates.NEXT_YEAR[0],
                dates.NEXT_YEAR[1],
                dates.NEXT_YEAR[2],
                AcademicYearStatus.PLANNED,
                datetime(2026, 6, 24, 11, 15),
                dates.NEXT_SEM1,
                dates.NEXT_SEM2,
                (date(2026, 12, 29), date(2027, 1, 10)),
                None,
            ),
        ]
        pid = 0
        for yid, name, start, end, status, created, s1, s2, winter, summer in years:
            self.w.add(
                m.AcademicYear,
                {
                    "id": yid,
                    "college_id": COLLEGE_ID,
                    "name": name,
                    "starts_on": start,
                    "ends_on": end,
                    "status": status.value,
                    "created_at": created,
                },
            )
            for kind, number, pname, (a, b) in (
                (PeriodKind.SEMESTER, 1, "1 семестр", s1),
                (PeriodKind.SEMESTER, 2, "2 семестр", s2),
                (PeriodKind.YEAR, 0, "Учебный год", (start, end)),
            ):
                pid += 1
                self.w.add(
                    m.StudyPeriod,
                    {
                        "id": pid,
                        "academic_year_id": yid,
                        "kind": kind.value,
                        "number": number,
                        "name": pname,
                        "starts_on": a,
                        "ends_on": b,
                    },
                )
            for vname, span in (("Зимние каникулы", winter), ("Летние каникулы", summer)):
                if span:
                    self.w.add(
                        m.Vacation,
                        {
                            "id": self.ids.next("vacations"),
                            "academic_year_id": yid,
                            "group_id": None,
                            "name": vname,
                            "starts_on": span[0],
                            "ends_on": span[1],
                        },
                    )
        self.specialty_id: dict[str, int] = {}
        for i, spec in enumerate(catalog.SPECIALTIES, start=1):
            self.specialty_id[spec.code] = i
            self.w.add(
                m.Specialty,
                {
                    "id": i,
                    "code": spec.code,
                    "name": spec.name,
                    "kind": spec.kind.value,
                    "qualification": spec.qualification,
                    "fgos_ref": spec.fgos_ref,
                },
            )
        for i, (name, teaching) in enumerate(catalog.POSITIONS, start=1):
            self.position_id[name] = i
            self.w.add(
                m.Position,
                {"id": i, "college_id": COLLEGE_ID, "name": name, "is_teaching": teaching},
            )
        self.department_of_spec: dict[str, int] = {}
        for i, (_name, _short, codes) in enumerate(catalog.DEPARTMENTS, start=1):
            self.department_ids.append(i)
            for code in codes:
                self.department_of_spec[code] = i

    def admin_staff(self) -> None:
        """The regional administrator, the administration and the department heads."""
        rng = self.rng
        # The administrator of the regional segment is not on the college's staff.
        name = self.people.adult(Sex.MALE)
        pid = self.person(
            name,
            self.adult_birth(1975, 1992),
            dates.SYSTEM_START,
            email=f"{people.translit(name.last)}@edu22.info",
        )
        acc = self.account(
            pid, DEMO_LOGINS[Role.ADMIN], dates.SYSTEM_START, "admin", "daily", demo=Role.ADMIN
        )
        acc.grants.append((Role.ADMIN, "college", None))
        self.admin_account = acc
        self.never_staff: list[Account] = []
        for position, role_code in catalog.ADMIN_STAFF:
            sex = (
                Sex.MALE
                if position in ("Директор", "Инженер-программист")
                else (Sex.FEMALE if rng.random() < 0.75 else Sex.MALE)
            )
            name = self.people.adult(sex)
            birth = self.adult_birth(1962, 1990)
            email = f"{people.login_base(name)}@{catalog.EMAIL_DOMAIN}"
            created = datetime(2014, 1, 1)  # replaced below with the hire entry
            pid = self.person(name, birth, created, email=email)
            # The administration predates the system: it approved the 2022 curricula.
            entered = self.employ(pid, birth, position, None, hired_on=self.veteran_hire(birth))
            self.persons[-1]["created_at"] = entered
            role = Role(role_code) if role_code else None
            login = DEMO_LOGINS[role] if role else self.people.login(people.login_base(name))
            activity = "daily" if role else "weekly"
            acc = self.account(
                pid,
                login,
                self.staff_account_created(entered),
                "staff",
                activity,
                issued_by=self.admin_account.id,
                demo=role,
            )
            if role:
                acc.grants.append((role, "college", None))
            elif position in ("Библиотекарь", "Секретарь учебной части"):
                acc.activity = "never"  # planted: staff who never log in
                acc.must_change = True
                self.never_staff.append(acc)
            if position == "Директор":
                self.director_signature = f"Директор {people.initials(name)} {name.last}"
                self.college_row["director_name"] = f"{name.last} {name.first} {name.middle}"
        self.planted["staff_never_logged_in"] = len(self.never_staff)
        # Department heads; the demo login heads the demo group's department.
        demo_code = next(sp.code for sp in catalog.SPECIALTIES if sp.abbr == SHOWCASE[0][0])
        demo_dept = self.department_of_spec[demo_code]
        self.department_rows: list[Row] = []
        for dept_id, (dname, short, _codes) in zip(self.department_ids, catalog.DEPARTMENTS, strict=True):
            sex = Sex.FEMALE if rng.random() < 0.7 else Sex.MALE
            name = self.people.adult(sex)
            birth = self.adult_birth(1965, 1990)
            pid = self.person(
                name, birth, datetime(2014, 1, 1), email=f"{people.login_base(name)}@{catalog.EMAIL_DOMAIN}"
            )
            entered = self.employ(
                pid, birth, "Заведующий отделением", dept_id, hired_on=self.veteran_hire(birth)
            )
            self.persons[-1]["created_at"] = entered
            is_demo = dept_id == demo_dept
            acc = self.account(
                pid,
                DEMO_LOGINS[Role.DEPARTMENT_HEAD] if is_demo else self.people.login(people.login_base(name)),
                self.staff_account_created(entered),
                "staff",
                "daily",
                issued_by=self.admin_account.id,
                demo=Role.DEPARTMENT_HEAD if is_demo else None,
            )
            acc.grants.append((Role.DEPARTMENT_HEAD, "department", dept_id))
            self.department_rows.append(
                {
                    "id": dept_id,
                    "college_id": COLLEGE_ID,
                    "name": dname,
                    "short_name": short,
                    "head_id": pid,
                    "created_at": dates.SYSTEM_START,
                }
            )

    def curricula(self) -> None:
        """One approved curriculum per specialty and intake year still studying."""
        rng = self.rng
        deputy = self.demo[Role.DEPUTY_DIRECTOR]
        self.curriculum_id: dict[tuple[str, int], int] = {}
        self.curriculum_rows: list[Row] = []
        self.item_rows: list[Row] = []
        for spec in catalog.SPECIALTIES:
            lines = curriculum_lines(spec)
            for course in range(1, spec.courses + 1):
                intake = dates.CURRENT_INTAKE - course + 1
                cid = self.ids.next("curricula")
                self.curriculum_id[(spec.code, intake)] = cid
                approved = max(
                    datetime(intake, 6, rng.randint(16, 27), rng.randint(10, 16)),
                    dates.SYSTEM_START + timedelta(days=10, hours=rng.randint(0, 6)),
                )
                kind = "специальности" if spec.kind is SpecialtyKind.PPSSZ else "профессии"
                self.curriculum_rows.append(
                    {
                        "id": cid,
                        "college_id": COLLEGE_ID,
                        "specialty_id": self.specialty_id[spec.code],
                        "intake_year": intake,
                        "study_form": StudyForm.FULL_TIME.value,
                        "name": f"Учебный план по {kind} {spec.code} «{spec.name}», "
                        f"набор {intake} года, очная форма",
                        "status": CurriculumStatus.APPROVED.value,
                        "approved_by_id": deputy.id,
                        "approved_at": approved,
                        "created_at": approved - timedelta(days=rng.randint(5, 9)),
                    }
                )
                by_sem: dict[int, list[Item]] = defaultdict(list)
                module_id: dict[tuple[str, int], int] = {}
                for ln in lines:
                    iid = self.ids.next("curriculum_items")
                    parent = None
                    if ln.module and ln.index != ln.module:
                        parent = module_id[(ln.module, ln.semester)]
                    elif ln.module:
                        module_id[(ln.module, ln.semester)] = iid
                    item = Item(iid, cid, parent, ln)
                    self.items[iid] = item
                    by_sem[ln.semester].append(item)
                    h = ln.hours
                    self.item_rows.append(
                        {
                            "id": iid,
                            "curriculum_id": cid,
                            "parent_id": parent,
                            "index": ln.index,
                            "name": ln.name,
                            "kind": ln.kind.value,
                            "semester": ln.semester,
                            "lecture_hours": h["lecture"],
                            "practice_hours": h["practice"],
                            "lab_hours": h["lab"],
                            "course_project_hours": h["course_project"],
                            "self_study_hours": h["self_study"],
                            "consultation_hours": h["consultation"],
                            "exam_hours": h["exam"],
                            "assessment": ln.assessment.value if ln.assessment else None,
                        }
                    )
                self.items_by_curriculum[cid] = dict(by_sem)

    def make_groups(self) -> None:
        """≈ students/25 groups over specialties and courses, sizes around 25."""
        rng = self.rng
        n = max(1, round(self.n_students / 25))
        specs = catalog.SPECIALTIES
        slots = [(i, c) for i, spec in enumerate(specs) for c in range(1, spec.courses + 1)]
        # The first groups show the variety (the very first one is the demo group, ИСП of the
        # 3rd course); the rest follow the specialties' weights.
        index = {spec.abbr: i for i, spec in enumerate(specs)}
        first = [(index[abbr], course) for abbr, course in SHOWCASE]
        showcase = first + [s for s in slots if s not in first]
        count: dict[tuple[int, int], int] = defaultdict(int)
        if n <= len(slots):
            for s in showcase[:n]:
                count[s] += 1
        else:
            for s in slots:
                count[s] = 1
            weight = {s: specs[s[0]].weight * (1.0, 0.95, 0.9, 0.85)[s[1] - 1] for s in slots}
            for _ in range(n - len(slots)):
                best = max(slots, key=lambda s: (weight[s] / (count[s] + 1), -slots.index(s)))
                count[best] += 1
        plans = []
        for (spec_i, course), k in sorted(count.items()):
            spec = specs[spec_i]
            intake = dates.CURRENT_INTAKE - course + 1
            for j in range(k):
                suffix = f"-{j + 1}" if k > 1 else ""
                plans.append((self.department_of_spec[spec.code], spec_i, intake, j, spec, course, suffix))
        plans.sort(key=lambda p: p[:4])
        sizes = self._group_sizes([p[5] for p in plans])
        # Group strengths spread evenly (then shuffled), so that even a small demo has
        # strong and weak groups: averages from about 3.4 to 4.4.
        levels = [-0.5 + 0.95 * i / max(1, len(plans) - 1) for i in range(len(plans))]
        rng.shuffle(levels)
        for gi, ((dept, _si, intake, _j, spec, course, suffix), size) in enumerate(
            zip(plans, sizes, strict=True)
        ):
            self.groups.append(
                GroupPlan(
                    id=gi + 1,
                    name=f"{spec.abbr}-{intake % 100:02d}{suffix}",
                    spec=spec,
                    specialty_id=self.specialty_id[spec.code],
                    department_id=dept,
                    intake=intake,
                    course=course,
                    curriculum_id=self.curriculum_id[(spec.code, intake)],
                    size=size,
                    strength=levels[gi] + rng.gauss(0, 0.05),
                    start_pair=1 + gi % 2,
                )
            )
        self.demo_group = next(g for g in self.groups if (g.spec.abbr, g.course) == SHOWCASE[0])

    def _group_sizes(self, courses: list[int]) -> list[int]:
        n = len(courses)
        if n == 1:
            return [self.n_students]
        weights = [self.rng.uniform(0.85, 1.15) * (1.06, 1.0, 0.97, 0.93)[c - 1] for c in courses]
        total_w = sum(weights)
        shares = [self.n_students * w / total_w for w in weights]
        sizes = [int(x) for x in shares]
        order = sorted(range(n), key=lambda i: (-(shares[i] - sizes[i]), i))
        for i in order[: self.n_students - sum(sizes)]:
            sizes[i] += 1
        return sizes

    def make_students(self) -> None:
        """Students with their parents, enrollment orders and status history; then the
        year's movement: expulsions and academic leaves."""
        rng = self.rng
        year_days = dates.teaching_days(*dates.SEM1) + dates.teaching_days(*dates.SEM2)
        by_month: dict[int, list[date]] = defaultdict(list)
        for d in year_days:
            by_month[d.month].append(d)
        months = sorted(by_month)
        sick_weight = {9: 0.6, 10: 1.2, 11: 1.4, 12: 1.2, 1: 1.6, 2: 1.8, 3: 1.2, 4: 0.8, 5: 0.5, 6: 0.3}
        late_cards = max(2, self.n_students // 400)
        current = [g for g in self.groups if g.intake == dates.CURRENT_INTAKE] or self.groups
        late_pool = [g.id for g in current if g is not self.demo_group] or [
            g.id for g in self.groups if g is not self.demo_group
        ]
        late_card_groups = [rng.choice(late_pool) for _ in range(late_cards)] if late_pool else []
        self.planted["student_cards_late"] = 0
        self.progress("Студенты", 0, len(self.groups))
        for gi, g in enumerate(self.groups):
            spec = g.spec
            order_date = dates.working_day_on_or_before(date(g.intake, 8, rng.randint(26, 29)))
            kind = "специальности" if spec.kind is SpecialtyKind.PPSSZ else "профессии"
            oid = self.order(
                OrderKind.ENROLLMENT,
                order_date,
                f"О зачислении на 1 курс по {kind} {spec.code} «{spec.name}», группа {g.name}",
                _entry_time(rng, order_date),
            )
            enrolled = date(g.intake, 9, 1)
            late_here = late_card_groups.count(g.id)
            for k in range(g.size):
                sex = Sex.MALE if rng.random() < catalog.MALE_SHARE[spec.abbr] else Sex.FEMALE
                surname = self.people.surname_pair()
                father = self.people.father_name()
                name = self.people.child(sex, surname, father)
                extra = rng.choices((0, 1, 2), (0.65, 0.27, 0.08))[0]
                age = min(15 + g.course - 1 + extra, 20)
                birth = date(2025 - age - 1, 9, 2) + timedelta(days=rng.randint(0, 364))
                is_late = k < late_here
                created = _late_entry(rng, order_date, 3, 6) if is_late else _entry_time(rng, order_date)
                if is_late:
                    self.planted["student_cards_late"] += 1
                email = self.people.personal_email(name, birth.year) if rng.random() < 0.7 else None
                pid = self.person(name, birth, created, phone=rng.random() < 0.9, email=email)
                sid = self.ids.next("students")
                chronic = rng.random() < 0.06
                s = StudentPlan(
                    id=sid,
                    person_id=pid,
                    group_id=g.id,
                    name=name,
                    sex=sex,
                    ability=rng.gauss(0, 0.45) - (0.35 if chronic else 0),
                    skip=rng.uniform(0.22, 0.4) if chronic else rng.uniform(0.03, 0.18),
                    late=rng.uniform(0.005, 0.04),
                    created_at=created,
                    pe_exempt=rng.random() < 0.015,
                )
                self.students[sid] = s
                g.student_ids.append(sid)
                self._absences(s, rng, by_month, months, sick_weight, chronic)
                s.row = {
                    "id": sid,
                    "person_id": pid,
                    "group_id": g.id,
                    "status": StudentStatus.STUDYING.value,
                    "basis": (
                        FundingBasis.CONTRACT
                        if rng.random() < (0.35 if spec.abbr in ("ЭБ", "ЮР") else 0.12)
                        else FundingBasis.BUDGET
                    ).value,
                    "record_book_number": f"{g.intake % 100:02d}-{sid:05d}",
                    "enrolled_on": enrolled,
                    "enrollment_order_id": oid,
                    "left_on": None,
                    "address": self.people.address(),
                    "previous_education": (
                        "среднее общее образование (11 классов)"
                        if extra == 2
                        else "основное общее образование (9 классов)"
                    ),
                    "created_at": created,
                }
                self.order_item(oid, sid, None, g.id, enrolled, None)
                self.status_change(s, StudentStatus.STUDYING, enrolled, oid, created)
                self._parents(s, surname, father, birth, created)
            self.progress("Студенты", gi + 1, len(self.groups))
        self._course_transfers()
        self._movement()

    def _absences(
        self,
        s: StudentPlan,
        rng: random.Random,
        by_month: dict[int, list[date]],
        months: list[int],
        sick_weight: dict[int, float],
        chronic: bool,
    ) -> None:
        """Full days missed: illness clustered in winter, a few excused and truant days."""
        weights = [sick_weight[mo] for mo in months]
        for _ in range(rng.choices((0, 1, 2, 3, 4), (0.25, 0.35, 0.25, 0.1, 0.05))[0]):
            start = rng.choice(by_month[rng.choices(months, weights)[0]])
            for i in range(rng.randint(3, 8)):
                s.absent_days[start + timedelta(days=i)] = "sick"
        for _ in range(rng.choices((0, 1, 2, 3), (0.35, 0.35, 0.2, 0.1))[0]):
            s.absent_days.setdefault(rng.choice(by_month[rng.choice(months)]), "excused")
        for _ in range(rng.randint(6, 14) if chronic else rng.choices((0, 1, 2), (0.6, 0.3, 0.1))[0]):
            s.absent_days.setdefault(rng.choice(by_month[rng.choice(months)]), "unexcused")

    def _parents(
        self,
        s: StudentPlan,
        surname: tuple[str, str],
        father: tuple[str, str, str],
        child_birth: date,
        created: datetime,
    ) -> None:
        rng = self.rng
        plan = []
        if rng.random() < 0.93:
            plan.append(ParentRelation.MOTHER)
        if rng.random() < 0.62:
            plan.append(ParentRelation.FATHER)
        if not plan:
            plan.append(ParentRelation.GUARDIAN)
        for rel in plan:
            if rel is ParentRelation.FATHER:
                name = Name(surname[0], father[0], self.people.father_name()[1], Sex.MALE)
                years = rng.randint(22, 42)
            elif rel is ParentRelation.MOTHER:
                name = self.people.adult(Sex.FEMALE, surname)
                years = rng.randint(19, 40)
            else:  # a grandmother as the guardian
                name = self.people.adult(Sex.FEMALE, surname)
                years = rng.randint(42, 55)
            birth = child_birth - timedelta(days=365 * years + rng.randint(0, 364))
            email = self.people.personal_email(name, birth.year) if rng.random() < 0.5 else None
            pid = self.person(
                name,
                birth,
                created + timedelta(minutes=rng.randint(2, 20)),
                snils=rng.random() < 0.4,
                phone=rng.random() < 0.95,
                email=email,
            )
            s.parents.append((pid, name))
            self.parent_links.append(
                {
                    "id": self.ids.next("parent_links"),
                    "student_id": s.id,
                    "parent_id": pid,
                    "relation": rel.value,
                    "is_legal_representative": True,
                }
            )

    def _course_transfers(self) -> None:
        """Past orders «о переводе на следующий курс», one per department and year."""
        for year in range(2022, dates.CURRENT_INTAKE):
            for dept in self.department_ids:
                groups = [g for g in self.groups if g.department_id == dept and g.intake <= year]
                if not groups:
                    continue
                d = dates.working_day_on_or_before(date(year + 1, 6, 27))
                oid = self.order(
                    OrderKind.COURSE_TRANSFER,
                    d,
                    "О переводе студентов на следующий курс",
                    _entry_time(self.rng, d),
                )
                for g in groups:
                    for sid in g.student_ids:
                        self.order_item(oid, sid, g.id, g.id, date(year + 1, 9, 1), None)

    def _movement(self) -> None:
        """Expulsions and academic leaves of 2025/2026, each with its order (D-2)."""
        rng = self.rng
        demo_sid = self.groups and self.demo_group.student_ids[0]
        pool = sorted(sid for sid in self.students if sid != demo_sid)
        n_exp = max(1, round(self.n_students * 0.025))
        n_leave = max(1, round(self.n_students * 0.008))
        chosen = rng.sample(pool, min(len(pool), n_exp + n_leave))
        days_exp = [
            d for d in dates.teaching_days(date(2025, 10, 1), date(2026, 6, 10)) if dates.is_working_day(d)
        ]
        days_leave = [
            d for d in dates.teaching_days(date(2025, 11, 1), date(2026, 4, 30)) if dates.is_working_day(d)
        ]
        n_late = max(1, n_exp // 40)
        self.planted["expulsion_orders_late"] = 0
        reasons = (
            "по собственному желанию",
            "по собственному желанию",
            "за академическую неуспеваемость",
            "в связи с переводом в другую образовательную организацию",
        )
        for k, sid in enumerate(chosen):
            s = self.students[sid]
            if k < n_exp:
                d = rng.choice(days_exp)
                late = k < n_late
                created = _late_entry(rng, d, 4, 6) if late else _entry_time(rng, d)
                self.planted["expulsion_orders_late"] += late
                oid = self.order(OrderKind.EXPULSION, d, "Об отчислении обучающегося", created)
                self.order_item(oid, sid, s.group_id, None, d, rng.choice(reasons))
                s.status, s.ends_on = StudentStatus.EXPELLED, d
                s.row["status"], s.row["left_on"] = s.status.value, d
            else:
                d = rng.choice(days_leave)
                created = _entry_time(rng, d)
                oid = self.order(
                    OrderKind.ACADEMIC_LEAVE, d, "О предоставлении академического отпуска", created
                )
                reason = rng.choice(
                    (
                        "по медицинским показаниям",
                        "по семейным обстоятельствам",
                        "в связи с призывом на военную службу",
                    )
                )
                self.order_item(oid, sid, s.group_id, s.group_id, d, reason)
                s.status, s.ends_on = StudentStatus.ACADEMIC_LEAVE, d
                s.row["status"] = s.status.value
            s.left_recorded = created
            self.status_change(s, s.status, d, oid, created)

    def teaching(self) -> None:
        """Units of study, subgroups, teachers, their load and the weekly timetable."""
        self.progress("Расписание", 0, 4)
        area_of = {g.id: spec_area(g.spec) for g in self.groups}
        for g in self.groups:
            members = sorted(
                g.student_ids,
                key=lambda sid: (self.students[sid].name.last, self.students[sid].name.first, sid),
            )
            by_sem = self.items_by_curriculum[g.curriculum_id]
            for period in (1, 2):
                for item in by_sem.get(g.semester(period), []):
                    if not item.line.teaches:
                        continue
                    if item.line.discipline.split and g.size >= 16:
                        half = (len(members) + 1) // 2
                        parts = []
                        for k, chunk in enumerate((members[:half], members[half:]), start=1):
                            sg = self.ids.next("subgroups")
                            parts.append(Part(subgroup_id=sg, members=chunk))
                            self.subgroups.append(
                                {
                                    "id": sg,
                                    "group_id": g.id,
                                    "name": f"Подгруппа {k}",
                                    "curriculum_item_id": item.id,
                                    "period": period,
                                }
                            )
                            self.subgroup_members.extend(
                                {"subgroup_id": sg, "student_id": sid} for sid in chunk
                            )
                    else:
                        parts = [Part()]
                    self.units.append(Unit(g, item, period, parts))
        demand = weekly_demand(self.units, area_of)
        seats = share_by_demand(teachers_needed(self.n_students), demand)
        top_area = max(sorted(demand), key=lambda a: demand[a])
        plan = [
            (a, frozenset({1, 2}))
            for a in sorted(seats, key=lambda a: (-demand[a], a))
            for _ in range(seats[a])
        ]
        plan += [(top_area, frozenset({1})), (top_area, frozenset({2}))]
        for idx, (area, periods) in enumerate(plan):
            female = self.rng.random() < (
                0.5 if area in ("auto", "weld", "build", "electro", "it", "pe") else 0.8
            )
            name = self.people.adult(Sex.FEMALE if female else Sex.MALE)
            birth = self.adult_birth(1960, 1999)
            pid = self.person(
                name, birth, datetime(2014, 1, 1), email=f"{people.login_base(name)}@{catalog.EMAIL_DOMAIN}"
            )
            t = TeacherPlan(idx, pid, name, area, max(-0.4, min(0.4, self.rng.gauss(0, 0.18))), periods)
            t.birth = birth
            self.teachers.append(t)
        self.progress("Расписание", 1, 4)
        assign_teachers(self.units, self.teachers, area_of)
        self.progress("Расписание", 2, 4)
        build_timetable(self.units, self.groups, self.rooms)
        self.units_by_gp: dict[tuple[int, int], list[Unit]] = defaultdict(list)
        for u in self.units:
            self.units_by_gp[(u.group.id, u.period)].append(u)
        self.progress("Расписание", 3, 4)

    def roles(self) -> None:
        """Curators, teachers' departments, commission chairs, the demo teacher, the
        planted lazy teachers; then every teacher's employment and account."""
        rng = self.rng
        full_year = [t for t in self.teachers if t.periods == frozenset({1, 2})]
        shared: dict[tuple[int, int], int] = defaultdict(int)  # (teacher idx, group) → pairs
        dept_pairs: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for u in self.units:
            for pt in u.parts:
                shared[(pt.teacher.idx, u.group.id)] += u.pairs
                dept_pairs[pt.teacher.idx][u.group.department_id] += u.pairs
        for t in self.teachers:
            if dept_pairs[t.idx]:
                t.department_id = max(sorted(dept_pairs[t.idx]), key=lambda d: dept_pairs[t.idx][d])
        curating: set[int] = set()
        for g in self.groups:
            candidates = [t for t in full_year if t.idx not in curating and shared[(t.idx, g.id)]]
            if not candidates:
                candidates = [t for t in full_year if t.idx not in curating] or full_year
            g.curator = max(candidates, key=lambda t: (shared[(t.idx, g.id)], -t.idx))
            curating.add(g.curator.idx)
        demo_g = self.demo_group
        assert demo_g.curator is not None
        chairs: dict[int, TeacherPlan] = {}
        taken = {demo_g.curator.idx}
        for dept in self.department_ids:
            pool = [t for t in full_year if t.department_id == dept and t.idx not in taken]
            pool = pool or [t for t in full_year if t.idx not in taken] or full_year
            chairs[dept] = max(pool, key=lambda t: (t.load[1] + t.load[2], -t.idx))
            taken.add(chairs[dept].idx)
        teaching_demo = [
            t
            for t in full_year
            if t.idx not in taken and t.idx not in curating and shared[(t.idx, demo_g.id)]
        ]
        teaching_demo = teaching_demo or [t for t in full_year if t.idx not in taken] or full_year
        demo_teacher = max(teaching_demo, key=lambda t: (shared[(t.idx, demo_g.id)], -t.idx))
        taken.add(demo_teacher.idx)
        pool = [t for t in full_year if t.idx not in taken and t.load[2] > 0]
        rng.shuffle(pool)
        n = len(self.teachers)
        silent_pool = [t for t in pool if t.idx not in curating]
        for t in silent_pool[: max(1, n // 120)]:
            t.silent = True
        rest = [t for t in pool if not t.silent]
        for t in rest[: max(1, n // 60)]:
            t.lagging = True
        for t in rest[max(1, n // 60) : max(1, n // 60) + max(1, n // 50)]:
            t.late = True
        self.planted["teachers_silent"] = sum(t.silent for t in self.teachers)
        self.planted["teachers_lagging"] = sum(t.lagging for t in self.teachers)
        self.planted["teachers_late"] = sum(t.late for t in self.teachers)
        # Employment and accounts.
        chair_of = {t.idx: dept for dept, t in chairs.items()}
        curator_of = {g.curator.idx: g for g in self.groups if g.curator}
        special_positions = {
            "pe": "Руководитель физического воспитания",
            "safety": "Преподаватель-организатор ОБЗР",
        }
        seen_special: set[str] = set()
        for t in self.teachers:
            birth = t.birth or date(1980, 1, 1)
            position = "Преподаватель"
            if t.area in special_positions and t.area not in seen_special:
                position = special_positions[t.area]
                seen_special.add(t.area)
            elif t.area in ("auto", "weld", "cook") and t.idx % 3 == 0:
                position = "Мастер производственного обучения"
            avg = (t.load[1] + t.load[2]) / max(1, len(t.periods))
            rate = max(0.25, min(2.0, round(avg / 9 * 4) / 4)) if avg else 0.5
            hired_on = date(2026, 1, 12) if t.periods == frozenset({2}) else None
            entered = self.employ(
                t.person_id,
                birth,
                position,
                t.department_id,
                hired_on=hired_on,
                rate=rate,
                late_entry=hired_on is not None,
            )
            self.persons[t.person_id - 1]["created_at"] = entered
            if hired_on is not None:
                self.planted["staff_hire_entered_late"] = 1
            if t.periods == frozenset({1}):
                dismissed_entered = self.dismiss(date(2025, 12, 30))
            if t is demo_teacher:
                login, demo = DEMO_LOGINS[Role.TEACHER], Role.TEACHER
            elif t is demo_g.curator:
                login, demo = DEMO_LOGINS[Role.CURATOR], Role.CURATOR
            elif t is chairs.get(demo_g.department_id):
                login, demo = DEMO_LOGINS[Role.COMMISSION_CHAIR], Role.COMMISSION_CHAIR
            else:
                login, demo = self.people.login(people.login_base(t.name)), None
            kind = "curator" if t.idx in curator_of else "teacher"
            acc = self.account(
                t.person_id,
                login,
                self.staff_account_created(entered),
                kind,
                "never" if t.silent else "daily",
                issued_by=self.admin_account.id,
                demo=demo,
            )
            acc.grants.append((Role.TEACHER, "college", None))
            if t.idx in curator_of:
                acc.grants.append((Role.CURATOR, "group", curator_of[t.idx].id))
            if t.idx in chair_of:
                acc.grants.append((Role.COMMISSION_CHAIR, "department", chair_of[t.idx]))
            if t.periods == frozenset({1}):
                acc.status = AccountStatus.DISABLED
                acc.revoked_at = dismissed_entered
            t.account = acc
        # Two teachers dismissed in earlier years: their accounts are switched off.
        for year in (2023, 2024):
            name = self.people.adult(Sex.FEMALE)
            birth = self.adult_birth(1958, 1990)
            pid = self.person(
                name, birth, datetime(2014, 1, 1), email=f"{people.login_base(name)}@{catalog.EMAIL_DOMAIN}"
            )
            entered = self.employ(
                pid,
                birth,
                "Преподаватель",
                self.department_ids[year % len(self.department_ids)],
                hired_on=date(year - 6, 8, 28),
            )
            self.persons[-1]["created_at"] = entered
            gone = self.dismiss(date(year, 6, 30))
            acc = self.account(
                pid,
                self.people.login(people.login_base(name)),
                self.staff_account_created(entered),
                "teacher",
                "never",
                issued_by=self.admin_account.id,
            )
            acc.status, acc.revoked_at = AccountStatus.DISABLED, gone
            acc.grants.append((Role.TEACHER, "college", None))
        # Subgroups are formed by their teachers before the period starts (R-4.10.c).
        teacher_of_subgroup = {
            pt.subgroup_id: pt.teacher for u in self.units for pt in u.parts if pt.subgroup_id
        }
        for row in self.subgroups:
            t = teacher_of_subgroup[row["id"]]
            start = PERIOD_DATES[row.pop("period")][0]
            row["created_by_id"] = t.account_id
            formed = dates.at(start - timedelta(days=rng.randint(3, 6)), rng.randint(9, 17))
            account_created = t.account.created_at if t.account else formed
            row["created_at"] = max(formed, account_created + timedelta(hours=2))

    def student_accounts(self) -> None:
        """Accounts of students and parents; most have credentials (R-4.7.c)."""
        rng = self.rng
        demo_s = self.students[self.demo_group.student_ids[0]]
        by_group = {g.id: g for g in self.groups}
        engineer = self.demo[Role.ENGINEER]
        for s in self.students.values():
            g = by_group[s.group_id]
            curator = g.curator.account if g.curator else None
            is_demo = s is demo_s
            created = s.created_at + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
            created = max(created, dates.SYSTEM_START)

            def issuer(when: datetime, curator: Account | None = curator) -> int:
                return curator.id if curator and curator.created_at <= when else engineer.id

            r = rng.random()
            if is_demo or r >= 0.05:
                issued = is_demo or r >= 0.10
                activity = (
                    "frequent"
                    if is_demo
                    else rng.choices(("frequent", "weekly", "rare", "never"), (0.35, 0.3, 0.2, 0.15))[0]
                )
                login = (
                    DEMO_LOGINS[Role.STUDENT]
                    if is_demo
                    else self.people.login(f"{people.login_base(s.name)}{g.intake % 100:02d}")
                )
                acc = self.account(
                    s.person_id,
                    login,
                    created,
                    "student",
                    activity,
                    issued=issued,
                    demo=Role.STUDENT if is_demo else None,
                )
                if acc.issued_at:
                    acc.issued_by = issuer(acc.issued_at)
                acc.grants.append((Role.STUDENT, "student", s.id))
                s.account = acc
            for k, (pid, name) in enumerate(s.parents):
                is_demo_parent = is_demo and k == 0
                r = rng.random()
                if not is_demo_parent and r < 0.15:
                    continue
                issued = is_demo_parent or r >= 0.25
                activity = (
                    "weekly"
                    if is_demo_parent
                    else rng.choices(("frequent", "weekly", "rare", "never"), (0.2, 0.35, 0.2, 0.25))[0]
                )
                login = (
                    DEMO_LOGINS[Role.PARENT] if is_demo_parent else self.people.login(people.login_base(name))
                )
                acc = self.account(
                    pid,
                    login,
                    created + timedelta(minutes=rng.randint(5, 90)),
                    "parent",
                    activity,
                    issued=issued,
                    demo=Role.PARENT if is_demo_parent else None,
                )
                if acc.issued_at:
                    acc.issued_by = issuer(acc.issued_at)
                acc.grants.append((Role.PARENT, "student", s.id))
                s.parent_accounts.append(acc)
            if s.status is StudentStatus.EXPELLED:
                left = s.left_recorded
                for acc in [s.account, *s.parent_accounts]:
                    if acc is not None:
                        acc.status, acc.revoked_at = AccountStatus.DISABLED, left
        never = [
            a
            for s in self.students.values()
            for a in s.parent_accounts
            if a.activity == "never" and a.password_hash and a.status is AccountStatus.ACTIVE
        ]
        self.planted["parent_accounts_never_used"] = len(never)

    # --- writing ------------------------------------------------------------------------
    def write_base(self) -> None:
        """Everything but the journal, the messages and the activity log."""
        w = self.w
        stage = "Запись в базу"
        self.progress(stage, 0, 3)
        w.extend(m.Person, self.persons)
        w.extend(m.Department, self.department_rows)
        w.extend(
            m.Room,
            (
                {
                    "id": r.id,
                    "college_id": COLLEGE_ID,
                    "number": r.number,
                    "name": r.name,
                    "kind": r.kind.value,
                    "capacity": r.capacity,
                }
                for r in self.rooms.rooms
            ),
        )
        w.extend(m.StaffEmployment, self.staff_rows)
        for acc in self.accounts:
            w.add(
                m.UserAccount,
                {
                    "id": acc.id,
                    "person_id": acc.person_id,
                    "college_id": COLLEGE_ID,
                    "login": acc.login,
                    "password_hash": acc.password_hash,
                    "status": acc.status.value,
                    "failed_attempts": 0,
                    "locked_until": None,
                    "must_change_password": acc.must_change,
                    "password_changed_at": None if acc.must_change else acc.issued_at,
                    "credentials_issued_at": acc.issued_at,
                    "credentials_issued_by_id": acc.issued_by,
                    "last_login_at": None,
                    "created_at": acc.created_at,
                },
            )
        w.extend(m.Curriculum, self.curriculum_rows)
        w.extend(m.CurriculumItem, self.item_rows)
        self.progress(stage, 1, 3)
        for g in self.groups:
            w.add(
                m.Group,
                {
                    "id": g.id,
                    "college_id": COLLEGE_ID,
                    "department_id": g.department_id,
                    "specialty_id": g.specialty_id,
                    "curriculum_id": g.curriculum_id,
                    "name": g.name,
                    "intake_year": g.intake,
                    "course": g.course,
                    "study_form": StudyForm.FULL_TIME.value,
                    "curator_id": g.curator.person_id if g.curator else None,
                    "status": GroupStatus.ACTIVE.value,
                    "created_at": dates.at(date(g.intake, 8, 20), 10, g.id % 60),
                },
            )
            for period in (1, 2):
                start, end = PERIOD_DATES[period]
                session = SESSION[period]
                w.add(
                    m.GroupCalendar,
                    {
                        "id": self.ids.next("group_calendars"),
                        "group_id": g.id,
                        "period_id": PERIOD_ID[period],
                        "starts_on": start,
                        "ends_on": end,
                        "session_starts_on": session[0],
                        "session_ends_on": session[1],
                        "created_at": datetime(2025, 8, 27, 10, g.id % 60),
                    },
                )
        self.number_orders()
        w.extend(m.Order, self.orders)
        w.extend(m.Student, (s.row for s in self.students.values()))
        w.extend(m.OrderItem, self.order_items)
        w.extend(m.StudentStatusChange, self.status_changes)
        w.extend(m.ParentLink, self.parent_links)
        self.progress(stage, 2, 3)
        for acc in self.accounts:
            for role, scope, target in acc.grants:
                w.add(
                    m.RoleGrant,
                    {
                        "id": self.ids.next("role_grants"),
                        "account_id": acc.id,
                        "role": role.value,
                        "scope": scope,
                        "college_id": COLLEGE_ID,
                        "department_id": target if scope == ScopeKind.DEPARTMENT else None,
                        "group_id": target if scope == ScopeKind.GROUP else None,
                        "student_id": target if scope == ScopeKind.STUDENT else None,
                        "granted_at": acc.created_at + timedelta(minutes=5),
                        "granted_by_id": self.admin_account.id if acc.id != self.admin_account.id else None,
                        "revoked_at": acc.revoked_at,
                    },
                )
        w.extend(m.Subgroup, self.subgroups)
        w.extend(m.SubgroupMember, self.subgroup_members)
        for u in self.units:
            h = u.item.line.hours
            planned = h["lecture"] + h["practice"] + h["lab"] + h["course_project"]
            for pt in u.parts:
                w.add(
                    m.TeachingAssignment,
                    {
                        "id": self.ids.next("teaching_assignments"),
                        "teacher_id": pt.teacher.person_id,
                        "group_id": u.group.id,
                        "subgroup_id": pt.subgroup_id,
                        "curriculum_item_id": u.item.id,
                        "period_id": PERIOD_ID[u.period],
                        "planned_hours": planned,
                    },
                )
        w.flush()
        self.progress(stage, 3, 3)

    def summary(self, events: int) -> DemoSummary:
        c = self.w.counts
        return DemoSummary(
            college_name=catalog.COLLEGE["short_name"],
            seed=self.seed,
            as_of=dates.AS_OF,
            students=c["students"],
            groups=c["groups"],
            staff=c["staff"],
            teachers=len(self.teachers),
            parents=len(self.parent_links),
            accounts=c["user_accounts"],
            timetable_lessons=c["timetable_lessons"],
            lessons=c["lessons"],
            marks=c["marks"],
            absences=c["attendance"],
            final_grades=c["final_grades"],
            messages=c["messages"],
            activity_events=events,
            logins={role.value: login for role, login in DEMO_LOGINS.items()},
            planted=dict(self.planted),
        )
