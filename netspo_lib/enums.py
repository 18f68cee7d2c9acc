"""Every enumeration of the data model with its Russian display name, in one place.

Values stored in the database are short English identifiers (stable across
translations); what a user sees is ``member.label`` (and ``member.description``
where a code needs explaining, e.g. attendance codes).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabeledEnum(StrEnum):
    """A string enum whose members carry a Russian label and an optional description."""

    label: str
    description: str

    def __new__(cls, value: str, label: str, description: str = "") -> Self:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        obj.description = description or label
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(label, value) pairs, the shape ipywidgets dropdowns take."""
        return [(m.label, m.value) for m in cls]

    @classmethod
    def from_label(cls, text: str) -> Self:
        """Find a member by its value or Russian label, ignoring case and ё/е."""

        def norm(s: str) -> str:
            return s.strip().lower().replace("ё", "е")

        wanted = norm(text)
        for m in cls:
            if wanted in (norm(m.value), norm(m.label)):
                return m
        raise ValueError(f"неизвестное значение «{text}»")


class Role(LabeledEnum):
    """Roles of section 4 of the regulation (requirements' role table)."""

    ADMIN = "admin", "Администратор регионального сегмента"
    ENGINEER = "engineer", "Инженер-программист"
    HR = "hr", "Специалист отдела кадров"
    HEAD_OF_STUDIES = "head_of_studies", "Заведующий учебной частью"
    DEPARTMENT_HEAD = "department_head", "Заведующий отделением"
    COMMISSION_CHAIR = "commission_chair", "Председатель ПЦК"
    CURATOR = "curator", "Классный руководитель / мастер п/о"
    STUDENT = "student", "Студент"
    PARENT = "parent", "Родитель (законный представитель)"
    TEACHER = "teacher", "Преподаватель"
    DEPUTY_DIRECTOR = "deputy_director", "Заместитель директора по УР"
    DIRECTOR = "director", "Директор"
    METHODIST = "methodist", "Методист"


class ScopeKind(LabeledEnum):
    """What part of the college a role grant covers."""

    COLLEGE = "college", "Весь колледж"
    DEPARTMENT = "department", "Отделение"
    GROUP = "group", "Группа"
    STUDENT = "student", "Студент"


class Sex(LabeledEnum):
    MALE = "m", "мужской"
    FEMALE = "f", "женский"


class AccountStatus(LabeledEnum):
    ACTIVE = "active", "активна"
    LOCKED = "locked", "временно заблокирована"
    DISABLED = "disabled", "отключена"


class SpecialtyKind(LabeledEnum):
    PPSSZ = "ppssz", "ППССЗ", "программа подготовки специалистов среднего звена"
    PPKRS = "ppkrs", "ППКРС", "программа подготовки квалифицированных рабочих, служащих"


class StudyForm(LabeledEnum):
    FULL_TIME = "full_time", "очная"
    PART_TIME = "part_time", "заочная"
    MIXED = "mixed", "очно-заочная"


class CurriculumStatus(LabeledEnum):
    DRAFT = "draft", "черновик"
    APPROVED = "approved", "утверждён"


class ItemKind(LabeledEnum):
    """Kinds of curriculum items; a professional module contains МДК and practices."""

    DISCIPLINE = "discipline", "дисциплина"
    MODULE = "module", "профессиональный модуль"
    MDK = "mdk", "МДК", "междисциплинарный курс"
    EDU_PRACTICE = "edu_practice", "учебная практика"
    WORK_PRACTICE = "work_practice", "производственная практика"
    GIA = "gia", "ГИА", "государственная итоговая аттестация"


class AssessmentForm(LabeledEnum):
    EXAM = "exam", "экзамен"
    DIFF_CREDIT = "diff_credit", "дифференцированный зачёт"
    CREDIT = "credit", "зачёт"
    COURSE_WORK = "course_work", "курсовая работа"
    QUAL_EXAM = "qual_exam", "экзамен квалификационный"
    OTHER = "other", "другие формы"


class AcademicYearStatus(LabeledEnum):
    PLANNED = "planned", "планируется"
    CURRENT = "current", "текущий"
    CLOSED = "closed", "закрыт"


class PeriodKind(LabeledEnum):
    SEMESTER = "semester", "семестр"
    YEAR = "year", "учебный год"


class GroupStatus(LabeledEnum):
    ACTIVE = "active", "обучается"
    GRADUATED = "graduated", "выпущена"
    DISBANDED = "disbanded", "расформирована"


class StudentStatus(LabeledEnum):
    STUDYING = "studying", "обучается"
    ACADEMIC_LEAVE = "academic_leave", "академический отпуск"
    EXPELLED = "expelled", "отчислен"
    GRADUATED = "graduated", "выпущен"


class FundingBasis(LabeledEnum):
    BUDGET = "budget", "бюджет"
    CONTRACT = "contract", "договор"


