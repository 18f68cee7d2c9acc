"""Credentials, passwords, login and the activity log (R-4.1.c, R-4.1.d, R-4.1.e, R-4.7.c, R-4.7.d).

* Credentials are issued by the administrator to anyone of the college (R-4.1.d) and by a
  curator to the students and parents of the own group (R-4.7.c); ``access.require`` with
  ``Action.CREDENTIALS_ISSUE`` decides, for every account touched.
* A password exists in clear only in memory (:class:`IssuedCredential`) and on the printed
  sheet of :func:`credentials_sheet`; the database keeps an Argon2id hash, and no audit or
  activity event ever carries a password or a hash.
* :func:`login` counts failures: after ``LOCK_AFTER_FAILURES`` in a row the account is
  locked for ``LOCK_DURATION`` and the lock ends by itself.

Every function writes into the caller's session and never commits. :func:`login` records
a refused attempt *before* raising :class:`LoginRefused`, so its caller must commit even
then (or use :func:`sign_in`, which does), or the failure counter would be rolled back.
"""

from __future__ import annotations

import os
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Action, Actor, Resource, actor_for_account, allowed, require
from netspo_lib.clock import fmt_date, fmt_datetime, now, today
from netspo_lib.enums import AccountStatus, ActivityKind, Role, ScopeKind, StudentStatus
from netspo_lib.errors import NetspoError
from netspo_lib.passwords import hash_password, needs_rehash, verify_password

LOCK_AFTER_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

# Students who keep their access: those studying and those on academic leave.
STUDENT_STATUSES_WITH_ACCESS = (StudentStatus.STUDYING, StudentStatus.ACADEMIC_LEAVE)
# Roles whose accounts a curator may reach (R-4.7.c); any other role makes an account staff.
_FAMILY_ROLES = frozenset({Role.STUDENT, Role.PARENT})

BAD_CREDENTIALS = "Неверный логин или пароль."
PASSWORD_REMINDER = "Смените пароль при первом входе"

# Readable passwords: no 0/O/o, 1/l/I that are confused on paper.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_PASSWORD_ALPHABET = _LOWER + _UPPER + _DIGITS
_PASSWORD_GROUPS, _GROUP_LENGTH = 3, 4  # «hb4K-7mPq-x2Rt»: 12 random characters, ~70 bits

# A few passwords of 10+ characters with letters and digits that lists of leaked passwords
# put at the top, and the demo's shared password (compared in lower case, ё as е).
COMMON_PASSWORDS = frozenset(
    {
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "q1w2e3r4t5y6",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "qwerty12345",
        "qwerty123456",
        "qwertyuiop1",
        "qwertyuiop123",
        "12345qwert",
        "123qweasdzxc",
        "qweasdzxc123",
        "1234qwerasdf",
        "qazwsx12345",
        "password123",
        "password1234",
        "password12345",
        "passw0rd123",
        "1234567890q",
        "1234567890a",
        "123456789a",
        "123456789q",
        "a1234567890",
        "abc1234567",
        "abcd123456",
        "admin12345",
        "administrator1",
        "iloveyou123",
        "parol12345",
        "parol123456",
        "пароль12345",
        "йцукен12345",
        "йцукенг123",
        "netspo2025",
        "netspo2026",
        "demo-2026-netspo",
    }
)

# Russian Latin transliteration of the foreign passport (ICAO Doc 9303, order of the MVD
# since 2014): logins are plain ASCII and read like the name.
_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip
_LOGIN_CHARS = frozenset(string.ascii_lowercase + string.digits + "-")
_LOGIN_MAX = 60  # the column holds 64; room for a numeric suffix


