"""The data model, one module per domain. Importing this package registers every table."""

# The database's guards (period locks, frozen marks, the append-only audit trail) and the
# attendance and final-grade summaries' triggers come with every
# ``Base.metadata.create_all``, as with the migrations.
from netspo_lib import summaries as _summaries  # noqa: F401
from netspo_lib import triggers as _triggers  # noqa: F401

from .accounts import RoleGrant, UserAccount, WebSession
from .activity import ActivityEvent
from .audit import AuditEvent, ImportRun
from .base import Base
from .comms import (
    Announcement,
    Message,
    MessageRecipient,
    MessageThread,
    SupportRequest,
    WorkRemark,
)
from .grade_summary import FinalGradeCell, FinalGradeGroup, FinalGradeStudent
from .journal import Attendance, FinalGrade, Lesson, Mark, PeriodLock
from .movement import Order, OrderItem
from .org import AcademicYear, College, Department, Position, Room, StudyPeriod, Vacation
from .people import (
    ParentLink,
    Person,
    PortfolioEntry,
    StaffEmployment,
    Student,
    StudentStatusChange,
)
from .schedule import ExamEvent, TimetableLesson
from .study import (
    Curriculum,
    CurriculumItem,
    Group,
    GroupCalendar,
    Specialty,
    Subgroup,
    SubgroupMember,
    TeachingAssignment,
)
from .summary import AttendanceGroupDay, AttendanceStudentDay, AttendanceStudentMonth

__all__ = [
    "AcademicYear",
    "ActivityEvent",
    "Announcement",
    "Attendance",
    "AttendanceGroupDay",
    "AttendanceStudentDay",
    "AttendanceStudentMonth",
    "AuditEvent",
    "Base",
    "College",
    "Curriculum",
    "CurriculumItem",
    "Department",
    "ExamEvent",
    "FinalGrade",
    "FinalGradeCell",
    "FinalGradeGroup",
    "FinalGradeStudent",
    "Group",
    "GroupCalendar",
    "ImportRun",
    "Lesson",
    "Mark",
    "Message",
    "MessageRecipient",
    "MessageThread",
    "Order",
    "OrderItem",
    "ParentLink",
    "PeriodLock",
    "Person",
    "PortfolioEntry",
    "Position",
    "RoleGrant",
    "Room",
    "Specialty",
    "StaffEmployment",
    "Student",
    "StudentStatusChange",
    "StudyPeriod",
    "Subgroup",
    "SubgroupMember",
    "SupportRequest",
    "TeachingAssignment",
    "TimetableLesson",
    "UserAccount",
    "Vacation",
    "WebSession",
    "WorkRemark",
]