class OrderKind(LabeledEnum):
    ENROLLMENT = "enrollment", "о зачислении"
    EXPULSION = "expulsion", "об отчислении"
    TRANSFER = "transfer", "о переводе"
    ACADEMIC_LEAVE = "academic_leave", "о предоставлении академического отпуска"
    REINSTATEMENT = "reinstatement", "о восстановлении"
    COURSE_TRANSFER = "course_transfer", "о переводе на следующий курс"
    GRADUATION = "graduation", "о выпуске"


class ParentRelation(LabeledEnum):
    MOTHER = "mother", "мать"
    FATHER = "father", "отец"
    GUARDIAN = "guardian", "опекун"
    TRUSTEE = "trustee", "попечитель"
    OTHER = "other", "иной законный представитель"


class RoomKind(LabeledEnum):
    CLASSROOM = "classroom", "учебная аудитория"
    LECTURE = "lecture", "лекционная аудитория"
    COMPUTER = "computer", "компьютерный класс"
    LAB = "lab", "лаборатория"
    WORKSHOP = "workshop", "мастерская"
    GYM = "gym", "спортивный зал"


class WorkKind(LabeledEnum):
    """What a current mark was given for."""

    ORAL = "oral", "устный ответ"
    WRITTEN = "written", "письменная работа"
    TEST = "test", "тестирование"
    CONTROL = "control", "контрольная работа"
    INDEPENDENT = "independent", "самостоятельная работа"
    LAB = "lab", "лабораторная работа"
    PRACTICAL = "practical", "практическая работа"
    HOMEWORK = "homework", "домашнее задание"


class AttendanceCode(LabeledEnum):
    """Attendance marks of the journal; ``label`` is the code printed in the register."""

    EXCUSED = "excused", "УП", "отсутствие по уважительной причине"
    SICK = "sick", "Б", "отсутствие по болезни"
    UNEXCUSED = "unexcused", "НП", "отсутствие по неуважительной причине"
    LATE = "late", "ОП", "опоздание"
    EXEMPT = "exempt", "ОСВ", "освобождён от посещения"


class FinalResult(LabeledEnum):
    """A final grade for a period (promezhutochnaya attestatsiya)."""

    FIVE = "5", "5", "отлично"
    FOUR = "4", "4", "хорошо"
    THREE = "3", "3", "удовлетворительно"
    TWO = "2", "2", "неудовлетворительно"
    PASS = "pass", "зачёт"
    FAIL = "fail", "незачёт"
    NOT_ATTESTED = "not_attested", "н/а", "не аттестован"
    EXEMPT = "exempt", "осв.", "освобождён"


# The codes of the final results in the enum's order: the keys of result counts (metrics,
# the final-grade summaries' columns).
RESULT_CODES: tuple[str, ...] = tuple(r.value for r in FinalResult)


class ExamEventKind(LabeledEnum):
    CONSULTATION = "consultation", "консультация"
    EXAM = "exam", "экзамен"
    QUAL_EXAM = "qual_exam", "экзамен квалификационный"
    DIFF_CREDIT = "diff_credit", "дифференцированный зачёт"
    CREDIT = "credit", "зачёт"
    COURSE_WORK_DEFENSE = "course_work_defense", "защита курсовой работы"


class ActivityKind(LabeledEnum):
    LOGIN = "login", "вход"
    LOGIN_FAILED = "login_failed", "неудачный вход"
    LOGOUT = "logout", "выход"
    PAGE_VIEW = "page_view", "просмотр страницы"
    ACTION = "action", "действие"


class PortfolioKind(LabeledEnum):
    OLYMPIAD = "olympiad", "олимпиада"
    CONTEST = "contest", "конкурс профессионального мастерства"
    CONFERENCE = "conference", "конференция"
    SPORT = "sport", "спортивное достижение"
    CERTIFICATE = "certificate", "сертификат, удостоверение"
    VOLUNTEERING = "volunteering", "волонтёрская деятельность"
    OTHER = "other", "другое"


class PortfolioLevel(LabeledEnum):
    COLLEGE = "college", "колледж"
    MUNICIPAL = "municipal", "муниципальный"
    REGIONAL = "regional", "региональный"
    FEDERAL = "federal", "всероссийский"
    INTERNATIONAL = "international", "международный"


class SupportStatus(LabeledEnum):
    NEW = "new", "новая"
    IN_PROGRESS = "in_progress", "в работе"
    RESOLVED = "resolved", "решена"
    CLOSED = "closed", "закрыта"


class RemarkStatus(LabeledEnum):
    OPEN = "open", "не устранено"
    FIXED = "fixed", "устранено"


class ThreadKind(LabeledEnum):
    GENERAL = "general", "переписка"
    PARENT_QUESTION = "parent_question", "консультативный вопрос родителя"
    WRONG_MARK = "wrong_mark", "сообщение об ошибочной отметке"


class ImportOutcome(LabeledEnum):
    DRY_RUN = "dry_run", "пробный прогон"
    COMMITTED = "committed", "загружено"
    REFUSED = "refused", "отклонено из-за ошибок"
    FAILED = "failed", "прервано"
