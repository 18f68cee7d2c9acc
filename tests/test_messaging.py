"""Messaging of 3.4 (R-4.8.b, R-4.9.b) and the D-9 check of parents' questions (R-4.7.e).

World (tests/world.py): u_student is a student of ИСП-25; u_parent represents that
student; u_curator holds the curator grant over ИСП-25, whose curator on the group card is
the teacher u_teacher (Петрова Анна Ивановна), who teaches ИСП-25. Added here: a teacher
of ЭБ-25 only (u_other_teacher), a student of ЭБ-25 (u_student_b) and an account of
another college (u_foreign).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Actor, actor_for_account
from netspo_lib.enums import AccountStatus, Role, ScopeKind, ThreadKind
from netspo_lib.messaging import (
    INBOX_COLUMNS,
    UNANSWERED_COLUMNS,
    MessageRefused,
    allowed_recipients,
    inbox,
    mark_read,
    reply,
    russian_headers,
    send_message,
    unanswered_questions,
)

from .factories import T0, person
from .world import World, build_world

AT = datetime(2026, 5, 4, 21, 0)  # Monday evening


@dataclass
class Mail:
    w: World
    other_teacher: Actor
    student_b: Actor
    foreign: Actor

    def __getitem__(self, role: Role) -> Actor:
        return self.w.actors[role]

    def id(self, role: Role) -> int:
        return self.w.actors[role].account_id


def _account(
    session: Session, person_id: int, college_id: int, login: str, role: Role, **scope: int
) -> Actor:
    account = m.UserAccount(person_id=person_id, college_id=college_id, login=login, created_at=T0)
    session.add(account)
    session.flush()
    kind = ScopeKind.STUDENT if "student_id" in scope else ScopeKind.COLLEGE
    session.add(
        m.RoleGrant(
            account_id=account.id, role=role, scope=kind, college_id=college_id, granted_at=T0, **scope
        )
    )
    session.flush()
    return actor_for_account(session, account)


def setup_mail(session: Session) -> Mail:
    w = build_world(session)
    other_teacher = _account(session, w.other_teacher_person, w.college_id, "u_other_teacher", Role.TEACHER)
    student_b_person = session.get(m.Student, w.student_b).person_id  # type: ignore[union-attr]
    student_b = _account(
        session, student_b_person, w.college_id, "u_student_b", Role.STUDENT, student_id=w.student_b
    )
    stranger = person("Чужаков", "Олег", snils="60000000001")
    session.add(stranger)
    session.flush()
    foreign = _account(session, stranger.id, w.other_college_id, "u_foreign", Role.DIRECTOR)
    return Mail(w, other_teacher, student_b, foreign)


def send(session: Session, actor: Actor, *to: int, at: datetime = AT, **kw) -> m.Message:  # type: ignore[no-untyped-def]
    return send_message(
        session,
        actor,
        recipient_account_ids=list(to),
        subject=kw.pop("subject", "Вопрос"),
        body="Текст",
        at=at,
        **kw,
    )


# --- who may write to whom ---------------------------------------------------------------------


def test_student_writes_to_own_curator_and_teachers_only(engine: Engine) -> None:
    """R-4.8.b: the curator (by grant and by the group card) and the group's teachers."""
    with Session(engine) as session:
        mail = setup_mail(session)
        student = mail[Role.STUDENT]
        assert allowed_recipients(session, student) == {mail.id(Role.CURATOR), mail.id(Role.TEACHER)}
        message = send(session, student, mail.id(Role.CURATOR), mail.id(Role.TEACHER))
        assert {r.recipient_id for r in message.recipients} == {mail.id(Role.CURATOR), mail.id(Role.TEACHER)}
        assert message.thread.student_id == mail.w.student_a
        assert message.thread.kind == ThreadKind.GENERAL
        for other in (
            mail.id(Role.DIRECTOR),
            mail.other_teacher.account_id,
            mail.id(Role.PARENT),
            mail.student_b.account_id,
        ):
            with pytest.raises(
                MessageRefused, match="Студент может писать только своему классному руководителю"
            ):
                send(session, student, other)
        with pytest.raises(MessageRefused, match="только себя или своего ребёнка"):
            send(session, student, mail.id(Role.CURATOR), student_id=mail.w.student_b)


