"""Credentials, passwords, login and the activity log (R-4.1.c, R-4.1.d, R-4.1.e, R-4.7.c).

Every database test runs on SQLite and PostgreSQL. Argon2 keeps its real cost (~50 ms a
hash), so each test issues as few passwords as it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import AccessDenied, Actor, actor_for_account
from netspo_lib.accounts import (
    BAD_CREDENTIALS,
    LOCK_AFTER_FAILURES,
    IssuedCredential,
    LoginRefused,
    WeakPassword,
    change_password,
    credentials_sheet,
    generate_password,
    issue_credentials,
    login,
    login_base,
    logout,
    password_change_required,
    password_strength_problems,
    record_page_view,
    reset_password,
    sign_in,
    transliterate,
    unique_login,
)
from netspo_lib.enums import AccountStatus, ActivityKind, ParentRelation, Role, ScopeKind, StudentStatus
from netspo_lib.errors import NetspoError
from netspo_lib.passwords import verify_password

from .factories import T0, person
from .world import World, build_world

AT = datetime(2026, 3, 2, 10, 0)


@dataclass
class Setup:
    world: World
    new_student: int  # a student of group A with no account
    new_parent: int  # the new student's mother, no account
    expelled: int  # an expelled student of group A, no account


def setup_world(session: Session) -> Setup:
    """The access world plus, in group A (ИСП-25): the world's parent linked to its child,
    a second student with a mother (neither has an account) and an expelled student."""
    w = build_world(session)
    session.add(
        m.ParentLink(
            student_id=w.student_a, parent_id=w.actors[Role.PARENT].person_id, relation=ParentRelation.FATHER
        )
    )
    pupil = person("Иванов", "Иван", snils="40000000001")
    pupil.middle_name = "Иванович"
    mother = person("Иванова", "Ольга", snils="40000000002")
    mother.middle_name = "Петровна"
    gone = person("Щукин", "Юрий", snils="40000000003")
    session.add_all([pupil, mother, gone])
    session.flush()
    student = m.Student(person_id=pupil.id, group_id=w.group_a, enrolled_on=date(2025, 9, 1), created_at=T0)
    left = m.Student(
        person_id=gone.id,
        group_id=w.group_a,
        enrolled_on=date(2025, 9, 1),
        status=StudentStatus.EXPELLED,
        left_on=date(2025, 12, 1),
        created_at=T0,
    )
    session.add_all([student, left])
    session.flush()
    session.add(m.ParentLink(student_id=student.id, parent_id=mother.id, relation=ParentRelation.MOTHER))
    session.flush()
    return Setup(w, student.id, mother.id, left.id)


def account_of(session: Session, actor: Actor) -> m.UserAccount:
    account = session.get(m.UserAccount, actor.account_id)
    assert account is not None
    return account


def give_password(session: Session, w: World, role: Role) -> IssuedCredential:
    """The administrator issues credentials to the world's account of ``role``."""
    [cred] = issue_credentials(session, w.actors[Role.ADMIN], account_ids=[w.actors[role].account_id], at=T0)
    return cred


def activity(session: Session, account_id: int | None) -> list[tuple[ActivityKind, str | None]]:
    rows = session.execute(
        sa.select(m.ActivityEvent.kind, m.ActivityEvent.detail)
        .where(
            m.ActivityEvent.account_id == account_id
            if account_id is not None
            else m.ActivityEvent.account_id.is_(None)
        )
        .order_by(m.ActivityEvent.id)
    )
    return [(k, d) for k, d in rows]


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(m.AuditEvent.action).order_by(m.AuditEvent.id)))


# --- logins and passwords without a database ------------------------------------------------


