"""Messages between the college and its students and parents; parents' consultative
questions and the D-9 check that they are answered within 3 days.

3.4, R-4.7.e, R-4.8.b, R-4.9.b, D-9. Who may start a conversation with whom:

* a student — the curator of the own group and the group's teachers (R-4.8.b);
* a parent — the college's administration (director, deputy director, head of studies,
  department heads, the administrator), the child's curator and the child's teachers
  (R-4.9.b);
* staff — anyone of the college.

Whoever takes part in a conversation may answer in it, whatever started it.

Tables come back as pandas DataFrames with **English snake_case column names and plain
typed values**, so that other modules compute on them: ids and counts are integers
(nullable ``Int64`` where one may be missing), text is ``str``, dates are ``datetime.date``
and moments ``datetime.datetime`` objects, ``None`` stands for no value. The Russian
headers for users are in :data:`INBOX_COLUMNS` and :data:`UNANSWERED_COLUMNS` (English
name → Russian header, in display order); :func:`russian_headers` applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from netspo_lib import audit
from netspo_lib import models as m
from netspo_lib.access import Action, Actor, Resource, require
from netspo_lib.clock import now
from netspo_lib.enums import AccountStatus, Role, ThreadKind
from netspo_lib.errors import NetspoError

# D-9: a parent's question is answered within 3 calendar days of the day it was sent
# («3 days after it was sent»). Counted like a legal term (Civil Code art. 191, 194): the
# days start the day after sending and the last one ends at midnight, so a question sent
# on 04.05 at 21:00 is due by the end of 07.05.
REPLY_DAYS = 3

# Administration of the college, to whom parents may write (R-4.9.b).
ADMINISTRATION_ROLES = frozenset(
    {Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.HEAD_OF_STUDIES, Role.DEPARTMENT_HEAD, Role.ADMIN}
)
_FAMILY_ROLES = frozenset({Role.STUDENT, Role.PARENT})
MAX_BODY = 10_000

# Russian name of the audit verb recorded here (to be merged into ``audit.ACTION_LABELS``).

INBOX_COLUMNS: dict[str, str] = {
    "message_id": "№ сообщения",
    "thread_id": "№ переписки",
    "subject": "Тема",
    "kind": "Вид",
    "is_question": "Консультативный вопрос",
    "sender_account_id": "№ учётной записи отправителя",
    "sender": "Отправитель",
    "student": "Студент",
    "body": "Текст",
    "sent_at": "Отправлено",
    "read_at": "Прочитано",
    "replied_at": "Отвечено",
}

UNANSWERED_COLUMNS: dict[str, str] = {
    "thread_id": "№ переписки",
    "message_id": "№ сообщения",
    "subject": "Тема вопроса",
    "question": "Вопрос",
    "parent_account_id": "№ учётной записи родителя",
    "parent": "Родитель",
    "student_id": "№ студента",
    "student": "Студент",
    "group_id": "№ группы",
    "group": "Группа",
    "curator_person_id": "№ классного руководителя",
    "curator": "Ответственный (классный руководитель)",
    "sent_at": "Отправлен (время)",
    "sent_on": "Дата отправки",
    "due": "Ответить до",
    "replied_on": "Дата ответа",
    "days_late": "Просрочено, дней",
}


class MessageRefused(NetspoError):
    """A message that the rules of 3.4 / R-4.8.b / R-4.9.b do not allow."""


def russian_headers(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The table with Russian headers (for pages and exports), columns in the given order."""
    return df[[c for c in columns if c in df.columns]].rename(columns=columns)


# --- who may write to whom ------------------------------------------------------------------


def _is_staff(actor: Actor) -> bool:
    return any(role not in _FAMILY_ROLES for role in actor.roles)


def _students_of(actor: Actor, role: Role) -> set[int]:
    return {
        g.student_id
        for g in actor.grants
        if g.role == role and g.student_id is not None and g.college_id == actor.college_id
    }


def _group_ids(session: Session, student_ids: Iterable[int]) -> set[int]:
    ids = set(student_ids)
    if not ids:
        return set()
    return set(session.scalars(sa.select(m.Student.group_id).where(m.Student.id.in_(ids))))