def test_parent_writes_to_administration_curator_and_the_childs_teachers(engine: Engine) -> None:
    """R-4.9.b: administration, the curator and the child's teachers; nobody else."""
    with Session(engine) as session:
        mail = setup_mail(session)
        parent = mail[Role.PARENT]
        may = [
            Role.DIRECTOR,
            Role.DEPUTY_DIRECTOR,
            Role.HEAD_OF_STUDIES,
            Role.DEPARTMENT_HEAD,
            Role.ADMIN,
            Role.CURATOR,
            Role.TEACHER,
        ]
        for role in may:
            send(session, parent, mail.id(role))
        for other in (
            mail.id(Role.HR),
            mail.id(Role.METHODIST),
            mail.id(Role.ENGINEER),
            mail.other_teacher.account_id,
            mail.id(Role.STUDENT),
            mail.student_b.account_id,
        ):
            with pytest.raises(MessageRefused, match="Родитель может писать администрации колледжа"):
                send(session, parent, other)


def test_staff_write_to_anyone_of_their_college(engine: Engine) -> None:
    """3.4: staff write to students, parents and each other; not to another college."""
    with Session(engine) as session:
        mail = setup_mail(session)
        hr = mail[Role.HR]
        assert allowed_recipients(session, hr) is None
        message = send(session, hr, mail.id(Role.STUDENT), mail.id(Role.PARENT), mail.student_b.account_id)
        assert len(message.recipients) == 3
        with pytest.raises(MessageRefused, match="не из вашего колледжа"):
            send(session, hr, mail.foreign.account_id)
        with pytest.raises(MessageRefused, match="самому себе"):
            send(session, hr, hr.account_id)
        with pytest.raises(MessageRefused, match="не найден"):
            send(session, hr, 99_999)
        with pytest.raises(MessageRefused, match="хотя бы одного получателя"):
            send(session, hr)
        with pytest.raises(MessageRefused, match="Текст сообщения не может быть пустым"):
            send_message(
                session, hr, recipient_account_ids=[mail.id(Role.STUDENT)], subject="Тема", body="  "
            )
        with pytest.raises(MessageRefused, match="Укажите тему сообщения"):
            send(session, hr, mail.id(Role.STUDENT), subject="")
        session.get(m.UserAccount, mail.id(Role.DIRECTOR)).status = AccountStatus.DISABLED  # type: ignore[union-attr]
        with pytest.raises(MessageRefused, match="отключена"):
            send(session, hr, mail.id(Role.DIRECTOR))


def test_a_message_is_audited_without_its_text(engine: Engine) -> None:
    with Session(engine) as session:
        mail = setup_mail(session)
        message = send_message(
            session,
            mail[Role.PARENT],
            recipient_account_ids=[mail.id(Role.CURATOR)],
            subject="Пропуски",
            body="Секретный текст о здоровье ребёнка",
            consultative_question=True,
            at=AT,
        )
        event = session.scalar(sa.select(m.AuditEvent).where(m.AuditEvent.action == "message.send"))
        assert event is not None
        assert event.entity_id == message.id and event.actor_id == mail.id(Role.PARENT)
        assert event.student_id == mail.w.student_a and event.group_id == mail.w.group_a
        assert event.after == {
            "thread_id": message.thread_id,
            "kind": "parent_question",
            "consultative_question": True,
            "recipients": [mail.id(Role.CURATOR)],
        }
        assert "Секретный" not in str(event.after)


# --- consultative questions and replies -----------------------------------------------------------


def test_a_parents_consultative_question_flags_the_thread(engine: Engine) -> None:
    """3.4, R-4.7.e: the question is about the parent's own child and has its own kind."""
    with Session(engine) as session:
        mail = setup_mail(session)
        parent = mail[Role.PARENT]
        message = send(session, parent, mail.id(Role.CURATOR), consultative_question=True)
        thread = message.thread
        assert thread.is_consultative_question is True
        assert thread.kind == ThreadKind.PARENT_QUESTION
        assert thread.student_id == mail.w.student_a  # the only child
        assert thread.started_by_id == parent.account_id
        with pytest.raises(MessageRefused, match="только о своём ребёнке"):
            send(
                session,
                parent,
                mail.id(Role.CURATOR),
                consultative_question=True,
                student_id=mail.w.student_b,
            )
        with pytest.raises(MessageRefused, match="может задать только родитель"):
            send(session, mail[Role.STUDENT], mail.id(Role.CURATOR), consultative_question=True)
        with pytest.raises(MessageRefused, match="новой перепиской"):
            send(session, parent, mail.id(Role.CURATOR), thread_id=thread.id, consultative_question=True)