def test_logins_are_icao_transliterations_of_surname_and_initials() -> None:
    """R-4.1.d: readable ASCII logins, the Russian passport's transliteration."""
    assert login_base("Иванов", "Иван", "Иванович") == "ivanov.ii"
    assert login_base("Щукина", "Юлия", "Эдуардовна") == "shchukina.ie"
    assert login_base("Хабибуллин", "Ринат") == "khabibullin.r"
    assert login_base("Петрова-Водкина", "Ёлка", None) == "petrova-vodkina.e"
    assert transliterate("Подъячев Цой Жук Чайка Ящерица") == "podieiachevtsoizhukchaikaiashcheritsa"
    assert login_base("O'Brien", "John") == "obrien.j"


def test_generated_passwords_are_readable_random_and_strong() -> None:
    """R-4.1.d: ≥ 10 characters, letters and digits, no 0/O/l/1/I, never the same twice."""
    seen = set()
    for _ in range(300):
        pw = generate_password(login="ivanov.ii")
        assert re.fullmatch(r"[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}", pw)
        assert not set(pw) & set("0O1lIo")
        assert len(pw) >= 10
        assert password_strength_problems(pw, login="ivanov.ii") == []
        seen.add(pw)
    assert len(seen) == 300


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab3def", "Пароль должен быть не короче 10 символов."),
        ("abcdefghijkl", "Пароль должен содержать цифры."),
        ("1234567890123", "Пароль должен содержать буквы."),
        ("xx-ivanov.ii-77", "Пароль не должен содержать логин."),
        ("Ivanov-2026-a", "Пароль не должен содержать логин."),
        ("1q2w3e4r5t", "Это один из самых распространённых паролей, его легко подобрать."),
        ("Demo-2026-netspo", "Это один из самых распространённых паролей, его легко подобрать."),
        ("a1a1a1a1a1a1", "В пароле слишком мало разных символов."),
    ],
)
def test_weak_passwords_are_refused_with_russian_reasons(password: str, problem: str) -> None:
    assert problem in password_strength_problems(password, login="ivanov.ii")


def test_a_good_password_has_no_problems() -> None:
    assert password_strength_problems("Кедр-Алтай-2026", login="ivanov.ii") == []
    assert password_strength_problems("river7Stone42", login="ivanov.ii") == []


def test_issued_credential_hides_the_password_in_its_repr() -> None:
    cred = IssuedCredential(1, "ivanov.ii", "Secret-2026-x", "Иванов Иван", "Студент")
    assert "Secret-2026-x" not in repr(cred)
    assert "Secret-2026-x" not in str(cred)


# --- issuing -------------------------------------------------------------------------------


def test_curator_issues_credentials_to_own_group_students_and_parents(engine: Engine) -> None:
    """R-4.7.c: missing accounts are created with their grants; each gets a one-time password."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        curator = w.actors[Role.CURATOR]
        issued = issue_credentials(session, curator, group_id=w.group_a, at=AT)
        session.commit()

        by_login = {c.login: c for c in issued}
        # The existing student and parent accounts, and two new ones with ICAO logins;
        # the expelled student gets nothing. Each student is followed by the parents.
        assert [c.login for c in issued] == ["ivanov.ii", "ivanova.op", "u_student", "u_parent"]
        assert by_login["ivanov.ii"].role == Role.STUDENT.label
        assert by_login["ivanov.ii"].group == "ИСП-25"
        assert by_login["ivanov.ii"].name == "Иванов Иван Иванович"
        assert by_login["ivanova.op"].role == Role.PARENT.label
        assert by_login["ivanova.op"].note == "ребёнок: Иванов И.И."
        assert by_login["u_parent"].note.startswith("ребёнок: Сидорова")

        new_student = session.scalar(sa.select(m.UserAccount).where(m.UserAccount.login == "ivanov.ii"))
        assert new_student is not None
        grants = {(g.role, g.scope, g.student_id) for g in new_student.grants}
        assert grants == {(Role.STUDENT, ScopeKind.STUDENT, s.new_student)}
        mother = session.scalar(sa.select(m.UserAccount).where(m.UserAccount.login == "ivanova.op"))
        assert mother is not None
        assert {(g.role, g.student_id) for g in mother.grants} == {(Role.PARENT, s.new_student)}

        for cred in issued:
            account = session.get(m.UserAccount, cred.account_id)
            assert account is not None
            assert account.password_hash is not None
            assert account.password_hash.startswith("$argon2id$")
            assert account.password_hash != cred.password
            assert cred.password not in account.password_hash
            assert account.must_change_password is True
            assert account.credentials_issued_at == AT
            assert account.credentials_issued_by_id == curator.account_id
        assert verify_password(new_student.password_hash, by_login["ivanov.ii"].password)

        assert audit_actions(session).count("account.credentials_issued") == 4
        assert audit_actions(session).count("account.create") == 2

        # Issuing again gives nothing new: everyone has credentials now.
        assert issue_credentials(session, curator, group_id=w.group_a, at=AT) == []


def test_a_group_run_leaves_disabled_accounts_alone(engine: Engine) -> None:
    """R-4.1.c: an account disabled on purpose gets no password from a group run."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        account_of(session, w.actors[Role.STUDENT]).status = AccountStatus.DISABLED
        issued = issue_credentials(session, w.actors[Role.CURATOR], group_id=w.group_a, parents=False, at=AT)
        assert [c.login for c in issued] == ["ivanov.ii"]
        assert account_of(session, w.actors[Role.STUDENT]).password_hash is None


