"""What the database holds: counts per table and the college's headline figures.

Used by ``netspo info`` and the landing dashboard; every count is a SQL ``count(*)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netspo_lib import models as m
from netspo_lib.enums import GroupStatus, StudentStatus

# Russian names of the tables, in the order ``netspo info`` prints them.
TABLE_LABELS: dict[str, str] = {
    "colleges": "Колледжи",
    "departments": "Отделения",
    "rooms": "Аудитории",
    "positions": "Должности",
    "persons": "Физические лица",
    "staff": "Трудоустройства сотрудников",
    "user_accounts": "Учётные записи",
    "role_grants": "Назначения ролей",
    "specialties": "Специальности и профессии",
    "curricula": "Учебные планы",
    "curriculum_items": "Строки учебных планов",
    "academic_years": "Учебные годы",
    "study_periods": "Учебные периоды",
    "vacations": "Каникулы",
    "groups": "Группы",
    "group_calendars": "Учебные календари групп",
    "subgroups": "Подгруппы",
    "subgroup_members": "Состав подгрупп",
    "students": "Студенты",
    "student_status_changes": "История статусов студентов",
    "parent_links": "Связи с родителями",
    "orders": "Приказы",
    "order_items": "Пункты приказов",
    "teaching_assignments": "Педагогическая нагрузка",
    "timetable_lessons": "Занятия по расписанию",
    "exam_events": "События сессии",
    "lessons": "Проведённые занятия",
    "marks": "Отметки",
    "attendance": "Отметки посещаемости",
    "final_grades": "Итоговые оценки",
    "period_locks": "Закрытия периодов",
    "message_threads": "Переписки",
    "messages": "Сообщения",
    "message_recipients": "Получатели сообщений",
    "announcements": "Объявления",
    "support_requests": "Обращения в техподдержку",
    "work_remarks": "Замечания «Анализа работы»",
    "portfolio_entries": "Записи портфолио",
    "activity_events": "События активности",
    "audit_events": "Журнал изменений",
    "import_runs": "История импорта",
}


def table_counts(engine: Engine) -> pd.DataFrame:
    """Rows per table, one ``count(*)`` each, with Russian names."""
    tables = m.Base.metadata.tables
    rows = []
    with engine.connect() as conn:
        for name, label in TABLE_LABELS.items():
            n = conn.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar_one()
            rows.append({"Таблица": name, "Содержимое": label, "Записей": n})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CollegeOverview:
    id: int
    name: str
    students: int
    groups: int
    staff: int
    departments: int


def college_overviews(engine: Engine) -> list[CollegeOverview]:
    """Headline figures of every college in the database: studying students, active groups,
    staff employed today, departments."""
    students = (
        sa.select(sa.func.count())
        .select_from(m.Student)
        .join(m.Group, m.Group.id == m.Student.group_id)
        .where(m.Group.college_id == m.College.id, m.Student.status == StudentStatus.STUDYING)
        .scalar_subquery()
    )
    groups = (
        sa.select(sa.func.count())
        .select_from(m.Group)
        .where(m.Group.college_id == m.College.id, m.Group.status == GroupStatus.ACTIVE)
        .scalar_subquery()
    )
    staff = (
        sa.select(sa.func.count(sa.distinct(m.StaffEmployment.person_id)))
        .where(
            m.StaffEmployment.college_id == m.College.id,
            m.StaffEmployment.dismissed_on.is_(None),
        )
        .scalar_subquery()
    )
    departments = (
        sa.select(sa.func.count())
        .select_from(m.Department)
        .where(m.Department.college_id == m.College.id)
        .scalar_subquery()
    )
    query = sa.select(m.College.id, m.College.name, students, groups, staff, departments).order_by(
        m.College.id
    )
    with engine.connect() as conn:
        return [CollegeOverview(*row) for row in conn.execute(query)]