def test_reply_reaches_the_asker_and_marks_the_question_read_and_answered(engine: Engine) -> None:
    """R-4.7.e: the curator's answer; the curator's delivery is read and replied."""
    with Session(engine) as session:
        mail = setup_mail(session)
        parent, curator = mail[Role.PARENT], mail[Role.CURATOR]
        question = send(session, parent, curator.account_id, consultative_question=True)
        answered_at = datetime(2026, 5, 5, 9, 30)
        answer = reply(session, curator, thread_id=question.thread_id, body="Отвечаю", at=answered_at)
        assert [r.recipient_id for r in answer.recipients] == [parent.account_id]
        delivery = session.get(m.MessageRecipient, (question.id, curator.account_id))
        assert delivery is not None
        assert delivery.read_at == answered_at and delivery.replied_at == answered_at
        parent_inbox = inbox(session, parent)
        assert list(parent_inbox["body"]) == ["Отвечаю"]
        assert parent_inbox.loc[0, "sender_account_id"] == curator.account_id
        # Someone outside the conversation can neither reply nor post in it.
        with pytest.raises(MessageRefused, match="не участвуете"):
            reply(session, mail[Role.TEACHER], thread_id=question.thread_id, body="Я тоже")
        with pytest.raises(MessageRefused, match="не участвуете"):
            send(session, mail[Role.HR], parent.account_id, thread_id=question.thread_id)
        with pytest.raises(MessageRefused, match="не найдена"):
            reply(session, curator, thread_id=99_999, body="?")


def test_a_participant_answers_whoever_started_the_conversation(engine: Engine) -> None:
    """R-4.8.b: a student may not write to the director first, but may answer the director."""
    with Session(engine) as session:
        mail = setup_mail(session)
        director, student = mail[Role.DIRECTOR], mail[Role.STUDENT]
        first = send(session, director, student.account_id, subject="Приглашение")
        answer = reply(session, student, thread_id=first.thread_id, body="Спасибо, приду", at=AT)
        assert [r.recipient_id for r in answer.recipients] == [director.account_id]
        # In the thread the student may also name the director explicitly.
        send(session, student, director.account_id, thread_id=first.thread_id)


def test_inbox_lists_deliveries_newest_first_and_mark_read(engine: Engine) -> None:
    with Session(engine) as session:
        mail = setup_mail(session)
        curator = mail[Role.CURATOR]
        first = send(session, mail[Role.STUDENT], curator.account_id, subject="Первое", at=AT)
        second = send(
            session, mail[Role.PARENT], curator.account_id, subject="Второе", at=datetime(2026, 5, 5, 8, 0)
        )
        box = inbox(session, curator)
        assert list(box.columns) == list(INBOX_COLUMNS)
        assert list(box["message_id"]) == [second.id, first.id]
        assert list(box["sender"]) == ["Сидоров Пётр Ивановна", "Сидорова Мария Ивановна"]
        assert list(box["student"]) == ["Сидорова Мария Ивановна"] * 2
        assert box["read_at"].isna().all()
        assert box.loc[0, "sent_at"] == datetime(2026, 5, 5, 8, 0)

        assert mark_read(session, curator, thread_id=first.thread_id, at=AT) == 1
        assert mark_read(session, curator, thread_id=first.thread_id, at=AT) == 0
        assert mark_read(session, curator) == 1
        box = inbox(session, curator)
        assert box["read_at"].notna().all()
        shown = russian_headers(box, INBOX_COLUMNS)
        assert list(shown.columns)[:3] == ["№ сообщения", "№ переписки", "Тема"]
        assert inbox(session, mail[Role.METHODIST]).empty
        assert list(inbox(session, mail[Role.METHODIST]).columns) == list(INBOX_COLUMNS)


# --- D-9: a parent's question answered within 3 days ---------------------------------------------


def ask(session: Session, mail: Mail, at: datetime, subject: str) -> m.Message:
    return send(
        session, mail[Role.PARENT], mail.id(Role.CURATOR), at=at, subject=subject, consultative_question=True
    )