def test_curator_may_not_issue_for_another_group_or_for_staff(engine: Engine) -> None:
    """R-4.7.c: a curator reaches only the own group's students and parents; R-4.1.d: staff
    credentials are the administrator's."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        curator = w.actors[Role.CURATOR]
        session.commit()
        before = audit_actions(session)
        with pytest.raises(AccessDenied, match="выдача реквизитов доступа"):
            issue_credentials(session, curator, group_id=w.group_b, at=AT)
        with pytest.raises(AccessDenied):
            issue_credentials(session, curator, group_id=w.group_foreign, at=AT)
        with pytest.raises(AccessDenied, match="сотрудник"):
            issue_credentials(session, curator, account_ids=[w.actors[Role.TEACHER].account_id], at=AT)
        with pytest.raises(AccessDenied):
            issue_credentials(session, curator, staff=True, at=AT)
        with pytest.raises(AccessDenied):
            reset_password(session, curator, account_id=w.actors[Role.DIRECTOR].account_id, at=AT)
        # A teacher, a student or a parent issues nothing.
        for role in (Role.TEACHER, Role.STUDENT, Role.PARENT, Role.DIRECTOR):
            with pytest.raises(AccessDenied):
                issue_credentials(session, w.actors[role], group_id=w.group_a, at=AT)
        session.rollback()
        assert audit_actions(session) == before
        hashes = session.scalars(
            sa.select(m.UserAccount.password_hash).where(m.UserAccount.password_hash.is_not(None))
        )
        assert list(hashes) == []


def test_curator_of_another_group_may_not_reset_a_student_of_group_a(engine: Engine) -> None:
    """R-4.7.c: the curator of ЭБ-25 does not reach ИСП-25's students or parents."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        other = session.get(m.UserAccount, w.actors[Role.HR].account_id)
        assert other is not None
        session.add(
            m.RoleGrant(
                account_id=other.id,
                role=Role.CURATOR,
                scope=ScopeKind.GROUP,
                group_id=w.group_b,
                college_id=w.college_id,
                granted_at=T0,
            )
        )
        session.flush()
        curator_b = actor_for_account(session, other)
        for role in (Role.STUDENT, Role.PARENT):
            with pytest.raises(AccessDenied):
                reset_password(session, curator_b, account_id=w.actors[role].account_id, at=AT)


