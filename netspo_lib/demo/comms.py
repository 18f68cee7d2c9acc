"""Messages, announcements, support requests, remarks of the «Анализ работы» and
portfolio entries.

Parents' consultative questions go to the group's curator and are mostly answered
within 3 days (D-9); a few planted ones stay unanswered for longer, a few are answered
late, and two fresh ones (sent on the last two days) are simply not yet due. Every message
happens in May–June 2026, inside the activity log, and its sender and readers get a
session in the log at that moment.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from netspo_lib import models as m
from netspo_lib.enums import RemarkStatus, Role, Sex, StudentStatus, SupportStatus, ThreadKind

from . import catalog, dates
from .plan import Account, StudentPlan, sub_rng

if TYPE_CHECKING:
    from .builder import _Builder

Forced = dict[int, list[datetime]]  # account id → moments it was surely logged in


def _moment(rng: random.Random, start: date, end: date, hours: tuple[int, int]) -> datetime:
    d = start + timedelta(days=rng.randint(0, (end - start).days))
    return dates.at(d, rng.randint(*hours), rng.randint(0, 59))


class _Mail:
    """Threads, messages and recipients with their ids."""

    def __init__(self, b: _Builder, forced: Forced) -> None:
        self.b = b
        self.forced = forced
        self.messages = 0

    def thread(
        self,
        kind: ThreadKind,
        subject: str,
        starter: Account,
        student_id: int | None,
        at: datetime,
        *,
        consultative: bool = False,
        mark_id: int | None = None,
    ) -> int:
        tid = self.b.ids.next("message_threads")
        self.b.w.add(
            m.MessageThread,
            {
                "id": tid,
                "college_id": 1,
                "kind": kind.value,
                "subject": subject,
                "is_consultative_question": consultative,
                "started_by_id": starter.id,
                "student_id": student_id,
                "mark_id": mark_id,
                "created_at": at,
            },
        )
        return tid

    def send(
        self,
        thread_id: int,
        sender: Account,
        body: str,
        at: datetime,
        recipients: list[tuple[Account, datetime | None, datetime | None]],
    ) -> None:
        """One message; recipients as (account, read_at, replied_at)."""
        mid = self.b.ids.next("messages")
        self.messages += 1
        self.b.w.add(
            m.Message,
            {"id": mid, "thread_id": thread_id, "sender_id": sender.id, "body": body, "sent_at": at},
        )
        self.forced[sender.id].append(at)
        for acc, read, replied in recipients:
            self.b.w.add(
                m.MessageRecipient,
                {"message_id": mid, "recipient_id": acc.id, "read_at": read, "replied_at": replied},
            )
            if read is not None:
                self.forced[acc.id].append(read)


def _active(acc: Account | None) -> bool:
    return acc is not None and acc.can_log_in and acc.activity != "never"


def write_comms(b: _Builder) -> Forced:
    forced: Forced = defaultdict(list)
    mail = _Mail(b, forced)
    rng = sub_rng(b.seed, "comms")
    stage = "Сообщения"
    b.progress(stage, 0, 5)
    groups = {g.id: g for g in b.groups}
    studying = [s for s in b.students.values() if s.status is StudentStatus.STUDYING]

    def curator_of(s: StudentPlan) -> Account | None:
        g = groups[s.group_id]
        acc = g.curator.account if g.curator else None
        return acc if _active(acc) else None

    def discipline_of(s: StudentPlan) -> str:
        units = b.units_by_gp[(s.group_id, 2)]
        return rng.choice(units).item.line.name if units else "Математика"

    # Parents' consultative questions (D-9).
    askers = [(s, p) for s in studying for p in s.parent_accounts if _active(p) and curator_of(s)]
    askers.sort(key=lambda sp: sp[1].id)
    n_q = min(len(askers), max(12, len(b.students) // 15))
    chosen = rng.sample(askers, n_q)
    n_open = min(n_q, max(2, len(b.students) // 500))
    n_late = max(1, n_q // 12)
    fresh = min(2, max(0, n_q - n_open - n_late))
    b.planted["parent_questions_unanswered"] = n_open
    b.planted["parent_questions_answered_late"] = 0
    for k, (s, parent) in enumerate(chosen):
        curator = curator_of(s)
        assert curator is not None
        g = groups[s.group_id]
        subject, text = rng.choice(catalog.PARENT_QUESTIONS)
        fill = {
            "child": s.name.first,
            "was_ill": "болел" if s.sex is Sex.MALE else "болела",
            "kid_gen": "сына" if s.sex is Sex.MALE else "дочери",
            "discipline": discipline_of(s),
            "group": g.name,
        }
        if k < n_open:
            sent = _moment(rng, date(2026, 5, 11), date(2026, 6, 24), (18, 22))
        elif k < n_open + fresh:
            sent = _moment(rng, date(2026, 6, 29), date(2026, 6, 29), (18, 21))
        elif k < n_open + fresh + n_late:
            sent = _moment(rng, date(2026, 5, 4), date(2026, 6, 20), (18, 22))
        else:
            sent = _moment(rng, date(2026, 5, 4), date(2026, 6, 26), (17, 22))
        tid = mail.thread(
            ThreadKind.PARENT_QUESTION, subject.format(**fill), parent, s.id, sent, consultative=True
        )
        if k < n_open + fresh:
            read = sent + timedelta(hours=rng.randint(10, 30)) if rng.random() < 0.5 else None
            read = read if read and read <= dates.AS_OF_END else None
            mail.send(tid, parent, text.format(**fill), sent, [(curator, read, None)])
            continue
        if k < n_open + fresh + n_late:
            delay = timedelta(hours=rng.randint(78, 140))
            b.planted["parent_questions_answered_late"] += 1
        else:
            delay = timedelta(hours=rng.randint(1, 70))
        reply = sent + delay
        read = reply - timedelta(minutes=rng.randint(3, 60))
        mail.send(tid, parent, text.format(**fill), sent, [(curator, read, reply)])
        answer = rng.choice(catalog.CURATOR_REPLIES).format(answer=rng.choice(catalog.CURATOR_ANSWERS))
        parent_read = reply + timedelta(hours=rng.randint(1, 20))
        mail.send(
            tid,
            curator,
            answer,
            reply,
            [(parent, parent_read if parent_read <= dates.AS_OF_END else None, None)],
        )
    b.progress(stage, 1, 5)

    # Students ask their teachers.
    pupils = [s for s in studying if _active(s.account)]
    for s in rng.sample(pupils, min(len(pupils), max(3, len(b.students) // 12))):
        units = [u for u in b.units_by_gp[(s.group_id, 2)] if _active(u.parts[0].teacher.account)]
        if not units or s.account is None:
            continue
        u = rng.choice(units)
        teacher = u.parts[0].teacher.account
        assert teacher is not None
        subject, text = rng.choice(catalog.STUDENT_QUESTIONS)
        sent = _moment(rng, date(2026, 5, 4), date(2026, 6, 27), (15, 22))
        tid = mail.thread(
            ThreadKind.GENERAL, subject.format(discipline=u.item.line.name), s.account, s.id, sent
        )
        reply = sent + timedelta(hours=rng.randint(2, 40))
        if reply <= dates.AS_OF_END and rng.random() < 0.9:
            mail.send(tid, s.account, text, sent, [(teacher, reply - timedelta(minutes=10), reply)])
            mail.send(tid, teacher, rng.choice(catalog.TEACHER_REPLIES), reply, [(s.account, None, None)])
        else:
            mail.send(tid, s.account, text, sent, [(teacher, None, None)])
    b.progress(stage, 2, 5)

    # Students report a wrong mark (R-4.8.b).
    for sid, (mark_id, d, value, t, u) in sorted(b.wrong_mark_candidates.items()):
        s = b.students[sid]
        if not _active(s.account) or not _active(t.account) or s.account is None or t.account is None:
            continue
        sent = dates.clamp(dates.at(d + timedelta(days=1), 19, rng.randint(0, 59)))
        tid = mail.thread(
            ThreadKind.WRONG_MARK,
            f"Ошибочная отметка по дисциплине «{u.item.line.name}»",
            s.account,
            sid,
            sent,
            mark_id=mark_id,
        )
        body = catalog.WRONG_MARK_TEXT.format(
            value=value, date=d.strftime("%d.%m.%Y"), discipline=u.item.line.name
        )
        reply = sent + timedelta(hours=rng.randint(12, 30))
        if reply <= dates.AS_OF_END:
            mail.send(tid, s.account, body, sent, [(t.account, reply - timedelta(minutes=5), reply)])
            mail.send(tid, t.account, catalog.WRONG_MARK_REPLY, reply, [(s.account, None, None)])
        else:
            mail.send(tid, s.account, body, sent, [(t.account, None, None)])
    b.progress(stage, 3, 5)

    # Curators invite the parents to the end-of-year meeting; announcements.
    deputy = b.demo[Role.DEPUTY_DIRECTOR]
    for g in b.groups:
        curator = g.curator.account if g.curator else None
        if not _active(curator) or curator is None:
            continue
        when = _moment(rng, date(2026, 5, 18), date(2026, 5, 29), (16, 18))
        parents = [p for sid in g.student_ids for p in b.students[sid].parent_accounts if p.can_log_in]
        if not parents:
            continue
        title, body = catalog.GROUP_ANNOUNCEMENT
        text = body.format(
            group=g.name,
            when=(when + timedelta(days=7)).strftime("%d.%m.%Y в %H:00"),
            room=b.rooms.rooms[g.id % len(b.rooms.rooms)].number if b.rooms.rooms else "101",
        )
        tid = mail.thread(ThreadKind.GENERAL, title.format(group=g.name), curator, None, when)
        recipients = []
        for p in parents:
            read = (
                when + timedelta(hours=rng.randint(1, 96)) if p.activity in ("frequent", "weekly") else None
            )
            recipients.append((p, read if read and read <= dates.AS_OF_END else None, None))
        mail.send(tid, curator, text, when, recipients)
        b.w.add(
            m.Announcement,
            {
                "id": b.ids.next("announcements"),
                "college_id": 1,
                "group_id": g.id,
                "title": title.format(group=g.name),
                "body": text,
                "event_at": when + timedelta(days=7),
                "author_id": curator.id,
                "created_at": when,
            },
        )
    for day, title, body in catalog.ANNOUNCEMENTS:
        at = datetime.fromisoformat(day).replace(hour=10)
        b.w.add(
            m.Announcement,
            {
                "id": b.ids.next("announcements"),
                "college_id": 1,
                "group_id": None,
                "title": title,
                "body": body,
                "event_at": at + timedelta(days=5),
                "author_id": deputy.id,
                "created_at": at,
            },
        )
    b.progress(stage, 4, 5)
    _support_remarks_portfolio(b, rng)
    b.progress(stage, 5, 5)
    return forced


def _support_remarks_portfolio(b: _Builder, rng: random.Random) -> None:
    admin = b.demo[Role.ADMIN]
    for k, (subject, description, status) in enumerate(catalog.SUPPORT_REQUESTS):
        created = _moment(rng, date(2025, 9, 8), date(2026, 6, 25), (9, 17))
        resolved = None
        if status in ("resolved", "closed"):
            resolved = dates.clamp(created + timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 5)))
        b.w.add(
            m.SupportRequest,
            {
                "id": b.ids.next("support_requests"),
                "college_id": 1,
                "author_id": admin.id,
                "subject": subject,
                "description": description,
                "status": SupportStatus(status).value,
                "external_number": f"SD-{created.year}-{1040 + 37 * k:05d}" if status != "new" else None,
                "resolved_at": resolved,
                "created_at": created,
            },
        )
    deputy = b.demo[Role.DEPUTY_DIRECTOR]
    flagged = [t for t in b.teachers if t.silent or t.lagging or t.late]
    others = [
        t for t in b.teachers if not (t.silent or t.lagging or t.late) and t.periods == frozenset({1, 2})
    ]
    picks = flagged + rng.sample(others, min(len(others), max(2, len(b.teachers) // 15)))
    for t in picks:
        text = (
            catalog.REMARKS[0]
            if t.silent or t.lagging
            else catalog.REMARKS[1]
            if t.late
            else rng.choice(catalog.REMARKS[2:])
        )
        created = _moment(rng, date(2026, 2, 2), date(2026, 6, 26), (10, 16))
        fixed = t not in flagged and rng.random() < 0.6
        group = next((u.group.id for u in b.units if any(pt.teacher is t for pt in u.parts)), None)
        b.w.add(
            m.WorkRemark,
            {
                "id": b.ids.next("work_remarks"),
                "teacher_id": t.person_id,
                "author_id": deputy.id,
                "group_id": group,
                "curriculum_item_id": None,
                "text": text,
                "status": (RemarkStatus.FIXED if fixed else RemarkStatus.OPEN).value,
                "fixed_at": dates.clamp(created + timedelta(days=rng.randint(2, 10))) if fixed else None,
                "created_at": created,
            },
        )
    groups = {g.id: g for g in b.groups}
    pool = sorted(b.students)
    for sid in sorted(rng.sample(pool, min(len(pool), max(3, len(pool) // 7)))):
        s = b.students[sid]
        kind, level, title, result = rng.choice(catalog.PORTFOLIO)
        achieved = date(2025, 9, 15) + timedelta(days=rng.randint(0, 270))
        g = groups[s.group_id]
        curator = g.curator.account if g.curator else None
        b.w.add(
            m.PortfolioEntry,
            {
                "id": b.ids.next("portfolio_entries"),
                "student_id": sid,
                "kind": kind.value,
                "level": level.value,
                "title": title,
                "result": result,
                "achieved_on": achieved,
                "added_by_id": curator.id if curator else None,
                "created_at": dates.at(achieved + timedelta(days=rng.randint(1, 10)), rng.randint(9, 17)),
            },
        )