def _curator_accounts(session: Session, group_ids: set[int]) -> set[int]:
    """Accounts of the groups' curators: the person named on the group and the holders of a
    curator grant over it."""
    if not group_ids:
        return set()
    by_person = sa.select(m.UserAccount.id).join(m.Group, m.Group.curator_id == m.UserAccount.person_id)
    by_person = by_person.where(m.Group.id.in_(group_ids))
    by_grant = sa.select(m.RoleGrant.account_id).where(
        m.RoleGrant.role == Role.CURATOR,
        m.RoleGrant.group_id.in_(group_ids),
        m.RoleGrant.revoked_at.is_(None),
    )
    return set(session.scalars(by_person)) | set(session.scalars(by_grant))


def _teacher_accounts(session: Session, group_ids: set[int]) -> set[int]:
    """Accounts of the people who teach the groups (their teaching assignments)."""
    if not group_ids:
        return set()
    teachers = sa.select(m.TeachingAssignment.teacher_id).where(m.TeachingAssignment.group_id.in_(group_ids))
    return set(session.scalars(sa.select(m.UserAccount.id).where(m.UserAccount.person_id.in_(teachers))))


def _administration_accounts(session: Session, college_id: int) -> set[int]:
    return set(
        session.scalars(
            sa.select(m.RoleGrant.account_id).where(
                m.RoleGrant.college_id == college_id,
                m.RoleGrant.role.in_(ADMINISTRATION_ROLES),
                m.RoleGrant.revoked_at.is_(None),
            )
        )
    )


def allowed_recipients(session: Session, actor: Actor) -> set[int] | None:
    """Accounts the actor may start a conversation with; ``None`` means anyone of the
    college (staff). 3.4, R-4.8.b, R-4.9.b."""
    if _is_staff(actor):
        return None
    out: set[int] = set()
    own_groups = _group_ids(session, _students_of(actor, Role.STUDENT))
    out |= _curator_accounts(session, own_groups) | _teacher_accounts(session, own_groups)
    children_groups = _group_ids(session, _students_of(actor, Role.PARENT))
    if children_groups:
        out |= _curator_accounts(session, children_groups) | _teacher_accounts(session, children_groups)
        out |= _administration_accounts(session, actor.college_id)
    out.discard(actor.account_id)
    return out


def _participants(session: Session, thread: m.MessageThread) -> set[int]:
    senders = sa.select(m.Message.sender_id).where(m.Message.thread_id == thread.id)
    recipients = (
        sa.select(m.MessageRecipient.recipient_id)
        .join(m.Message, m.Message.id == m.MessageRecipient.message_id)
        .where(m.Message.thread_id == thread.id)
    )
    return {thread.started_by_id} | set(session.scalars(senders)) | set(session.scalars(recipients))


def _refusal_text(actor: Actor) -> str:
    if Role.PARENT in actor.roles:
        return (
            "Родитель может писать администрации колледжа, классному руководителю "
            "и преподавателям своего ребёнка"
        )
    return "Студент может писать только своему классному руководителю и преподавателям своей группы"


def _check_recipients(
    session: Session, actor: Actor, recipient_ids: Sequence[int], participants: set[int]
) -> list[m.UserAccount]:
    ids = list(dict.fromkeys(recipient_ids))
    if not ids:
        raise MessageRefused("Укажите хотя бы одного получателя.")
    if actor.account_id in ids:
        raise MessageRefused("Нельзя отправить сообщение самому себе.")
    accounts = {a.id: a for a in session.scalars(sa.select(m.UserAccount).where(m.UserAccount.id.in_(ids)))}
    missing = [i for i in ids if i not in accounts]
    if missing:
        raise MessageRefused(f"Получатель №{missing[0]} не найден.")
    may = allowed_recipients(session, actor)
    for account_id in ids:
        account = accounts[account_id]
        if account.college_id != actor.college_id:
            raise MessageRefused(f"Получатель «{account.login}» не из вашего колледжа.")
        if account.status == AccountStatus.DISABLED:
            raise MessageRefused(f"Учётная запись получателя «{account.login}» отключена.")
        if may is not None and account_id not in may and account_id not in participants:
            raise MessageRefused(f"{_refusal_text(actor)}; «{account.login}» к ним не относится.")
    return [accounts[i] for i in ids]


def _own_child(session: Session, actor: Actor, student_id: int | None) -> int:
    """The child a parent's question is about: the one named, or the only one."""
    children = _students_of(actor, Role.PARENT)
    if student_id is None:
        if len(children) != 1:
            raise MessageRefused("Укажите, о каком ребёнке вопрос.")
        return next(iter(children))
    if student_id not in children:
        raise MessageRefused("Консультативный вопрос задаётся только о своём ребёнке.")
    return student_id