def test_a_parent_of_children_in_two_groups_is_reached_by_either_curator(engine: Engine) -> None:
    """R-4.7.c: a curator hands credentials to a parent of the own group, even when the
    parent also has a child in another group."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        parent = w.actors[Role.PARENT]
        session.add(
            m.ParentLink(student_id=w.student_b, parent_id=parent.person_id, relation=ParentRelation.FATHER)
        )
        session.flush()
        cred = reset_password(session, w.actors[Role.CURATOR], account_id=parent.account_id, at=AT)
        assert cred.note == "дети: Сидорова М.И., Борисов И.И."


def test_administrator_issues_staff_credentials_and_creates_missing_accounts(engine: Engine) -> None:
    """R-4.1.c, R-4.1.d: current staff without credentials get them; the dismissed do not."""
    with Session(engine) as session:
        w = build_world(session)
        position = m.Position(college_id=w.college_id, name="Библиотекарь")
        librarian = person("Кузнецова", "Ольга", snils="50000000001")
        librarian.middle_name = "Петровна"
        retired = person("Старов", "Пётр", snils="50000000002")
        session.add_all([position, librarian, retired])
        session.flush()
        for p, dismissed in ((librarian, None), (retired, date(2025, 12, 31))):
            session.add(
                m.StaffEmployment(
                    person_id=p.id,
                    college_id=w.college_id,
                    position_id=position.id,
                    hired_on=date(2020, 9, 1),
                    hire_order_number="1-к",
                    hire_order_date=date(2020, 8, 31),
                    dismissed_on=dismissed,
                    dismissal_order_number="9-к" if dismissed else None,
                    dismissal_order_date=dismissed,
                    created_at=T0,
                )
            )
        session.flush()
        issued = issue_credentials(session, w.actors[Role.ADMIN], staff=True, at=AT)
        assert [(c.login, c.role, c.name) for c in issued] == [
            ("kuznetsova.op", "Библиотекарь", "Кузнецова Ольга Петровна")
        ]
        assert session.scalar(sa.select(m.UserAccount).where(m.UserAccount.person_id == retired.id)) is None


def test_explicit_accounts_with_credentials_need_reissue(engine: Engine) -> None:
    """R-4.1.d: a second password is a conscious reset, not a side effect."""
    with Session(engine) as session:
        w = build_world(session)
        admin = w.actors[Role.ADMIN]
        teacher_id = w.actors[Role.TEACHER].account_id
        first = give_password(session, w, Role.TEACHER)
        with pytest.raises(NetspoError, match="реквизиты уже выданы"):
            issue_credentials(session, admin, account_ids=[teacher_id], at=AT)
        [second] = issue_credentials(session, admin, account_ids=[teacher_id], reissue=True, at=AT)
        assert second.password != first.password
        assert second.role == Role.TEACHER.label
        with pytest.raises(NetspoError, match="Укажите одно"):
            issue_credentials(session, admin, at=AT)


def test_disabled_accounts_get_no_credentials(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        account_of(session, w.actors[Role.TEACHER]).status = AccountStatus.DISABLED
        with pytest.raises(NetspoError, match="отключена"):
            give_password(session, w, Role.TEACHER)


def test_logins_are_made_unique_with_a_number(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        for login_text in ("ivanov.ii", "ivanov.ii2", "ivanov.iia"):
            p = person("Иванов", login_text, snils=None)
            session.add(p)
            session.flush()
            session.add(
                m.UserAccount(person_id=p.id, college_id=w.college_id, login=login_text, created_at=T0)
            )
        session.flush()
        assert unique_login(session, "ivanov.ii") == "ivanov.ii3"
        assert unique_login(session, "petrov.pp") == "petrov.pp"
        assert unique_login(session, "li") == "li2"  # logins are at least 3 characters


def test_no_password_is_stored_in_any_column_of_any_table(engine: Engine) -> None:
    """R-4.1.d: passwords are never stored in clear, nor in audit or activity events; no
    event carries a password hash either."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        issued = issue_credentials(session, w.actors[Role.CURATOR], group_id=w.group_a, students=False, at=AT)
        parent = next(c for c in issued if c.login == "u_parent")
        actor = login(session, "u_parent", parent.password, at=AT)
        new_password = "Altai-river-2026"
        change_password(session, actor, old_password=parent.password, new_password=new_password, at=AT)
        reset = reset_password(session, w.actors[Role.CURATOR], account_id=actor.account_id, at=AT)
        session.commit()

        secrets = [c.password for c in issued] + [new_password, reset.password]
        hashes = [h for h in session.scalars(sa.select(m.UserAccount.password_hash)) if h]
        with engine.connect() as conn:
            for table in m.Base.metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    text = " ".join(str(v) for v in row)
                    for secret in secrets:
                        assert secret not in text, f"a password in {table.name}"
            for table in (m.AuditEvent.__table__, m.ActivityEvent.__table__):
                for row in conn.execute(sa.select(table)):
                    text = " ".join(str(v) for v in row)
                    assert "argon2" not in text
                    assert not any(h in text for h in hashes)
                    assert "password_hash" not in text