def test_d9_finds_a_question_unanswered_after_three_days(engine: Engine) -> None:
    """D-9: sent on 04.05 (Monday evening), due by the end of 07.05 (calendar days)."""
    with Session(engine) as session:
        mail = setup_mail(session)
        question = ask(session, mail, AT, "Пропуски по болезни")
        # The parent's own reminder is not an answer.
        send(session, mail[Role.PARENT], mail.id(Role.CURATOR), thread_id=question.thread_id, at=AT)
        # An ordinary letter of the parent is not a consultative question.
        send(session, mail[Role.PARENT], mail.id(Role.TEACHER), subject="Спасибо")
        session.commit()

        assert unanswered_questions(session, on=date(2026, 5, 7)).empty
        found = unanswered_questions(session, on=date(2026, 5, 8))
        assert list(found.columns) == list(UNANSWERED_COLUMNS)
        assert len(found) == 1
        row = found.iloc[0]
        assert row["thread_id"] == question.thread_id and row["message_id"] == question.id
        assert row["subject"] == "Пропуски по болезни"
        assert row["question"] == "Текст"
        assert row["parent"] == "Сидоров Пётр Ивановна"
        assert row["parent_account_id"] == mail.id(Role.PARENT)
        assert row["student"] == "Сидорова Мария Ивановна" and row["student_id"] == mail.w.student_a
        assert row["group"] == "ИСП-25" and row["group_id"] == mail.w.group_a
        assert row["curator"] == "Петрова Анна Ивановна"
        assert row["curator_person_id"] == mail.w.teacher_person
        assert row["sent_at"] == AT
        assert row["sent_on"] == date(2026, 5, 4) and type(row["sent_on"]) is date
        assert row["due"] == date(2026, 5, 7) and type(row["due"]) is date
        assert row["replied_on"] is None
        assert row["days_late"] == 1
        assert unanswered_questions(session, on=date(2026, 5, 14)).iloc[0]["days_late"] == 7
        # Filters of the deadlines module.
        assert len(unanswered_questions(session, on=date(2026, 5, 8), college_id=mail.w.college_id)) == 1
        assert unanswered_questions(session, on=date(2026, 5, 8), college_id=mail.w.other_college_id).empty
        assert unanswered_questions(session, on=date(2026, 5, 8), group_ids=[mail.w.group_b]).empty


def test_d9_ignores_a_question_answered_in_time_and_lists_a_late_answer(engine: Engine) -> None:
    """D-9: an answer on the due day is in time; one later is listed with its date."""
    with Session(engine) as session:
        mail = setup_mail(session)
        curator = mail[Role.CURATOR]
        in_time = ask(session, mail, AT, "В срок")
        reply(session, curator, thread_id=in_time.thread_id, body="Ответ", at=datetime(2026, 5, 7, 23, 30))
        late = ask(session, mail, datetime(2026, 5, 4, 8, 0), "С опозданием")
        reply(session, curator, thread_id=late.thread_id, body="Ответ", at=datetime(2026, 5, 9, 10, 0))
        session.commit()

        # Before the late answer it is simply open.
        before = unanswered_questions(session, on=date(2026, 5, 8))
        assert list(before["subject"]) == ["С опозданием"]
        assert before.iloc[0]["replied_on"] is None and before.iloc[0]["days_late"] == 1

        after = unanswered_questions(session, on=date(2026, 5, 20))
        assert list(after["subject"]) == ["С опозданием"]
        assert after.iloc[0]["replied_on"] == date(2026, 5, 9)
        assert after.iloc[0]["days_late"] == 2


def test_d9_with_no_questions_is_an_empty_table_with_typed_columns(engine: Engine) -> None:
    with Session(engine) as session:
        setup_mail(session)
        found = unanswered_questions(session, on=date(2026, 5, 8))
        assert found.empty
        assert list(found.columns) == list(UNANSWERED_COLUMNS)
        assert found["days_late"].dtype == "int64"
        assert found["student_id"].dtype == pd.Int64Dtype()
        shown = russian_headers(found, UNANSWERED_COLUMNS)
        assert "Ответственный (классный руководитель)" in shown.columns
        assert "Просрочено, дней" in shown.columns