class LoginRefused(NetspoError):
    """A refused login. The message never says whether the login exists, except for a
    locked account, whose message says until when it is locked."""

    def __init__(self, message: str = BAD_CREDENTIALS, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


class WeakPassword(NetspoError):
    """A new password refused by :func:`password_strength_problems`; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Пароль не подходит: " + " ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class IssuedCredential:
    """A login with its one-time password, as handed to the person (R-4.1.d).

    The password lives only here and on the printed sheet; ``repr`` hides it so that it
    cannot leak into logs or tracebacks.
    """

    account_id: int
    login: str
    password: str = field(repr=False)
    name: str
    role: str
    group: str = ""
    note: str = ""


# --- names and passwords ------------------------------------------------------------------


def transliterate(text: str) -> str:
    """ASCII letters for a name, per the Russian passport's ICAO table (Щукина → shchukina)."""
    out = "".join(_ICAO.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch in _LOGIN_CHARS)


def login_base(last_name: str, first_name: str, middle_name: str | None = None) -> str:
    """«ivanov.ii» for Иванов Иван Иванович: the surname and the initials, transliterated."""
    initials = "".join(transliterate(part)[:1] for part in (first_name, middle_name) if part)
    surname = transliterate(last_name).strip("-")[: _LOGIN_MAX - 3] or "user"
    return f"{surname}.{initials}" if initials else surname


def unique_login(session: Session, base: str) -> str:
    """``base`` itself when free, else ``base2``, ``base3``…: deterministic for a database."""
    base = base[:_LOGIN_MAX]
    taken = set(
        session.scalars(
            sa.select(m.UserAccount.login).where(
                sa.or_(m.UserAccount.login == base, m.UserAccount.login.like(f"{base}%"))
            )
        )
    )
    if base not in taken and len(base) >= 3:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def password_strength_problems(password: str, *, login: str | None = None) -> list[str]:
    """Why a password is too weak, in Russian; an empty list when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")
    if not any(ch.isalpha() for ch in password):
        problems.append("Пароль должен содержать буквы.")
    if not any(ch.isdigit() for ch in password):
        problems.append("Пароль должен содержать цифры.")
    lowered = password.lower().replace("ё", "е")
    if login:
        parts = {login.lower(), *(p for p in login.lower().split(".") if len(p) >= 4)}
        if any(p in lowered for p in parts):
            problems.append("Пароль не должен содержать логин.")
    if len(set(lowered)) < 4:
        problems.append("В пароле слишком мало разных символов.")
    if lowered in COMMON_PASSWORDS:
        problems.append("Это один из самых распространённых паролей, его легко подобрать.")
    return problems


def generate_password(*, login: str | None = None) -> str:
    """A random readable password such as «hb4K-7mPq-x2Rt» (``secrets``; no 0/O/l/1/I)."""
    while True:
        chars = [secrets.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_GROUPS * _GROUP_LENGTH)]
        if not (
            any(c in _LOWER for c in chars)
            and any(c in _UPPER for c in chars)
            and sum(c in _DIGITS for c in chars) >= 2
        ):
            continue
        groups = ["".join(chars[i : i + _GROUP_LENGTH]) for i in range(0, len(chars), _GROUP_LENGTH)]
        password = "-".join(groups)
        if not password_strength_problems(password, login=login):
            return password


# --- who an account is ----------------------------------------------------------------------


def _grants(session: Session, account_id: int) -> list[m.RoleGrant]:
    return list(
        session.scalars(
            sa.select(m.RoleGrant)
            .where(m.RoleGrant.account_id == account_id, m.RoleGrant.revoked_at.is_(None))
            .order_by(m.RoleGrant.id)
        )
    )


@dataclass
class _Standing:
    """Where an account sits for the credentials rule."""

    own_student: m.Student | None  # the account's person is this student
    children: list[m.Student]  # students the person represents as a parent
    is_staff: bool  # holds a staff role or is employed by the college


def _standing(session: Session, account: m.UserAccount) -> _Standing:
    grants = _grants(session, account.id)
    own = session.scalar(sa.select(m.Student).where(m.Student.person_id == account.person_id))
    child_ids = {g.student_id for g in grants if g.role == Role.PARENT and g.student_id is not None}
    child_ids |= set(
        session.scalars(
            sa.select(m.ParentLink.student_id).where(
                m.ParentLink.parent_id == account.person_id, m.ParentLink.is_legal_representative
            )
        )
    )
    children = (
        list(session.scalars(sa.select(m.Student).where(m.Student.id.in_(child_ids)).order_by(m.Student.id)))
        if child_ids
        else []
    )
    employed = session.scalar(
        sa.select(m.StaffEmployment.id).where(m.StaffEmployment.person_id == account.person_id).limit(1)
    )
    is_staff = employed is not None or any(g.role not in _FAMILY_ROLES for g in grants)
    return _Standing(own, children, is_staff)


def _require_reach(session: Session, actor: Actor, account: m.UserAccount) -> _Standing:
    """Refuse unless the actor may issue or reset this account's credentials.

    A staff account (or one that is neither a student's nor a parent's) needs the right
    over the whole college: only the administrator (R-4.1.d). A student's account needs
    the right over the student (the curator of the group, R-4.7.c). A parent's account
    needs it over any one of the children: a curator hands it to a parent of the own group.
    """
    st = _standing(session, account)
    who = f"учётная запись {account.login}"
    if st.is_staff or (st.own_student is None and not st.children):
        require(
            session,
            actor,
            Action.CREDENTIALS_ISSUE,
            Resource(college_id=account.college_id, description=f"{who}, сотрудник"),
        )
    if st.own_student is not None:
        require(
            session,
            actor,
            Action.CREDENTIALS_ISSUE,
            Resource(student_id=st.own_student.id, description=f"{who}, студент"),
        )
    if st.children and not st.is_staff:
        resources = [Resource(student_id=c.id, description=f"{who}, родитель") for c in st.children]
        if not any(allowed(session, actor, Action.CREDENTIALS_ISSUE, r) for r in resources):
            raise AccessDenied(actor, Action.CREDENTIALS_ISSUE, resources[0])
    return st


def _describe(session: Session, account: m.UserAccount, st: _Standing) -> tuple[str, str, str, int | None]:
    """(role, group, note, student id for the audit) of an account, in Russian."""
    grants = _grants(session, account.id)
    if st.is_staff:
        roles = [g.role.label for g in grants if g.role not in _FAMILY_ROLES]
        if not roles:
            roles = list(
                session.scalars(
                    sa.select(m.Position.name)
                    .join(m.StaffEmployment, m.StaffEmployment.position_id == m.Position.id)
                    .where(m.StaffEmployment.person_id == account.person_id)
                    .order_by(m.StaffEmployment.hired_on.desc())
                    .limit(1)
                )
            ) or ["Сотрудник"]
        return ", ".join(dict.fromkeys(roles)), "", "", None
    if st.own_student is not None:
        group = session.get(m.Group, st.own_student.group_id)
        return Role.STUDENT.label, group.name if group else "", "", st.own_student.id
    child = st.children[0]
    group = session.get(m.Group, child.group_id)
    names = ", ".join(session.get(m.Person, c.person_id).short_name for c in st.children)  # type: ignore[union-attr]
    note = ("ребёнок: " if len(st.children) == 1 else "дети: ") + names
    return Role.PARENT.label, group.name if group else "", note, child.id


# --- issuing ------------------------------------------------------------------------------------


def _ensure_grant(
    session: Session,
    actor: Actor,
    account: m.UserAccount,
    role: Role,
    student: m.Student,
    at: datetime,
) -> None:
    """Give a student or parent account its grant over the student, when it lacks one."""
    has = session.scalar(
        sa.select(m.RoleGrant.id).where(
            m.RoleGrant.account_id == account.id,
            m.RoleGrant.role == role,
            m.RoleGrant.student_id == student.id,
            m.RoleGrant.revoked_at.is_(None),
        )
    )
    if has is not None:
        return
    grant = m.RoleGrant(
        account_id=account.id,
        role=role,
        scope=ScopeKind.STUDENT,
        college_id=account.college_id,
        student_id=student.id,
        granted_at=at,
        granted_by_id=actor.account_id,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor,
        "role_grant.create",
        "role_grants",
        grant.id,
        after={"account_id": account.id, "role": role.value, "scope": "student", "student_id": student.id},
        group_id=student.group_id,
        student_id=student.id,
        at=at,
    )


def _ensure_account(
    session: Session, actor: Actor, person: m.Person, college_id: int, at: datetime, **where: int | None
) -> m.UserAccount:
    """The person's account, created with a fresh login when missing (no password yet)."""
    account = session.scalar(sa.select(m.UserAccount).where(m.UserAccount.person_id == person.id))
    if account is not None:
        return account
    login = unique_login(session, login_base(person.last_name, person.first_name, person.middle_name))
    account = m.UserAccount(
        person_id=person.id,
        college_id=college_id,
        login=login,
        status=AccountStatus.ACTIVE,
        failed_attempts=0,
        must_change_password=True,
        created_at=at,
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "account.create",
        "user_accounts",
        account.id,
        after={"login": login, "person_id": person.id},
        group_id=where.get("group_id"),
        student_id=where.get("student_id"),
        at=at,
    )
    return account


def _set_new_password(
    session: Session, actor: Actor, account: m.UserAccount, st: _Standing, at: datetime, action: str
) -> IssuedCredential:
    """Give the account a fresh one-time password; audit ``action`` without the secret."""
    if account.status == AccountStatus.DISABLED:
        raise NetspoError(f"Учётная запись «{account.login}» отключена: реквизиты не выдаются.")
    before = audit.snapshot(account, ["status", "must_change_password", "failed_attempts", "locked_until"])
    had_credentials = account.password_hash is not None
    password = generate_password(login=account.login)
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.credentials_issued_at = at
    account.credentials_issued_by_id = actor.account_id
    account.failed_attempts = 0
    account.locked_until = None
    account.status = AccountStatus.ACTIVE
    role, group, note, student_id = _describe(session, account, st)
    group_id = None
    if student_id is not None:
        group_id = session.scalar(sa.select(m.Student.group_id).where(m.Student.id == student_id))
    after = audit.snapshot(account, ["status", "must_change_password", "failed_attempts", "locked_until"])
    after["reissue"] = had_credentials
    audit.record(
        session,
        actor,
        action,
        "user_accounts",
        account.id,
        before=before,
        after=after,
        group_id=group_id,
        student_id=student_id,
        at=at,
    )
    person = session.get(m.Person, account.person_id)
    return IssuedCredential(
        account_id=account.id,
        login=account.login,
        password=password,
        name=person.full_name if person else account.login,
        role=role,
        group=group,
        note=note,
    )


def _group_accounts(
    session: Session, actor: Actor, group_id: int, *, students: bool, parents: bool, at: datetime
) -> list[m.UserAccount]:
    """Accounts of the group's students and legal representatives, created when missing,
    in print order: each student followed by the student's parents."""
    group = session.get(m.Group, group_id)
    if group is None:
        raise NetspoError("Группа не найдена.")
    pupils = session.execute(
        sa.select(m.Student, m.Person)
        .join(m.Person, m.Person.id == m.Student.person_id)
        .where(m.Student.group_id == group_id, m.Student.status.in_(STUDENT_STATUSES_WITH_ACCESS))
        .order_by(m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Student.id)
    ).all()
    out: list[m.UserAccount] = []
    seen: set[int] = set()
    for student, pupil in pupils:
        where = {"group_id": group_id, "student_id": student.id}
        if students:
            account = _ensure_account(session, actor, pupil, group.college_id, at, **where)
            _ensure_grant(session, actor, account, Role.STUDENT, student, at)
            if account.id not in seen:
                seen.add(account.id)
                out.append(account)
        if parents:
            reps = session.scalars(
                sa.select(m.Person)
                .join(m.ParentLink, m.ParentLink.parent_id == m.Person.id)
                .where(m.ParentLink.student_id == student.id, m.ParentLink.is_legal_representative)
                .order_by(m.Person.last_name, m.Person.first_name, m.Person.id)
            ).all()
            for rep in reps:
                account = _ensure_account(session, actor, rep, group.college_id, at, **where)
                _ensure_grant(session, actor, account, Role.PARENT, student, at)
                if account.id not in seen:
                    seen.add(account.id)
                    out.append(account)
    return out


def _staff_accounts(session: Session, actor: Actor, at: datetime) -> list[m.UserAccount]:
    """Accounts of the college's current staff, created when missing (R-4.1.c, R-4.1.d)."""
    on = at.date()
    people = session.scalars(
        sa.select(m.Person)
        .join(m.StaffEmployment, m.StaffEmployment.person_id == m.Person.id)
        .where(
            m.StaffEmployment.college_id == actor.college_id,
            sa.or_(m.StaffEmployment.dismissed_on.is_(None), m.StaffEmployment.dismissed_on > on),
        )
        .distinct()
        .order_by(m.Person.last_name, m.Person.first_name, m.Person.middle_name, m.Person.id)
    ).all()
    existing = {
        a.person_id: a
        for a in session.scalars(
            sa.select(m.UserAccount).where(m.UserAccount.person_id.in_([p.id for p in people]))
        )
    }
    if any(p.id not in existing for p in people):
        require(session, actor, Action.USERS_MANAGE, Resource(college_id=actor.college_id))
    return [existing.get(p.id) or _ensure_account(session, actor, p, actor.college_id, at) for p in people]


def _wants_credentials(account: m.UserAccount, reissue: bool) -> bool:
    """In a group or staff run: accounts without credentials (all with ``reissue``); a
    disabled account is left alone, it was disabled on purpose."""
    if account.status == AccountStatus.DISABLED:
        return False
    return reissue or account.password_hash is None


def issue_credentials(
    session: Session,
    actor: Actor,
    *,
    account_ids: Sequence[int] | None = None,
    group_id: int | None = None,
    students: bool = True,
    parents: bool = True,
    staff: bool = False,
    reissue: bool = False,
    at: datetime | None = None,
) -> list[IssuedCredential]:
    """Issue logins and one-time passwords (R-4.1.d, R-4.7.c); name exactly one target:

    * ``account_ids`` — these accounts; one that already has credentials is refused
      unless ``reissue`` (a new password is otherwise :func:`reset_password`'s job);
    * ``group_id`` — the group's students (studying or on academic leave) and/or their
      legal representatives: missing accounts are created with their grants (a student
      over self, a parent over the child), and those without credentials get them
      (everyone, with ``reissue``); disabled accounts are left out;
    * ``staff=True`` — the college's current staff, likewise (the administrator only).

    Each account is checked with ``access``: the administrator reaches anyone of the
    college, a curator only the own group's students and parents. Every password is
    random, readable, and returned once; the database keeps its Argon2id hash and the
    person must change it at the first login.
    """
    targets = sum([account_ids is not None, group_id is not None, staff])
    if targets != 1:
        raise NetspoError("Укажите одно: учётные записи, группу или сотрудников.")
    at = at or now()
    if group_id is not None:
        require(session, actor, Action.CREDENTIALS_ISSUE, Resource(group_id=group_id))
        accounts = _group_accounts(session, actor, group_id, students=students, parents=parents, at=at)
        accounts = [a for a in accounts if _wants_credentials(a, reissue)]
    elif staff:
        require(session, actor, Action.CREDENTIALS_ISSUE, Resource(college_id=actor.college_id))
        accounts = [a for a in _staff_accounts(session, actor, at) if _wants_credentials(a, reissue)]
    else:
        accounts = []
        for account_id in dict.fromkeys(account_ids or ()):
            account = session.get(m.UserAccount, account_id)
            if account is None:
                raise NetspoError(f"Учётная запись №{account_id} не найдена.")
            if account.password_hash is not None and not reissue:
                raise NetspoError(
                    f"Учётной записи «{account.login}» реквизиты уже выданы; "
                    "чтобы выдать новый пароль, сбросьте пароль."
                )
            accounts.append(account)
    issued = []
    for account in accounts:
        st = _require_reach(session, actor, account)
        issued.append(_set_new_password(session, actor, account, st, at, "account.credentials_issued"))
    session.flush()
    return issued


def reset_password(
    session: Session, actor: Actor, *, account_id: int, at: datetime | None = None
) -> IssuedCredential:
    """A new one-time password for a forgotten one; also lifts a lock (R-4.1.d, R-4.7.c).

    The administrator resets anyone's; a curator those of the own group's students and
    parents. The person must change the password at the next login.
    """
    at = at or now()
    account = session.get(m.UserAccount, account_id)
    if account is None:
        raise NetspoError(f"Учётная запись №{account_id} не найдена.")
    st = _require_reach(session, actor, account)
    credential = _set_new_password(session, actor, account, st, at, "account.password_reset")
    session.flush()
    return credential


# --- the printed sheet -------------------------------------------------------------------------


def workbench_url() -> str:
    """The address printed on credential sheets: ``NETSPO_PUBLIC_URL``, else the local one."""
    from netspo_lib.serve import landing_url

    return os.environ.get("NETSPO_PUBLIC_URL") or landing_url()


def credentials_sheet(
    issued: Iterable[IssuedCredential],
    *,
    college_name: str,
    group_name: str,
    path: str | Path,
    url: str | None = None,
    issued_on: date | None = None,
) -> Path:
    """A printable A4 workbook with one cut-out block per person (R-4.1.d, R-4.7.c).

    The only place a clear password exists outside memory: hand the printout out and
    delete the file. ``path`` may be a directory (the file is then named after the group
    and the date). The file is made readable by its owner only.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.pagebreak import Break

    issued = list(issued)
    issued_on = issued_on or today()
    url = url or workbench_url()
    target = Path(path)
    if target.is_dir():
        safe_group = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in group_name) or "реквизиты"
        target = target / f"Реквизиты_{safe_group}_{issued_on:%Y-%m-%d}.xlsx"

    wb = Workbook()
    ws = wb.active
    ws.title = "Реквизиты"
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 58
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Лист &P из &N"
    wb.properties.title = f"Реквизиты доступа — {group_name}"
    wb.properties.creator = "netspo"

    thin = Side(style="thin")
    dashed = Side(style="dashDot", color="808080")
    bold = Font(bold=True)
    mono = Font(name="Courier New", bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="center")

    def put(row: int, col: int, value: str, font: Font | None = None) -> None:
        cell = ws.cell(row=row, column=col)
        cell.value = value
        cell.data_type = "s"  # text only: a name starting with «=» never becomes a formula
        cell.alignment = wrap
        if font is not None:
            cell.font = font

    put(1, 1, f"{college_name}: реквизиты доступа, {group_name}, {fmt_date(issued_on)}", bold)
    ws.merge_cells("A1:B1")
    put(2, 1, "Разрежьте лист по линиям и передайте каждому его листок лично.")
    ws.merge_cells("A2:B2")
    row = 4
    per_page = 4
    for n, cred in enumerate(issued):
        if n and n % per_page == 0:
            ws.row_breaks.append(Break(id=row - 1))
        top = row
        put(row, 1, college_name, bold)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
        put(row, 1, "Реквизиты доступа к рабочему месту «Сетевой Город. Образование. Модуль ПОО»")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
        role = f"{cred.role} ({cred.note})" if cred.note else cred.role
        lines = [
            ("ФИО", cred.name, bold),
            ("Роль", role, None),
            ("Группа", cred.group or group_name, None),
            ("Адрес рабочего места", url, None),
            ("Логин", cred.login, mono),
            ("Пароль", cred.password, mono),
        ]
        for label, value, font in lines:
            put(row, 1, label)
            put(row, 2, value, font)
            if font is mono:
                ws.row_dimensions[row].height = 22
            row += 1
        put(row, 1, f"{PASSWORD_REMINDER}. Никому не сообщайте пароль.", bold)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
        put(row, 1, f"Выдано {fmt_date(issued_on)}")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        for r in range(top, row + 1):
            for c in (1, 2):
                ws.cell(row=r, column=c).border = Border(
                    left=thin if c == 1 else None,
                    right=thin if c == 2 else None,
                    top=thin if r == top else None,
                    bottom=thin if r == row else None,
                )
        row += 1
        put(row, 1, "✂ " + "- " * 20)
        for c in (1, 2):
            ws.cell(row=row, column=c).border = Border(bottom=dashed)
        row += 2
    ws.print_area = f"A1:B{max(row - 1, 2)}"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    if os.name == "posix":
        target.chmod(0o600)
    return target


# --- login -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when there is no account, so that a refusal takes as long
    for an unknown login as for a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def _activity(
    session: Session,
    account_id: int | None,
    kind: ActivityKind,
    at: datetime,
    *,
    page: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(m.ActivityEvent(account_id=account_id, kind=kind, at=at, page=page, detail=detail))


def _find_account(session: Session, login_text: str) -> m.UserAccount | None:
    """The account of a login as typed: exact, else case-insensitive when that is unique."""
    text = login_text.strip()
    if not text:
        return None
    query = sa.select(m.UserAccount).with_for_update()
    account = session.scalar(query.where(m.UserAccount.login == text))
    if account is None:
        found = session.scalars(
            query.where(sa.func.lower(m.UserAccount.login) == text.lower()).limit(2)
        ).all()
        account = found[0] if len(found) == 1 else None
    return account


def _lock_message(until: datetime) -> str:
    return (
        f"Учётная запись временно заблокирована после {LOCK_AFTER_FAILURES} неудачных попыток "
        f"входа. Повторите вход после {fmt_datetime(until)}."
    )


def login(session: Session, login: str, password: str, *, at: datetime | None = None) -> Actor:
    """Check a login and password and return the actor (R-4.1.d, R-4.1.e).

    Records ``login`` or ``login_failed`` in the activity log and keeps the count of
    failures in a row: the ``LOCK_AFTER_FAILURES``-th locks the account for
    ``LOCK_DURATION``; while locked even the right password is refused, and the lock
    ends by itself. Refusals raise :class:`LoginRefused` with «Неверный логин или пароль»
    whether or not the login exists; a lock says until when. The bookkeeping is written
    to the session before raising: the caller commits it (see :func:`sign_in`).
    """
    at = at or now()
    account = _find_account(session, login)
    if account is None:
        verify_password(_dummy_hash(), password)  # same time as a wrong password
        _activity(session, None, ActivityKind.LOGIN_FAILED, at, detail="неизвестный логин")
        raise LoginRefused()
    if account.locked_until is not None and at >= account.locked_until:
        _unlock(session, account, at)
    if account.status == AccountStatus.LOCKED or account.locked_until is not None:
        _activity(session, account.id, ActivityKind.LOGIN_FAILED, at, detail="учётная запись заблокирована")
        if account.locked_until is None:
            raise LoginRefused("Учётная запись заблокирована. Обратитесь к администратору.")
        raise LoginRefused(_lock_message(account.locked_until), locked_until=account.locked_until)
    if account.password_hash is None:
        verify_password(_dummy_hash(), password)
        _activity(session, account.id, ActivityKind.LOGIN_FAILED, at, detail="реквизиты не выданы")
        raise LoginRefused()
    if not verify_password(account.password_hash, password):
        if account.status == AccountStatus.DISABLED:
            _activity(session, account.id, ActivityKind.LOGIN_FAILED, at, detail="учётная запись отключена")
            raise LoginRefused()
        _fail(session, account, at)  # raises
    if account.status == AccountStatus.DISABLED:
        # Only someone who knows the password learns that the account is disabled.
        _activity(session, account.id, ActivityKind.LOGIN_FAILED, at, detail="учётная запись отключена")
        raise LoginRefused("Учётная запись отключена. Обратитесь к администратору колледжа.")
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.failed_attempts = 0
    account.last_login_at = at
    _activity(session, account.id, ActivityKind.LOGIN, at)
    session.flush()
    return actor_for_account(session, account)


def _fail(session: Session, account: m.UserAccount, at: datetime) -> None:
    """Count a wrong password; lock at the limit. Always raises :class:`LoginRefused`."""
    account.failed_attempts = (account.failed_attempts or 0) + 1
    _activity(session, account.id, ActivityKind.LOGIN_FAILED, at, detail="неверный пароль")
    if account.failed_attempts < LOCK_AFTER_FAILURES:
        session.flush()
        raise LoginRefused()
    until = at + LOCK_DURATION
    account.status = AccountStatus.LOCKED
    account.locked_until = until
    audit.record(
        session,
        None,
        "account.locked",
        "user_accounts",
        account.id,
        after={
            "status": "locked",
            "locked_until": until.isoformat(),
            "failed_attempts": account.failed_attempts,
        },
        reason=f"{LOCK_AFTER_FAILURES} неудачных попыток входа подряд",
        at=at,
    )
    session.flush()
    raise LoginRefused(_lock_message(until), locked_until=until)


def _unlock(session: Session, account: m.UserAccount, at: datetime) -> None:
    """End a lock whose time is over: the next attempts start counting from zero."""
    until = account.locked_until
    account.locked_until = None
    account.failed_attempts = 0
    if account.status == AccountStatus.LOCKED:
        account.status = AccountStatus.ACTIVE
    audit.record(
        session,
        None,
        "account.unlocked",
        "user_accounts",
        account.id,
        before={"status": "locked", "locked_until": until.isoformat() if until else None},
        after={"status": account.status.value, "locked_until": None},
        reason="срок блокировки истёк",
        at=at,
    )


def sign_in(engine: Engine, login_text: str, password: str, *, at: datetime | None = None) -> Actor:
    """:func:`login` in a transaction of its own that is committed even when the login is
    refused, so that failures and locks are kept. For the login page."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            actor = login(session, login_text, password, at=at)
        except LoginRefused:
            session.commit()
            raise
        session.commit()
        return actor


def logout(session: Session, actor: Actor, *, at: datetime | None = None) -> None:
    """Record the end of a session in the activity log (R-4.1.e)."""
    _activity(session, actor.account_id, ActivityKind.LOGOUT, at or now())


def record_page_view(session: Session, actor: Actor, page: str, *, at: datetime | None = None) -> None:
    """Record that the actor opened a page, for the activity monitor (R-4.1.e, R-4.7.d, R-6.1)."""
    _activity(session, actor.account_id, ActivityKind.PAGE_VIEW, at or now(), page=page[:200])


def password_change_required(session: Session, actor: Actor) -> bool:
    """True while the actor still has an issued one-time password (pages then ask for a new one)."""
    return bool(
        session.scalar(
            sa.select(m.UserAccount.must_change_password).where(m.UserAccount.id == actor.account_id)
        )
    )


def change_password(
    session: Session,
    actor: Actor,
    *,
    old_password: str,
    new_password: str,
    at: datetime | None = None,
) -> None:
    """The actor replaces the own password (R-4.1.d): the current one is checked, the new
    one must pass :func:`password_strength_problems` and differ from the current one."""
    at = at or now()
    account = session.get(m.UserAccount, actor.account_id)
    if account is None or account.status == AccountStatus.DISABLED:
        raise NetspoError("Учётная запись отключена.")
    problems = password_strength_problems(new_password, login=account.login)
    if new_password == old_password:
        problems.append("Новый пароль должен отличаться от текущего.")
    if problems:  # checked first: it costs no hashing
        raise WeakPassword(problems)
    if not verify_password(account.password_hash, old_password):
        raise NetspoError("Текущий пароль указан неверно.")
    before = audit.snapshot(account, ["must_change_password", "password_changed_at"])
    account.password_hash = hash_password(new_password)
    account.must_change_password = False
    account.password_changed_at = at
    audit.record(
        session,
        actor,
        "account.password_changed",
        "user_accounts",
        account.id,
        before=before,
        after=audit.snapshot(account, ["must_change_password", "password_changed_at"]),
        at=at,
    )
    session.flush()


__all__ = [
    "BAD_CREDENTIALS",
    "COMMON_PASSWORDS",
    "LOCK_AFTER_FAILURES",
    "LOCK_DURATION",
    "MIN_PASSWORD_LENGTH",
    "IssuedCredential",
    "LoginRefused",
    "WeakPassword",
    "change_password",
    "credentials_sheet",
    "generate_password",
    "issue_credentials",
    "login",
    "login_base",
    "logout",
    "password_change_required",
    "password_strength_problems",
    "record_page_view",
    "reset_password",
    "sign_in",
    "transliterate",
    "unique_login",
    "workbench_url",
]