def test_credentials_sheet_is_a_printable_workbook_with_every_login(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """R-4.7.c: the curator prints one block per person: ФИО, role, login, password, address."""
    with Session(engine) as session:
        s = setup_world(session)
        w = s.world
        issued = issue_credentials(session, w.actors[Role.CURATOR], group_id=w.group_a, at=AT)
    issued.append(IssuedCredential(99, "evil.x", "Pass-2026-xyz", '=HYPERLINK("http://x")', "Студент"))
    path = credentials_sheet(
        issued,
        college_name="Тестовый колледж",
        group_name="ИСП-25",
        path=tmp_path,
        url="https://netspo.example.ru",
        issued_on=date(2026, 3, 2),
    )
    assert path.parent == tmp_path and path.suffix == ".xlsx"
    assert path.stat().st_mode & 0o077 == 0  # the owner's eyes only
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    texts = [str(c.value) for c in cells]
    for cred in issued:
        assert cred.login in texts
        assert cred.password in texts
        assert cred.name in texts
    assert texts.count("https://netspo.example.ru") == len(issued)
    assert sum("Смените пароль при первом входе" in t for t in texts) == len(issued)
    assert sum(t == "Выдано 02.03.2026" for t in texts) == len(issued)
    assert any("✂" in t for t in texts)
    evil = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert evil.data_type == "s"  # text, not a formula
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "portrait"
    assert ws.row_breaks.count >= 1  # five blocks: a page break after the fourth
    login_cell = next(c for c in cells if c.value == "ivanov.ii")
    assert login_cell.border.right.style == "thin"


# --- login -------------------------------------------------------------------------------


def test_login_succeeds_and_records_the_activity(engine: Engine) -> None:
    """R-4.1.e: a login is recorded with its time; the account remembers it."""
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.TEACHER)
        actor = login(session, "  u_teacher ", cred.password, at=AT)
        assert actor.account_id == w.actors[Role.TEACHER].account_id
        assert actor.roles == {Role.TEACHER}
        account = account_of(session, actor)
        assert account.last_login_at == AT
        assert account.failed_attempts == 0
        assert password_change_required(session, actor) is True
        record_page_view(session, actor, "journal.ipynb", at=AT + timedelta(minutes=1))
        logout(session, actor, at=AT + timedelta(minutes=5))
        session.commit()
        assert activity(session, actor.account_id) == [
            (ActivityKind.LOGIN, None),
            (ActivityKind.PAGE_VIEW, None),
            (ActivityKind.LOGOUT, None),
        ]
        page = session.scalar(
            sa.select(m.ActivityEvent.page).where(m.ActivityEvent.kind == ActivityKind.PAGE_VIEW)
        )
        assert page == "journal.ipynb"
        # Logins are not case-sensitive when typed on a phone.
        assert login(session, "U_Teacher", cred.password, at=AT).login == "u_teacher"


