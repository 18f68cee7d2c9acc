"""Who may do what: one decision for an (actor, action, resource) triple, as datasette does.

Every library function that reads or writes protected data builds a :class:`Resource`
and calls :func:`require` with the acting user before touching the data; pages never
decide access. The rules are the table :data:`POLICY`: for each action, the roles that
may perform it and how far each reaches:

* ``COLLEGE`` — anything in the actor's college;
* ``GRANT`` — inside the scope of the role's grant (its department, group or student);
* ``ASSIGNED`` — a teacher's teaching assignments: the groups (and, for journal data,
  the disciplines and periods) that the teacher teaches (R-4.10.a);
* ``SELF`` — the actor's own person (a teacher's own report, own remarks).

Requirement IDs refer to ``shared/spec/requirements.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.enums import AccountStatus, LabeledEnum, Role, ScopeKind
from netspo_lib.errors import NetspoError


class Action(LabeledEnum):
    """Everything the regulation lets someone do; the label names the right in refusals."""

    JOURNAL_READ = "journal.read", "просмотр журнала"
    JOURNAL_WRITE = "journal.write", "ведение журнала: темы занятий, отметки, посещаемость"
    FINAL_GRADE_SET = "final_grade.set", "выставление итоговых оценок"
    SUBGROUP_EDIT = "subgroup.edit", "формирование подгрупп"
    PERIOD_LOCK = "period.lock", "закрытие периода"
    PERIOD_UNLOCK = "period.unlock", "открытие закрытого периода"
    DATA_IMPORT = "data.import", "импорт данных"
    DATA_EXPORT = "data.export", "экспорт данных"
    USERS_MANAGE = "users.manage", "управление учётными записями"
    ROLES_ASSIGN = "roles.assign", "назначение ролей"
    CREDENTIALS_ISSUE = "credentials.issue", "выдача реквизитов доступа"
    COLLEGE_SETTINGS = "college.settings", "ведение сведений о колледже, аудиторий и должностей"
    ORG_EDIT = "org.edit", "ведение групп, отделений, учебных календарей и кураторов"
    STAFF_EDIT = "staff.edit", "ведение списка сотрудников"
    STUDENT_CARD_READ = "student_card.read", "просмотр карточки студента"
    STUDENT_CARD_EDIT = "student_card.edit", "ведение карточек студентов"
    ORDERS_EDIT = "orders.edit", "внесение приказов о движении студентов"
    TIMETABLE_EDIT = "timetable.edit", "составление расписания занятий и сессии"
    CURRICULUM_EDIT = "curriculum.edit", "ведение образовательных программ и учебных планов"
    CURRICULUM_APPROVE = "curriculum.approve", "утверждение учебных планов"
    ROLLOVER_RUN = "rollover.run", "перевод на следующий учебный год"
    AUDIT_READ = "audit.read", "просмотр журнала изменений"
    ACTIVITY_READ = "activity.read", "просмотр активности пользователей"
    PORTFOLIO_EDIT = "portfolio.edit", "заполнение портфолио студентов"
    REMARK_CREATE = "remark.create", "замечания „Анализа работы“"
    REMARK_FIX = "remark.fix", "устранение замечаний „Анализа работы“"
    SUPPORT_REQUEST = "support.request", "обращения в техническую поддержку"
    MESSAGE_SEND = "message.send", "переписка"
    REPORT_GROUP = "report.group", "отчёты по группе"
    REPORT_TEACHER = "report.teacher", "отчёты преподавателя"
    REPORT_DEPARTMENT = "report.department", "сводные отчёты по отделению"
    REPORT_COLLEGE = "report.college", "сводные отчёты по колледжу"
    DASHBOARD_PERFORMANCE = "dashboard.performance", "просмотр дашборда „Успеваемость“"
    DASHBOARD_ATTENDANCE = "dashboard.attendance", "просмотр дашборда „Посещаемость“"
    DASHBOARD_ACTIVITY = "dashboard.activity", "просмотр дашборда „Активность“"
    DASHBOARD_CONTROL = "dashboard.control", "контроль сроков и заполнения журналов"
    SLIDES_MAKE = "slides.make", "слайды для методического совета"
    PERSONAL_DATA_READ = "personal_data.read", "просмотр персональных данных: СНИЛС, дата рождения, телефон"


class Reach(Enum):
    COLLEGE = "college"
    GRANT = "grant"
    ASSIGNED = "assigned"
    SELF = "self"


A, R = Action, Role
C, G, T, S = Reach.COLLEGE, Reach.GRANT, Reach.ASSIGNED, Reach.SELF

# Leaders who read the whole college (R-4.11.a, R-4.11.c, R-4.12.a).
_LEADERS = {R.DEPUTY_DIRECTOR: C, R.DIRECTOR: C}

POLICY: dict[Action, dict[Role, Reach]] = {
    # Journal (R-4.7.a, R-4.8.a, R-4.9.a, R-4.10.a, R-4.12.a, R-4.1.f, R-4.4.h).
    A.JOURNAL_READ: {
        R.TEACHER: T,
        R.CURATOR: G,
        R.DEPARTMENT_HEAD: G,
        R.STUDENT: G,
        R.PARENT: G,
        R.HEAD_OF_STUDIES: C,
        R.ADMIN: C,
        R.ENGINEER: C,
        **_LEADERS,
    },
    A.JOURNAL_WRITE: {R.TEACHER: T},  # .a; curators and the director do not edit
    A.FINAL_GRADE_SET: {R.TEACHER: T},  # .d
    A.SUBGROUP_EDIT: {R.TEACHER: T},  # .c
    # Engineer (R-4.2.a..e).
    A.PERIOD_LOCK: {R.ENGINEER: C},
    A.PERIOD_UNLOCK: {R.ENGINEER: C},
    A.DATA_IMPORT: {R.ENGINEER: C},
    A.DATA_EXPORT: {R.ENGINEER: C},
    A.ORG_EDIT: {R.ENGINEER: C},
    A.ROLLOVER_RUN: {R.ENGINEER: C},
    # Administrator (R-4.1.a..g), director appoints to roles (R-4.12.b).
    A.USERS_MANAGE: {R.ADMIN: C},
    A.ROLES_ASSIGN: {R.ADMIN: C, R.DIRECTOR: C},
    A.CREDENTIALS_ISSUE: {R.ADMIN: C, R.CURATOR: G},  # .d, R-4.7.c
    A.COLLEGE_SETTINGS: {R.ADMIN: C},
    A.SUPPORT_REQUEST: {R.ADMIN: C},
    A.ACTIVITY_READ: {R.ADMIN: C, R.CURATOR: G, **_LEADERS},  # .e, R-4.7.d
    # HR and head of studies (R-4.3.a, R-4.4.a..h).
    A.STAFF_EDIT: {R.HR: C},
    A.STUDENT_CARD_READ: {
        R.HEAD_OF_STUDIES: C,
        R.CURATOR: G,
        R.DEPARTMENT_HEAD: G,
        R.STUDENT: G,
        R.PARENT: G,
        R.ENGINEER: C,
        **_LEADERS,
    },
    A.STUDENT_CARD_EDIT: {R.HEAD_OF_STUDIES: C},
    A.ORDERS_EDIT: {R.HEAD_OF_STUDIES: C},
    A.TIMETABLE_EDIT: {R.HEAD_OF_STUDIES: C},
    # Programmes (R-4.6.a, R-4.11.b).
    A.CURRICULUM_EDIT: {R.COMMISSION_CHAIR: G, R.DEPUTY_DIRECTOR: C},
    A.CURRICULUM_APPROVE: {R.DEPUTY_DIRECTOR: C},
    # Audit trail: those who answer for the data.
    # The head of studies checks the changes of actual data every week (R-4.4.e).
    A.AUDIT_READ: {
        R.ADMIN: C,
        R.ENGINEER: C,
        R.HEAD_OF_STUDIES: C,
        R.DEPARTMENT_HEAD: G,
        R.CURATOR: G,
        **_LEADERS,
    },
    # Portfolio (R-4.7.f), remarks (R-4.10.f), messages (R-4.8.b, R-4.9.b).
    A.PORTFOLIO_EDIT: {R.CURATOR: G, R.TEACHER: T},
    A.REMARK_CREATE: {R.DEPUTY_DIRECTOR: C},
    A.REMARK_FIX: {R.TEACHER: S},
    A.MESSAGE_SEND: {role: C for role in Role},
    # Reports (R-4.5.c, R-4.7.b, R-4.10.e, R-4.11.d, R-6.2..6.4).
    A.REPORT_GROUP: {R.CURATOR: G, R.DEPARTMENT_HEAD: G, R.HEAD_OF_STUDIES: C, R.METHODIST: C, **_LEADERS},
    A.REPORT_TEACHER: {R.TEACHER: S, R.DEPARTMENT_HEAD: G, R.METHODIST: C, **_LEADERS},
    A.REPORT_DEPARTMENT: {R.DEPARTMENT_HEAD: G, R.METHODIST: C, **_LEADERS},
    A.REPORT_COLLEGE: {R.METHODIST: C, R.HEAD_OF_STUDIES: C, **_LEADERS},
    # Dashboards (R-4.11.c, R-4.1.e, R-4.7.d, R-5.1, R-4.5.b).
    A.DASHBOARD_PERFORMANCE: {R.DEPARTMENT_HEAD: G, R.METHODIST: C, R.CURATOR: G, **_LEADERS},
    A.DASHBOARD_ATTENDANCE: {R.DEPARTMENT_HEAD: G, R.METHODIST: C, R.CURATOR: G, **_LEADERS},
    A.DASHBOARD_ACTIVITY: {R.ADMIN: C, R.CURATOR: G, **_LEADERS},
    # The engineer checks readiness (final grades set, R-5.3) before closing a period.
    A.DASHBOARD_CONTROL: {R.DEPARTMENT_HEAD: G, R.ADMIN: C, R.ENGINEER: C, **_LEADERS},
    A.SLIDES_MAKE: {R.METHODIST: C, R.DEPUTY_DIRECTOR: C},
    # Personal data (152-ФЗ) only where a duty needs it (netspo_lib.privacy).
    A.PERSONAL_DATA_READ: {
        R.HEAD_OF_STUDIES: C,  # keeps the cards (R-4.4.b)
        R.ENGINEER: C,  # loads the lists (R-4.2.c)
        R.HR: C,  # staff records (R-4.3.a)
        R.CURATOR: G,  # own group (R-4.7.a)
        R.STUDENT: G,  # own card (R-4.8.a)
        R.PARENT: G,  # own child (R-4.9.a)
    },
}

# Actions that change data: the director and the deputy "read everything and edit nothing"
# apart from what the table grants them explicitly.
WRITE_ACTIONS = frozenset(
    {
        A.JOURNAL_WRITE, A.FINAL_GRADE_SET, A.SUBGROUP_EDIT, A.PERIOD_LOCK, A.PERIOD_UNLOCK,
        A.DATA_IMPORT, A.USERS_MANAGE, A.ROLES_ASSIGN, A.CREDENTIALS_ISSUE, A.COLLEGE_SETTINGS,
        A.ORG_EDIT, A.STAFF_EDIT, A.STUDENT_CARD_EDIT, A.ORDERS_EDIT, A.TIMETABLE_EDIT,
        A.CURRICULUM_EDIT, A.CURRICULUM_APPROVE, A.ROLLOVER_RUN, A.PORTFOLIO_EDIT,
        A.REMARK_CREATE, A.REMARK_FIX, A.SUPPORT_REQUEST, A.MESSAGE_SEND,
    }
)  # fmt: skip


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: ScopeKind
    college_id: int
    department_id: int | None = None
    group_id: int | None = None
    student_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """The acting user with the grants in force."""

    account_id: int
    person_id: int
    login: str
    college_id: int
    grants: tuple[Grant, ...]
    name: str = ""

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)


@dataclass(frozen=True)
class Resource:
    """What an action touches, described by where it sits in the college.

    Fill what is known; :func:`locate` completes the department and college from a group
    or a student. ``person_id`` names a staff member (a teacher's report, remarks).
    """

    college_id: int | None = None
    department_id: int | None = None
    group_id: int | None = None
    student_id: int | None = None
    curriculum_item_id: int | None = None
    period_id: int | None = None
    person_id: int | None = None
    description: str = field(default="", compare=False)


class AccessDenied(NetspoError):
    """A refusal; the message names the missing right."""

    def __init__(self, actor: Actor | None, action: Action, resource: Resource) -> None:
        who = f"пользователя {actor.login}" if actor else "неавторизованного пользователя"
        where = f" ({resource.description})" if resource.description else ""
        super().__init__(f"Недостаточно прав: у {who} нет права «{action.label}»{where}.")
        self.action = action
        self.resource = resource


def load_actor(session: Session, login: str) -> Actor:
    """The actor for a login, with the grants not revoked; refuses unknown or disabled logins."""
    account = session.scalar(sa.select(m.UserAccount).where(m.UserAccount.login == login))
    if account is None:
        raise NetspoError(f"Пользователь «{login}» не найден.")
    if account.status == AccountStatus.DISABLED:
        raise NetspoError(f"Учётная запись «{login}» отключена.")
    return actor_for_account(session, account)


def actor_for_account(session: Session, account: m.UserAccount) -> Actor:
    rows = session.scalars(
        sa.select(m.RoleGrant).where(m.RoleGrant.account_id == account.id, m.RoleGrant.revoked_at.is_(None))
    )
    grants = tuple(
        Grant(g.role, g.scope, g.college_id, g.department_id, g.group_id, g.student_id) for g in rows
    )
    person = session.get(m.Person, account.person_id)
    return Actor(
        account.id,
        account.person_id,
        account.login,
        account.college_id,
        grants,
        person.short_name if person else "",
    )


def locate(session: Session, resource: Resource) -> Resource:
    """Complete a resource's group, department and college from what it names."""
    r = resource
    if r.student_id is not None and r.group_id is None:
        group_id = session.scalar(sa.select(m.Student.group_id).where(m.Student.id == r.student_id))
        r = replace(r, group_id=group_id)
    if r.group_id is not None and (r.department_id is None or r.college_id is None):
        row = session.execute(
            sa.select(m.Group.department_id, m.Group.college_id).where(m.Group.id == r.group_id)
        ).first()
        if row is not None:
            r = replace(r, department_id=row[0], college_id=row[1])
    if r.department_id is not None and r.college_id is None:
        college_id = session.scalar(
            sa.select(m.Department.college_id).where(m.Department.id == r.department_id)
        )
        r = replace(r, college_id=college_id)
    return r


def _in_grant(grant: Grant, r: Resource) -> bool:
    """Is the resource inside the grant's scope?"""
    if grant.scope == ScopeKind.COLLEGE:
        return True
    if grant.scope == ScopeKind.DEPARTMENT:
        return r.department_id is not None and r.department_id == grant.department_id
    if grant.scope == ScopeKind.GROUP:
        return r.group_id is not None and r.group_id == grant.group_id
    if grant.scope == ScopeKind.STUDENT:
        return r.student_id is not None and r.student_id == grant.student_id
    return False


def _assigned(session: Session, actor: Actor, r: Resource) -> bool:
    """Does the actor teach this group (and discipline and period, when named)?"""
    if r.group_id is None:
        return False
    query = sa.select(m.TeachingAssignment.id).where(
        m.TeachingAssignment.teacher_id == actor.person_id,
        m.TeachingAssignment.group_id == r.group_id,
    )
    if r.curriculum_item_id is not None:
        query = query.where(m.TeachingAssignment.curriculum_item_id == r.curriculum_item_id)
    if r.period_id is not None:
        query = query.where(m.TeachingAssignment.period_id == r.period_id)
    if r.student_id is not None:
        # A student of the group; a subgroup assignment covers only its members.
        subgroup = m.TeachingAssignment.subgroup_id
        member = sa.exists().where(
            m.SubgroupMember.subgroup_id == subgroup, m.SubgroupMember.student_id == r.student_id
        )
        query = query.where(sa.or_(subgroup.is_(None), member))
    return session.scalar(query.limit(1)) is not None


def allowed(session: Session, actor: Actor | None, action: Action, resource: Resource) -> bool:
    """True when one of the actor's grants lets it perform ``action`` on ``resource``."""
    if actor is None:
        return False
    rules = POLICY.get(action, {})
    r = locate(session, resource)
    if r.college_id is not None and r.college_id != actor.college_id:
        return False
    for grant in actor.grants:
        reach = rules.get(grant.role)
        if reach is None or grant.college_id != actor.college_id:
            continue
        if reach == Reach.COLLEGE:
            return True
        if reach == Reach.GRANT and _in_grant(grant, r):
            return True
        if reach == Reach.SELF and r.person_id is not None and r.person_id == actor.person_id:
            return True
        if reach == Reach.ASSIGNED and _assigned(session, actor, r):
            return True
    return False


def require(session: Session, actor: Actor | None, action: Action, resource: Resource) -> Resource:
    """Refuse with :class:`AccessDenied` unless allowed; return the located resource."""
    if not allowed(session, actor, action, resource):
        raise AccessDenied(actor, action, resource)
    return locate(session, resource)


def require_any(
    session: Session, actor: Actor | None, actions: tuple[Action, ...], resource: Resource
) -> Resource:
    """Refuse unless one of ``actions`` is allowed (the message names the first); for a duty
    two roles may carry, e.g. student cards entered by the head of studies or loaded by the
    engineer (R-4.4.b, R-4.2.c)."""
    if not any(allowed(session, actor, a, resource) for a in actions):
        raise AccessDenied(actor, actions[0], resource)
    return locate(session, resource)


def holds(actor: Actor, action: Action) -> bool:
    """True when one of the actor's roles grants ``action`` somewhere (over the college, a
    grant's scope, assigned teaching or the actor's own records). For menus only: whether
    a given object is within reach is still for :func:`require` to say."""
    rules = POLICY.get(action, {})
    return any(g.role in rules for g in actor.grants)


def permitted_actions(session: Session, actor: Actor, resource: Resource) -> set[Action]:
    """Every action the actor may perform on the resource (for pages to show their menus)."""
    return {a for a in Action if allowed(session, actor, a, resource)}


def visible_groups(session: Session, actor: Actor, action: Action = A.JOURNAL_READ) -> list[int]:
    """Ids of the groups of the actor's college on which ``action`` is allowed.

    Pages list groups from this, never from their own reasoning about roles.
    """
    group_ids = session.scalars(
        sa.select(m.Group.id).where(m.Group.college_id == actor.college_id).order_by(m.Group.name)
    ).all()
    return [g for g in group_ids if allowed(session, actor, action, Resource(group_id=g))]
