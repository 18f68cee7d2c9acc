"""Messages, announcements, support requests and remarks of the «Анализ работы».

R-3.4 / R-4.7.e (a parent's question answered within 3 days, D-9), R-4.8.b, R-4.9.b,
R-4.1.g (support requests), R-4.10.f (remarks to fix).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netspo_lib.enums import RemarkStatus, SupportStatus, ThreadKind

from .base import Base, CreatedAtMixin, enum_type, fk


class MessageThread(CreatedAtMixin, Base):
    """A conversation. ``is_consultative_question`` flags a parent's question that the
    curator must answer within 3 days (D-9)."""

    __tablename__ = "message_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    kind: Mapped[ThreadKind] = mapped_column(enum_type(ThreadKind), default=ThreadKind.GENERAL)
    subject: Mapped[str] = mapped_column(sa.String(300))
    is_consultative_question: Mapped[bool] = mapped_column(default=False, index=True)
    started_by_id: Mapped[int] = fk("user_accounts.id")
    student_id: Mapped[int | None] = fk("students.id", nullable=True)
    mark_id: Mapped[int | None] = fk("marks.id", nullable=True, index=False)

    messages: Mapped[list[Message]] = relationship(back_populates="thread", order_by="Message.sent_at")


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = fk("message_threads.id")
    sender_id: Mapped[int] = fk("user_accounts.id")
    body: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    recipients: Mapped[list[MessageRecipient]] = relationship(back_populates="message")

    __table_args__ = (sa.CheckConstraint("length(body) > 0", name="body_not_empty"),)


class MessageRecipient(Base):
    """Delivery of a message to one account: when it was read and when answered."""

    __tablename__ = "message_recipients"

    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"), primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user_accounts.id"), primary_key=True, index=True)
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    replied_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    message: Mapped[Message] = relationship(back_populates="recipients")

    __table_args__ = (
        sa.CheckConstraint("replied_at IS NULL OR read_at IS NOT NULL", name="replied_implies_read"),
    )


class Announcement(CreatedAtMixin, Base):
    """An event of the college or of one group, visible to its students and parents (R-4.9.a)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    event_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    author_id: Mapped[int] = fk("user_accounts.id")


class SupportRequest(CreatedAtMixin, Base):
    """A failure reported to technical support by the administrator (R-4.1.g)."""

    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = fk("colleges.id")
    author_id: Mapped[int] = fk("user_accounts.id")
    subject: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[SupportStatus] = mapped_column(enum_type(SupportStatus), default=SupportStatus.NEW)
    external_number: Mapped[str | None] = mapped_column(sa.String(50))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (sa.CheckConstraint("length(subject) > 0", name="subject_not_empty"),)


class WorkRemark(CreatedAtMixin, Base):
    """A remark of the deputy director's «Анализ работы» that a teacher must fix (R-4.10.f)."""

    __tablename__ = "work_remarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = fk("persons.id")
    author_id: Mapped[int] = fk("user_accounts.id")
    group_id: Mapped[int | None] = fk("groups.id", nullable=True)
    curriculum_item_id: Mapped[int | None] = fk("curriculum_items.id", nullable=True, index=False)
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[RemarkStatus] = mapped_column(enum_type(RemarkStatus), default=RemarkStatus.OPEN)
    fixed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    __table_args__ = (
        sa.CheckConstraint("(status = 'fixed') = (fixed_at IS NOT NULL)", name="fixed_recorded"),
    )