def test_refusals_do_not_say_whether_the_login_exists(engine: Engine) -> None:
    """R-4.1.d: an unknown login, a wrong password and credentials never issued all read
    «Неверный логин или пароль»; each attempt is recorded as login_failed."""
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.TEACHER)
        messages = []
        for login_text, password in (
            ("nobody", cred.password),
            ("u_teacher", "wrong-password-1"),
            ("u_director", "anything-2026"),  # credentials never issued
            ("", "x"),
        ):
            with pytest.raises(LoginRefused) as refused:
                login(session, login_text, password, at=AT)
            messages.append(str(refused.value))
        assert set(messages) == {BAD_CREDENTIALS} == {"Неверный логин или пароль."}
        teacher = w.actors[Role.TEACHER].account_id
        assert activity(session, teacher) == [(ActivityKind.LOGIN_FAILED, "неверный пароль")]
        assert activity(session, None) == [(ActivityKind.LOGIN_FAILED, "неизвестный логин")] * 2
        assert account_of(session, w.actors[Role.TEACHER]).failed_attempts == 1
        # The attempted login text is not recorded (it may be a mistyped password).
        details = " ".join(d or "" for d in session.scalars(sa.select(m.ActivityEvent.detail)))
        assert "nobody" not in details


def test_five_failures_lock_the_account_for_15_minutes(engine: Engine) -> None:
    """R-4.1.d: the 5th failure in a row locks; even the right password is refused until the
    lock ends by itself; the message says until when (dd.mm.yyyy HH:MM)."""
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.TEACHER)
        account = account_of(session, w.actors[Role.TEACHER])
        for n in range(1, LOCK_AFTER_FAILURES):
            with pytest.raises(LoginRefused, match=r"^Неверный логин или пароль\.$"):
                login(session, "u_teacher", f"wrong-{n}", at=AT + timedelta(minutes=n))
        assert account.failed_attempts == 4 and account.status == AccountStatus.ACTIVE
        fifth = AT + timedelta(minutes=5)
        with pytest.raises(LoginRefused) as locked:
            login(session, "u_teacher", "wrong-5", at=fifth)
        assert locked.value.locked_until == fifth + timedelta(minutes=15)
        assert "02.03.2026 10:20" in str(locked.value)
        assert "заблокирована" in str(locked.value)
        assert account.status == AccountStatus.LOCKED
        assert account.locked_until == datetime(2026, 3, 2, 10, 20)

        with pytest.raises(LoginRefused, match="10:20"):
            login(session, "u_teacher", cred.password, at=datetime(2026, 3, 2, 10, 19, 59))
        assert account.failed_attempts == 5  # refusals during the lock do not extend it

        actor = login(session, "u_teacher", cred.password, at=datetime(2026, 3, 2, 10, 20))
        assert actor.login == "u_teacher"
        assert account.status == AccountStatus.ACTIVE
        assert account.locked_until is None and account.failed_attempts == 0
        actions = audit_actions(session)
        assert actions[-2:] == ["account.locked", "account.unlocked"]
        kinds = [k for k, _ in activity(session, account.id)]
        assert kinds == [ActivityKind.LOGIN_FAILED] * 6 + [ActivityKind.LOGIN]


def test_a_success_resets_the_count_of_failures(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.TEACHER)
        for n in range(2):
            with pytest.raises(LoginRefused):
                login(session, "u_teacher", f"wrong-{n}", at=AT)
        login(session, "u_teacher", cred.password, at=AT)
        with pytest.raises(LoginRefused, match=r"^Неверный логин или пароль\.$"):
            login(session, "u_teacher", "wrong-again", at=AT)
        assert account_of(session, w.actors[Role.TEACHER]).failed_attempts == 1


def test_sign_in_keeps_failures_although_the_login_is_refused(engine: Engine) -> None:
    """The failure counter and the lock survive the refusal (committed by ``sign_in``)."""
    with Session(engine) as session:
        w = build_world(session)
        give_password(session, w, Role.TEACHER)
        session.commit()
        account_id = w.actors[Role.TEACHER].account_id
    for _ in range(2):
        with pytest.raises(LoginRefused):
            sign_in(engine, "u_teacher", "wrong-password", at=AT)
    with Session(engine) as session:
        account = session.get(m.UserAccount, account_id)
        assert account is not None and account.failed_attempts == 2
        assert len(activity(session, account_id)) == 2