def _text(value: str, *, empty: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise MessageRefused(empty)
    if len(value) > limit:
        raise MessageRefused(f"{what} длиннее {limit} символов.")
    return value


# --- writing -----------------------------------------------------------------------------------


def _mark_answered(session: Session, actor: Actor, thread_id: int, at: datetime) -> None:
    """The actor's deliveries in the thread up to ``at`` become read and answered."""
    earlier = sa.select(m.Message.id).where(m.Message.thread_id == thread_id, m.Message.sent_at <= at)
    rows = session.scalars(
        sa.select(m.MessageRecipient).where(
            m.MessageRecipient.recipient_id == actor.account_id,
            m.MessageRecipient.message_id.in_(earlier),
            m.MessageRecipient.replied_at.is_(None),
        )
    )
    for row in rows:
        row.read_at = row.read_at or at
        row.replied_at = at


def send_message(
    session: Session,
    actor: Actor,
    *,
    recipient_account_ids: Sequence[int],
    subject: str = "",
    body: str,
    thread_id: int | None = None,
    consultative_question: bool = False,
    student_id: int | None = None,
    at: datetime | None = None,
) -> m.Message:
    """Send a message, starting a conversation or (``thread_id``) continuing one.

    3.4, R-4.8.b, R-4.9.b: the module docstring says who may write to whom; anyone may
    answer the participants of a conversation. ``consultative_question=True`` is a
    parent's question about a child (``student_id``, or the only child): the thread is
    flagged and its kind is ``parent_question``; the curator answers it within 3 days
    (R-4.7.e, D-9). Sending in a thread marks the sender's deliveries there as answered.
    """
    at = at or now()
    require(session, actor, Action.MESSAGE_SEND, Resource(college_id=actor.college_id, student_id=student_id))
    text = _text(body, empty="Текст сообщения не может быть пустым.", what="Текст сообщения", limit=MAX_BODY)
    if thread_id is not None:
        if consultative_question:
            raise MessageRefused("Консультативный вопрос задаётся новой перепиской, а не ответом.")
        thread = session.get(m.MessageThread, thread_id)
        if thread is None or thread.college_id != actor.college_id:
            raise MessageRefused("Переписка не найдена.")
        participants = _participants(session, thread)
        if actor.account_id not in participants:
            raise MessageRefused("Вы не участвуете в этой переписке.")
        recipients = _check_recipients(session, actor, recipient_account_ids, participants)
    else:
        title = _text(subject, empty="Укажите тему сообщения.", what="Тема", limit=300)
        kind = ThreadKind.GENERAL
        if consultative_question:
            if Role.PARENT not in actor.roles:
                raise MessageRefused("Консультативный вопрос может задать только родитель.")
            student_id = _own_child(session, actor, student_id)
            kind = ThreadKind.PARENT_QUESTION
        elif not _is_staff(actor):
            own = _students_of(actor, Role.STUDENT) | _students_of(actor, Role.PARENT)
            if student_id is None:
                student_id = next(iter(own)) if len(own) == 1 else None
            elif student_id not in own:
                raise MessageRefused("В сообщении можно указать только себя или своего ребёнка.")
        recipients = _check_recipients(session, actor, recipient_account_ids, set())
        thread = m.MessageThread(
            college_id=actor.college_id,
            kind=kind,
            subject=title,
            is_consultative_question=consultative_question,
            started_by_id=actor.account_id,
            student_id=student_id,
            created_at=at,
        )
        session.add(thread)
        session.flush()
    message = m.Message(thread_id=thread.id, sender_id=actor.account_id, body=text, sent_at=at)
    session.add(message)
    session.flush()
    session.add_all(m.MessageRecipient(message_id=message.id, recipient_id=r.id) for r in recipients)
    if thread_id is not None:
        _mark_answered(session, actor, thread.id, at)
    group_id = None
    if thread.student_id is not None:
        group_id = session.scalar(sa.select(m.Student.group_id).where(m.Student.id == thread.student_id))
    audit.record(
        session,
        actor,
        "message.send",
        "messages",
        message.id,
        after={
            "thread_id": thread.id,
            "kind": thread.kind.value,
            "consultative_question": thread.is_consultative_question,
            "recipients": [r.id for r in recipients],
        },
        group_id=group_id,
        student_id=thread.student_id,
        at=at,
    )
    session.flush()
    return message


def reply(
    session: Session, actor: Actor, *, thread_id: int, body: str, at: datetime | None = None
) -> m.Message:
    """Answer everyone else in a conversation; the actor's deliveries there become read and
    answered (R-4.7.e: the curator's answer to a parent's question)."""
    thread = session.get(m.MessageThread, thread_id)
    if thread is None or thread.college_id != actor.college_id:
        raise MessageRefused("Переписка не найдена.")
    participants = _participants(session, thread)
    if actor.account_id not in participants:
        raise MessageRefused("Вы не участвуете в этой переписке.")
    others = sorted(participants - {actor.account_id})
    if not others:
        raise MessageRefused("В переписке нет других участников.")
    return send_message(session, actor, recipient_account_ids=others, body=body, thread_id=thread_id, at=at)


def mark_read(
    session: Session,
    actor: Actor,
    *,
    thread_id: int | None = None,
    message_ids: Sequence[int] | None = None,
    at: datetime | None = None,
) -> int:
    """Mark the actor's unread deliveries as read: of one thread, of some messages, or all.
    Returns how many were marked."""
    at = at or now()
    query = sa.select(m.MessageRecipient).where(
        m.MessageRecipient.recipient_id == actor.account_id, m.MessageRecipient.read_at.is_(None)
    )
    if thread_id is not None:
        query = query.where(
            m.MessageRecipient.message_id.in_(sa.select(m.Message.id).where(m.Message.thread_id == thread_id))
        )
    if message_ids is not None:
        query = query.where(m.MessageRecipient.message_id.in_(list(message_ids)))
    rows = list(session.scalars(query))
    for row in rows:
        row.read_at = at
    session.flush()
    return len(rows)


# --- reading --------------------------------------------------------------------------------


def _name(person: m.Person | None, fallback: str = "") -> str:
    return person.full_name if person is not None else fallback


def inbox(session: Session, actor: Actor) -> pd.DataFrame:
    """Messages delivered to the actor, newest first (columns: :data:`INBOX_COLUMNS`)."""
    sender = aliased(m.UserAccount)
    sender_person = aliased(m.Person)
    student = aliased(m.Student)
    student_person = aliased(m.Person)
    rows = session.execute(
        sa.select(m.Message, m.MessageThread, m.MessageRecipient, sender, sender_person, student_person)
        .join(m.MessageRecipient, m.MessageRecipient.message_id == m.Message.id)
        .join(m.MessageThread, m.MessageThread.id == m.Message.thread_id)
        .join(sender, sender.id == m.Message.sender_id)
        .join(sender_person, sender_person.id == sender.person_id)
        .outerjoin(student, student.id == m.MessageThread.student_id)
        .outerjoin(student_person, student_person.id == student.person_id)
        .where(m.MessageRecipient.recipient_id == actor.account_id)
        .order_by(m.Message.sent_at.desc(), m.Message.id.desc())
    ).all()
    records = [
        {
            "message_id": msg.id,
            "thread_id": thread.id,
            "subject": thread.subject,
            "kind": thread.kind.label,
            "is_question": bool(thread.is_consultative_question),
            "sender_account_id": snd.id,
            "sender": _name(snd_person, snd.login),
            "student": _name(st_person),
            "body": msg.body,
            "sent_at": msg.sent_at,
            "read_at": rcp.read_at,
            "replied_at": rcp.replied_at,
        }
        for msg, thread, rcp, snd, snd_person, st_person in rows
    ]
    return _frame(records, INBOX_COLUMNS)


# Column types: ids and counts are integers ("Int64" where one may be missing), flags
# are bool; everything else (text, dates, datetimes) stays Python objects, None if missing.
_DTYPES: dict[str, str] = {
    "message_id": "int64",
    "thread_id": "int64",
    "sender_account_id": "int64",
    "parent_account_id": "int64",
    "student_id": "Int64",
    "group_id": "Int64",
    "curator_person_id": "Int64",
    "days_late": "int64",
    "is_question": "bool",
}


def _frame(records: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` and their types, also when empty."""
    data = {
        c: pd.Series([r[c] for r in records], dtype=_DTYPES.get(c, object), index=range(len(records)))
        for c in columns
    }
    return pd.DataFrame(data, columns=list(columns))


def unanswered_questions(
    session: Session,
    *,
    on: date,
    college_id: int | None = None,
    group_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """D-9 (3.4, R-4.7.e): parents' consultative questions not answered within
    ``REPLY_DAYS`` calendar days, as of the day ``on``.

    A question sent on day *d* is due by the end of *d* + 3 (calendar days, not working
    days). It is answered by the first message in its thread from someone other than the
    parent who asked. Listed: questions sent by ``on`` that were still unanswered at the
    end of ``on`` although due (``replied_on`` is None, ``days_late`` = ``on`` − ``due``), and
    those answered late by ``on`` (``days_late`` = answer − due). Answers after ``on`` do
    not count yet. The responsible person is the group's curator (R-4.7.e).

    Columns: :data:`UNANSWERED_COLUMNS`; dates are ``datetime.date``, ``sent_at`` is a
    ``datetime``, missing values are ``None``. Sorted by days late, most first.
    """
    first_answer = (
        sa.select(sa.func.min(m.Message.sent_at))
        .where(
            m.Message.thread_id == m.MessageThread.id,
            m.Message.sender_id != m.MessageThread.started_by_id,
            m.Message.sent_at < datetime.combine(on + timedelta(days=1), datetime.min.time()),
        )
        .correlate(m.MessageThread)
        .scalar_subquery()
    )
    first_message = (
        sa.select(sa.func.min(m.Message.id))
        .where(m.Message.thread_id == m.MessageThread.id)
        .correlate(m.MessageThread)
        .scalar_subquery()
    )
    parent_account = aliased(m.UserAccount)
    parent_person = aliased(m.Person)
    student_person = aliased(m.Person)
    curator = aliased(m.Person)
    question = aliased(m.Message)
    query = (
        sa.select(
            m.MessageThread,
            question,
            first_answer.label("answered_at"),
            parent_account,
            parent_person,
            m.Student,
            student_person,
            m.Group,
            curator,
        )
        .select_from(m.MessageThread)
        .join(question, question.id == first_message)
        .join(parent_account, parent_account.id == m.MessageThread.started_by_id)
        .join(parent_person, parent_person.id == parent_account.person_id)
        .outerjoin(m.Student, m.Student.id == m.MessageThread.student_id)
        .outerjoin(student_person, student_person.id == m.Student.person_id)
        .outerjoin(m.Group, m.Group.id == m.Student.group_id)
        .outerjoin(curator, curator.id == m.Group.curator_id)
        .where(
            m.MessageThread.is_consultative_question.is_(True),
            m.MessageThread.kind == ThreadKind.PARENT_QUESTION,
            question.sent_at < datetime.combine(on - timedelta(days=REPLY_DAYS), datetime.min.time()),
        )
        .order_by(question.sent_at, m.MessageThread.id)
    )
    if college_id is not None:
        query = query.where(m.MessageThread.college_id == college_id)
    if group_ids is not None:
        query = query.where(m.Student.group_id.in_(list(group_ids)))
    records = []
    for thread, msg, answered_at, _acc, parent, _student, pupil, group, cur in session.execute(query):
        sent_on = msg.sent_at.date()
        due_on = sent_on + timedelta(days=REPLY_DAYS)
        replied_on = answered_at.date() if answered_at is not None else None
        late = (replied_on or on) - due_on
        if late.days <= 0:
            continue
        records.append(
            {
                "thread_id": thread.id,
                "message_id": msg.id,
                "subject": thread.subject,
                "question": msg.body,
                "parent_account_id": thread.started_by_id,
                "parent": _name(parent),
                "student_id": thread.student_id,
                "student": _name(pupil),
                "group_id": group.id if group is not None else None,
                "group": group.name if group is not None else "",
                "curator_person_id": cur.id if cur is not None else None,
                "curator": _name(cur),
                "sent_at": msg.sent_at,
                "sent_on": sent_on,
                "due": due_on,
                "replied_on": replied_on,
                "days_late": late.days,
            }
        )
    records.sort(key=lambda r: (-r["days_late"], r["sent_at"], r["thread_id"]))
    return _frame(records, UNANSWERED_COLUMNS)


__all__ = [
    "ADMINISTRATION_ROLES",
    "INBOX_COLUMNS",
    "REPLY_DAYS",
    "UNANSWERED_COLUMNS",
    "MessageRefused",
    "allowed_recipients",
    "inbox",
    "mark_read",
    "reply",
    "russian_headers",
    "send_message",
    "unanswered_questions",
]