def test_disabled_accounts_are_refused(engine: Engine) -> None:
    """R-4.1.c: a disabled account cannot log in; only the holder of the right password
    learns that it is disabled."""
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.TEACHER)
        account_of(session, w.actors[Role.TEACHER]).status = AccountStatus.DISABLED
        with pytest.raises(LoginRefused, match="отключена"):
            login(session, "u_teacher", cred.password, at=AT)
        with pytest.raises(LoginRefused, match=r"^Неверный логин или пароль\.$"):
            login(session, "u_teacher", "wrong-password", at=AT)
        assert account_of(session, w.actors[Role.TEACHER]).last_login_at is None


# --- changing and resetting ------------------------------------------------------------------


def test_change_password_checks_the_old_one_and_the_strength(engine: Engine) -> None:
    """R-4.1.d: the one-time password is replaced by the person's own one."""
    with Session(engine) as session:
        w = build_world(session)
        cred = give_password(session, w, Role.STUDENT)
        actor = w.actors[Role.STUDENT]
        with pytest.raises(NetspoError, match="Текущий пароль указан неверно"):
            change_password(session, actor, old_password="not-it-2026", new_password="Altai-river-2026")
        with pytest.raises(WeakPassword) as weak:
            change_password(session, actor, old_password=cred.password, new_password="qwerty")
        assert weak.value.problems == [
            "Пароль должен быть не короче 10 символов.",
            "Пароль должен содержать цифры.",
        ]
        assert str(weak.value).startswith("Пароль не подходит: ")
        with pytest.raises(WeakPassword, match="отличаться от текущего"):
            change_password(session, actor, old_password=cred.password, new_password=cred.password)

        change_password(session, actor, old_password=cred.password, new_password="Altai-river-2026", at=AT)
        account = account_of(session, actor)
        assert account.must_change_password is False
        assert account.password_changed_at == AT
        assert password_change_required(session, actor) is False
        assert verify_password(account.password_hash, "Altai-river-2026")
        assert audit_actions(session)[-1] == "account.password_changed"


def test_reset_password_lifts_a_lock_and_asks_for_a_change(engine: Engine) -> None:
    """R-4.7.c: the curator resets a password of the own group's parent; R-4.1.d: the
    administrator anyone's."""
    with Session(engine) as session:
        w = build_world(session)
        parent = account_of(session, w.actors[Role.PARENT])
        parent.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"  # unknown password
        parent.must_change_password = False
        parent.status, parent.locked_until, parent.failed_attempts = (
            AccountStatus.LOCKED,
            AT + timedelta(minutes=10),
            5,
        )
        cred = reset_password(session, w.actors[Role.CURATOR], account_id=parent.id, at=AT)
        assert cred.login == "u_parent" and cred.role == Role.PARENT.label
        assert parent.status == AccountStatus.ACTIVE
        assert parent.locked_until is None and parent.failed_attempts == 0
        assert parent.must_change_password is True
        assert parent.credentials_issued_by_id == w.actors[Role.CURATOR].account_id
        assert audit_actions(session)[-1] == "account.password_reset"
        event = session.scalars(sa.select(m.AuditEvent).order_by(m.AuditEvent.id.desc())).first()
        assert event is not None and event.student_id == w.student_a and event.group_id == w.group_a
        login(session, "u_parent", cred.password, at=AT + timedelta(minutes=1))

        staff = reset_password(
            session, w.actors[Role.ADMIN], account_id=w.actors[Role.DIRECTOR].account_id, at=AT
        )
        assert staff.role == Role.DIRECTOR.label
        with pytest.raises(NetspoError, match="не найдена"):
            reset_password(session, w.actors[Role.ADMIN], account_id=10_000, at=AT)
