"""The ``netspo`` command line: thin over the library.

Exit codes: 0 done; 1 the request was refused (bad data, a rule, an unreachable database),
with a Russian message; 2 a usage error (click's own); 70 an internal error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import NoReturn

import click
import sqlalchemy as sa
from sqlalchemy.orm import Session

from netspo_lib import cli_ru, db
from netspo_lib import models as m
from netspo_lib.access import Actor, load_actor
from netspo_lib.clock import fmt_date, parse_date, today
from netspo_lib.enums import AcademicYearStatus, Role
from netspo_lib.errors import NetspoError

cli_ru.install()

EXIT_REFUSED = 1
EXIT_INTERNAL = 70

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
COMMAND = {"context_settings": CONTEXT, "options_metavar": "[ПАРАМЕТРЫ]"}
GROUP = {**COMMAND, "subcommand_metavar": "КОМАНДА [АРГУМЕНТЫ]..."}

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    envvar="NETSPO_DB_URL",
    help="Адрес базы данных SQLAlchemy (по умолчанию NETSPO_DB_URL или data/netspo.sqlite).",
)


as_option = click.option(
    "--as",
    "as_login",
    metavar="ЛОГИН",
    help="Действовать от имени этого пользователя, с его правами (по умолчанию — инженер-программист).",
)


class DateParam(click.ParamType):
    """dd.mm.yyyy or ISO dates, refused with a Russian message."""

    name = "дата"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, date):
            return value
        try:
            return parse_date(value)
        except NetspoError as exc:
            self.fail(exc.message, param, ctx)


DATE = DateParam()


@contextmanager
def acting(db_url: str | None, as_login: str | None) -> Iterator[tuple[Session, Actor]]:
    """A transaction and the actor it runs as: ``--as LOGIN`` or the college's engineer."""
    engine = _engine(db_url, must_exist=True)
    if db.current_revision(engine) is None:
        _refuse("в базе нет схемы netspo; выполните «netspo db upgrade» или «netspo demo».")
    with db.transaction(engine) as session:
        login = as_login or _default_login(session)
        yield session, load_actor(session, login)


def _default_login(session: Session) -> str:
    login = session.scalar(
        sa.select(m.UserAccount.login)
        .join(m.RoleGrant, m.RoleGrant.account_id == m.UserAccount.id)
        .where(m.RoleGrant.role == Role.ENGINEER, m.RoleGrant.revoked_at.is_(None))
        .order_by(m.UserAccount.id)
        .limit(1)
    )
    if login is None:
        _refuse("в базе нет инженера-программиста; укажите пользователя параметром --as.")
    return login


def _refuse(message: str) -> NoReturn:
    click.echo(f"Ошибка: {message}", err=True)
    sys.exit(EXIT_REFUSED)


def _engine(db_url: str | None, *, must_exist: bool = False):  # type: ignore[no-untyped-def]
    """The engine for ``--db``; with ``must_exist`` a missing SQLite file is refused, not
    created empty."""
    try:
        url = sa.engine.make_url(db.database_url(db_url))
        if must_exist and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            from pathlib import Path

            if not Path(url.database).exists():
                _refuse(f"файл базы данных не найден: {url.database}")
        return db.make_engine(db_url)
    except sa.exc.ArgumentError:
        _refuse(f"неверный адрес базы данных: «{db_url}».")
    except ModuleNotFoundError as exc:
        _refuse(f"не установлен драйвер базы данных ({exc.name}); для PostgreSQL: pip install 'netspo[pg]'.")


@click.group(**GROUP)
@click.version_option(package_name="netspo", prog_name="netspo")
def cli() -> None:
    """netspo: рабочее место колледжа для «Сетевой Город. Образование. Модуль ПОО».

    Данные колледжа, правила положения, импорт, отчёты и дашборды.
    """


@cli.group("db", **GROUP)
def db_group() -> None:
    """Схема базы данных."""


@db_group.command("upgrade", **COMMAND)
@db_option
def db_upgrade(db_url: str | None) -> None:
    """Создать или обновить схему базы данных до последней версии."""
    engine = _engine(db_url)
    before = db.current_revision(engine)
    db.upgrade(engine)
    after = db.current_revision(engine)
    if before == after:
        click.echo(f"Схема уже актуальна (версия {after}).")
    else:
        click.echo(f"Схема обновлена: {before or 'пустая база'} → {after}.")


@cli.command("demo", **COMMAND)
@click.option(
    "--students",
    type=click.IntRange(10, 200_000),
    default=1200,
    show_default=True,
    help="Сколько студентов в демонстрационном колледже.",
)
@click.option(
    "--seed",
    type=int,
    default=2025,
    show_default=True,
    help="Зерно генератора: то же зерно — те же данные.",
)
@db_option
def demo(students: int, seed: int, db_url: str | None) -> None:
    """Построить демонстрационный колледж в пустой базе."""
    from netspo_lib.demo import DEMO_PASSWORD, build_demo

    engine = _engine(db_url)
    db.upgrade(engine)
    started = time.perf_counter()
    bar_state: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bar_state.get("bar")
        if bar_state.get("stage") != stage:
            if bar is not None:
                bar.render_finish()  # type: ignore[attr-defined]
            bar = click.progressbar(length=max(total, 1), label=f"{stage:<18}", width=30)
            bar_state.update(stage=stage, bar=bar, done=0)
        step = done - int(bar_state["done"])  # type: ignore[arg-type]
        if step > 0:
            bar.update(step)  # type: ignore[union-attr]
            bar_state["done"] = done

    summary = build_demo(engine, students=students, seed=seed, progress=progress)
    if bar_state.get("bar") is not None:
        bar_state["bar"].render_finish()  # type: ignore[union-attr]
    elapsed = time.perf_counter() - started
    click.echo(f"\nГотово за {elapsed:.1f} с: {summary.college_name}.")
    for label, value in summary.count_lines():
        click.echo(f"  {label}: {value:,}".replace(",", " "))
    click.echo(f"\nДемонстрационные входы (пароль для всех: {DEMO_PASSWORD}):")
    for role_label, login in summary.login_lines():
        click.echo(f"  {login:<12} {role_label}")


@cli.command("demo-logins", **COMMAND)
def demo_logins() -> None:
    """Показать демонстрационные входы (по одному на каждую роль)."""
    from netspo_lib.demo import DEMO_LOGINS, DEMO_PASSWORD
    from netspo_lib.enums import Role

    click.echo(f"Демонстрационные входы (пароль для всех: {DEMO_PASSWORD}):")
    for role, login in DEMO_LOGINS.items():
        click.echo(f"  {login:<12} {Role(role).label}")


@cli.command("serve", **COMMAND)
@click.option("--host", default="127.0.0.1", show_default=True, help="Адрес, на котором слушать.")
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True, help="Порт.")
@db_option
def serve(host: str, port: int, db_url: str | None) -> None:
    """Открыть рабочее место: Voila со страницами dashboards/."""
    import os

    from netspo_lib.serve import landing_url, voila_command

    engine = _engine(db_url, must_exist=True)
    if db.current_revision(engine) != db.head_revision(engine):
        db.upgrade(engine)
    os.environ["NETSPO_DB_URL"] = db.database_url(db_url)
    click.echo(f"Рабочее место netspo: {landing_url(host, port)}")
    click.echo("Остановить: Ctrl+C")
    command = voila_command(host, port)
    os.execv(command[0], command)


@cli.command("info", **COMMAND)
@db_option
def info(db_url: str | None) -> None:
    """Показать число записей в каждой таблице."""
    from netspo_lib.overview import college_overviews, table_counts

    engine = _engine(db_url, must_exist=True)
    if db.current_revision(engine) is None:
        _refuse("в базе нет схемы netspo; выполните «netspo db upgrade» или «netspo demo».")
    click.echo(f"База: {engine.url.render_as_string(hide_password=True)}")
    click.echo(f"Версия схемы: {db.current_revision(engine)}")
    for college in college_overviews(engine):
        click.echo(
            f"{college.name}: студентов {college.students}, групп {college.groups}, "
            f"сотрудников {college.staff}"
        )
    counts = table_counts(engine)
    width = int(counts["Содержимое"].str.len().max())
    for row in counts.itertuples(index=False):
        click.echo(f"  {row.Содержимое:<{width}}  {row.Записей:>10,}".replace(",", " "))


@cli.command("backup", **COMMAND)
@click.argument("out", metavar="ФАЙЛ", type=click.Path(dir_okay=False))
@db_option
def backup_command(out: str, db_url: str | None) -> None:
    """Сделать резервную копию базы на ходу (SQLite — backup API, PostgreSQL — pg_dump)."""
    from netspo_lib.backup import backup

    result = backup(_engine(db_url, must_exist=True), out)
    size = f"{result.size_bytes / 1_048_576:.1f}".replace(".", ",")
    rows = f"{result.total_rows:,}".replace(",", "\u00a0")
    click.echo(f"Копия записана: {result.path} ({size} МБ, записей: {rows}).")


@cli.command("restore", **COMMAND)
@click.argument("source", metavar="ФАЙЛ", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Подтвердить: текущие данные базы будут заменены копией.")
@db_option
def restore_command(source: str, yes: bool, db_url: str | None) -> None:
    """Восстановить базу из резервной копии (копия сначала проверяется)."""
    from netspo_lib.backup import restore

    if not yes:
        _refuse("восстановление заменит все данные базы копией; повторите команду с --yes.")
    result = restore(_engine(db_url), source)
    click.echo(f"База восстановлена из {result.path}: записей {result.total_rows}.")


@cli.command("deadlines", **COMMAND)
@click.option("--on", "on", type=DATE, help="На какую дату проверить (по умолчанию — сегодня).")
@click.option("--out", type=click.Path(dir_okay=False), help="Сохранить нарушения в файл .xlsx или .csv.")
@as_option
@db_option
def deadlines_command(on: date | None, out: str | None, as_login: str | None, db_url: str | None) -> None:
    """Проверить сроки Д-1…Д-10 положения и показать нарушения."""
    from netspo_lib import deadlines
    from netspo_lib.tables import write_table

    on = on or today()
    with acting(db_url, as_login) as (session, actor):
        frame = deadlines.violations(session, actor, on=on)
    click.echo(f"Нарушения сроков на {fmt_date(on)}: {len(frame)}")
    if frame.empty:
        return
    for row in deadlines.summary(frame).itertuples(index=False):
        click.echo(f"  {row[0]:<5} {row[2]:>6} (не исполнено {row[3]}): {row[1]}")
    if out:
        path = write_table(
            deadlines.to_russian(frame),
            out,
            title="Нарушения сроков положения",
            subtitle=f"На {fmt_date(on)}",
        )
        click.echo(f"Подробный список сохранён: {path}")


def _group_id(session: Session, actor: Actor, name: str) -> int:
    group_id = session.scalar(
        sa.select(m.Group.id).where(m.Group.college_id == actor.college_id, m.Group.name == name)
    )
    if group_id is None:
        _refuse(f"группа «{name}» не найдена.")
    return group_id


@cli.group("users", **GROUP)
def users_group() -> None:
    """Учётные записи и реквизиты доступа."""


@users_group.command("issue", **COMMAND)
@click.option("--group", "group_name", required=True, metavar="ГРУППА", help="Группа, например ИСП-23.")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="Лист реквизитов .xlsx для раздачи."
)
@click.option("--students/--no-students", default=True, show_default=True, help="Выдать студентам группы.")
@click.option("--parents/--no-parents", default=True, show_default=True, help="Выдать их родителям.")
@click.option("--reissue", is_flag=True, help="Выдать заново тем, у кого реквизиты уже есть.")
@as_option
@db_option
def users_issue(
    group_name: str,
    out: str,
    students: bool,
    parents: bool,
    reissue: bool,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Выдать логины и пароли студентам и родителям группы (R-4.7.c, R-4.1.d)."""
    from netspo_lib.accounts import credentials_sheet, issue_credentials

    with acting(db_url, as_login) as (session, actor):
        group_id = _group_id(session, actor, group_name)
        issued = issue_credentials(
            session, actor, group_id=group_id, students=students, parents=parents, reissue=reissue
        )
        college = session.get(m.College, actor.college_id)
        if issued:
            path = credentials_sheet(issued, college_name=college.name, group_name=group_name, path=out)
    if not issued:
        click.echo(f"Группа {group_name}: всем уже выданы реквизиты (выдать заново: --reissue).")
        return
    click.echo(f"Группа {group_name}: выдано реквизитов — {len(issued)}. Лист для раздачи: {path}")
    click.echo("Пароли есть только в этом файле: раздайте листы и удалите файл.")


@cli.group("year", **GROUP)
def year_group() -> None:
    """Учебный год."""


@year_group.command("rollover", **COMMAND)
@click.option("--order", "order_number", required=True, metavar="НОМЕР", help="Номер приказа о переводе.")
@click.option("--date", "order_date", required=True, type=DATE, help="Дата приказа, дд.мм.гггг.")
@click.option("--graduation-order", metavar="НОМЕР", help="Номер приказа о выпуске (если есть выпускники).")
@click.option("--graduation-date", type=DATE, help="Дата приказа о выпуске (по умолчанию — та же).")
@click.option("--apply", "do_apply", is_flag=True, help="Выполнить перевод (без него — только просмотр).")
@click.option("--force-reason", metavar="ПРИЧИНА", help="Перевести, несмотря на недостающие оценки.")
@click.option("--out", type=click.Path(dir_okay=False), help="Сохранить план перевода в .xlsx или .csv.")
@as_option
@db_option
def year_rollover(
    order_number: str,
    order_date: date,
    graduation_order: str | None,
    graduation_date: date | None,
    do_apply: bool,
    force_reason: str | None,
    out: str | None,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Перевести студентов на следующий курс и открыть новый учебный год (R-4.2.d)."""
    from netspo_lib import rollover
    from netspo_lib.tables import write_table

    args = {
        "order_number": order_number,
        "order_date": order_date,
        "graduation_order_number": graduation_order,
        "graduation_order_date": graduation_date,
    }
    with acting(db_url, as_login) as (session, actor):
        plan = rollover.preview(session, actor, **args)
        click.echo(plan.summary)
        for line in (*plan.errors, *plan.problems, *plan.warnings):
            click.echo(f"  • {line}")
        if out:
            click.echo(f"План сохранён: {write_table(plan.rows, out, title='План перевода студентов')}")
        if not do_apply:
            click.echo("Это просмотр. Чтобы выполнить перевод, добавьте --apply.")
            return
        result = rollover.apply(session, actor, plan, force_reason=force_reason)
    click.echo(f"Перевод выполнен. {result.summary}")


def _department_id(session: Session, actor: Actor, name: str) -> int:
    """A department of the actor's college by its name (case and spaces ignored; compared in
    Python: SQLite's lower() knows only Latin letters)."""
    wanted = " ".join(name.split()).casefold()
    rows = session.execute(
        sa.select(m.Department.id, m.Department.name).where(m.Department.college_id == actor.college_id)
    ).all()
    found = next((i for i, n in rows if " ".join(n.split()).casefold() == wanted), None)
    if found is None:
        known = "; ".join(n for _, n in rows)
        _refuse(f"отделение «{name}» не найдено. Отделения колледжа: {known}.")
    return found


def _period_id(session: Session, actor: Actor, year_name: str | None, number: int) -> int:
    """A period by its year («2025/2026», default: the current year) and number (0: the year)."""
    query = (
        sa.select(m.StudyPeriod.id)
        .join(m.AcademicYear, m.AcademicYear.id == m.StudyPeriod.academic_year_id)
        .where(m.AcademicYear.college_id == actor.college_id, m.StudyPeriod.number == number)
    )
    if year_name:
        query = query.where(m.AcademicYear.name == year_name)
    else:
        current = sa.case((m.AcademicYear.status == AcademicYearStatus.CURRENT, 0), else_=1)
        query = query.order_by(current, m.AcademicYear.starts_on.desc())
    period_id = session.scalar(query.limit(1))
    if period_id is None:
        _refuse(f"учебный период {number} {'года ' + year_name if year_name else 'текущего года'} не найден.")
    return period_id


period_options = [
    click.option(
        "--year", "year_name", metavar="ГОД", help="Учебный год, например 2025/2026 (по умолчанию текущий)."
    ),
    click.option(
        "--period", "number", type=click.IntRange(0, 4), default=1, show_default=True,
        help="Номер семестра (0 — учебный год целиком).",
    ),
    click.option("--group", "group_name", metavar="ГРУППА", help="Только эта группа (по умолчанию — все)."),
]  # fmt: skip


def with_period(f):  # type: ignore[no-untyped-def]
    for option in reversed(period_options):
        f = option(f)
    return f


@cli.group("period", **GROUP)
def period_group() -> None:
    """Закрытие учебных периодов для изменений (R-4.2.e)."""


@period_group.command("lock", **COMMAND)
@with_period
@click.option("--reason", required=True, metavar="ПРИЧИНА", help="Почему период закрывается.")
@click.option("--order", "order_number", required=True, metavar="НОМЕР", help="Номер приказа.")
@as_option
@db_option
def period_lock(
    year_name: str | None,
    number: int,
    group_name: str | None,
    reason: str,
    order_number: str,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Закрыть период: отметки, посещаемость, темы и итоговые оценки больше не меняются."""
    from netspo_lib import locks

    with acting(db_url, as_login) as (session, actor):
        period_id = _period_id(session, actor, year_name, number)
        group_id = _group_id(session, actor, group_name) if group_name else None
        locks.lock_period(
            session, actor, period_id=period_id, group_id=group_id, reason=reason, order_number=order_number
        )
        label = locks.period_label(session, period_id)
    click.echo(f"Период закрыт: {label}, {group_name or 'все группы'}.")


@period_group.command("unlock", **COMMAND)
@with_period
@click.option("--reason", required=True, metavar="ПРИЧИНА", help="Почему период открывается.")
@click.option("--until", "until", type=DATE, help="Открыть до этой даты включительно (потом закроется сам).")
@as_option
@db_option
def period_unlock(
    year_name: str | None,
    number: int,
    group_name: str | None,
    reason: str,
    until: date | None,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Открыть закрытый период, насовсем или до даты."""
    from netspo_lib import locks

    relock = datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None
    with acting(db_url, as_login) as (session, actor):
        period_id = _period_id(session, actor, year_name, number)
        group_id = _group_id(session, actor, group_name) if group_name else None
        locks.unlock_period(
            session, actor, period_id=period_id, group_id=group_id, reason=reason, until=relock
        )
        label = locks.period_label(session, period_id)
    term = f" до {fmt_date(until)} включительно" if until else ""
    click.echo(f"Период открыт{term}: {label}, {group_name or 'все группы'}.")


@period_group.command("status", **COMMAND)
@as_option
@db_option
def period_status(as_login: str | None, db_url: str | None) -> None:
    """Показать, какие периоды закрыты, кем и по какому приказу."""
    from netspo_lib import locks

    with acting(db_url, as_login) as (session, actor):
        frame = locks.lock_status(session, actor)
    if frame.empty:
        click.echo("Закрытых периодов нет.")
        return
    for row in frame.to_dict("records"):
        click.echo(" · ".join(str(v) for v in row.values() if v not in (None, "")))


@cli.command("audit", **COMMAND)
@click.option("--group", "group_name", metavar="ГРУППА", help="Изменения данных группы.")
@click.option("--student", "snils", metavar="СНИЛС", help="Изменения данных студента (по СНИЛС).")
@click.option("--user", "user_login", metavar="ЛОГИН", help="Изменения, сделанные этим пользователем.")
@click.option("--since", type=DATE, help="С даты.")
@click.option("--out", type=click.Path(dir_okay=False), help="Сохранить в .xlsx или .csv.")
@as_option
@db_option
def audit_command(
    group_name: str | None,
    snils: str | None,
    user_login: str | None,
    since: date | None,
    out: str | None,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Журнал изменений: кто, когда, что и как изменил."""
    from netspo_lib import audit
    from netspo_lib.snils import normalize_snils
    from netspo_lib.tables import write_table

    with acting(db_url, as_login) as (session, actor):
        filters: dict[str, int] = {}
        if group_name:
            filters["group_id"] = _group_id(session, actor, group_name)
        if snils:
            student_id = session.scalar(
                sa.select(m.Student.id)
                .join(m.Person, m.Person.id == m.Student.person_id)
                .where(m.Person.snils == normalize_snils(snils))
            )
            if student_id is None:
                _refuse(f"студент со СНИЛС {snils} не найден.")
            filters["student_id"] = student_id
        if user_login:
            account_id = session.scalar(sa.select(m.UserAccount.id).where(m.UserAccount.login == user_login))
            if account_id is None:
                _refuse(f"пользователь «{user_login}» не найден.")
            filters["account_id"] = account_id
        frame = audit.events(session, actor, since=since, **filters)
    click.echo(f"Записей в журнале изменений: {len(frame)}")
    if out:
        click.echo(f"Сохранено: {write_table(frame, out, title='Журнал изменений')}")
        return
    for row in frame.head(50).to_dict("records"):
        click.echo(" · ".join(str(v) for v in row.values() if v not in (None, "")))
    if len(frame) > 50:
        click.echo("… полный список: --out ФАЙЛ.xlsx")


# --- imports and exports (R-4.2.b, R-4.2.c) ---------------------------------------------------
_PLAN_NAMES = (
    ("insert", "добавить"),
    ("update", "изменить"),
    ("unchanged", "без изменений"),
    ("refused", "отклонено"),
)


@cli.command("import", **COMMAND)
@click.argument("kind", metavar="ВИД")
@click.argument("file", metavar="ФАЙЛ", type=click.Path(dir_okay=False))
@click.option("--commit", is_flag=True, help="Записать изменения (без него — пробный прогон).")
@click.option("--report", type=click.Path(dir_okay=False), help="Сохранить отчёт об ошибках .xlsx.")
@as_option
@db_option
def import_command(
    kind: str, file: str, commit: bool, report: str | None, as_login: str | None, db_url: str | None
) -> None:
    """Загрузить файл вида ВИД: проверка всех строк, запись только при --commit и только
    если ошибок нет."""
    from netspo_lib import imports

    with acting(db_url, as_login) as (session, actor):
        result = imports.run_import(session, actor, kind, file, commit=commit)
    counts = ", ".join(f"{label}: {result.counts[key]}" for key, label in _PLAN_NAMES)
    click.echo(f"Строк: {len(result.rows)} ({counts}).")
    for problem in result.problems[:20]:
        click.echo(f"  {problem}")
    if len(result.problems) > 20:
        click.echo(f"  … и ещё {len(result.problems) - 20}")
    if report and result.problems:
        from netspo_lib.imports.report import write_error_report

        saved = write_error_report(report, file, imports.kind_by_name(kind), result.problems)
        click.echo(f"Отчёт об ошибках: {saved}")
    if result.problems:
        click.echo("В файле есть ошибки: ничего не записано.", err=True)
        sys.exit(EXIT_REFUSED)
    click.echo(
        "Изменения записаны."
        if result.committed
        else "Пробный прогон: ничего не записано (добавьте --commit)."
    )


def _kinds_help() -> str:
    from netspo_lib.imports import KINDS

    return "Виды данных: " + "; ".join(f"{k.name} ({k.title})" for k in KINDS.values()) + "."


@cli.command("export", epilog=_kinds_help(), **COMMAND)
@click.argument("kind", metavar="ВИД")
@click.argument("file", metavar="ФАЙЛ", type=click.Path(dir_okay=False))
@as_option
@db_option
def export_command(kind: str, file: str, as_login: str | None, db_url: str | None) -> None:
    """Выгрузить все записи вида ВИД в формате его шаблона (.xlsx или .csv)."""
    from netspo_lib import imports

    with acting(db_url, as_login) as (session, actor):
        path = imports.export_kind(session, actor, kind, file)
    click.echo(f"Выгружено: {path}")


@cli.command("template", epilog=_kinds_help(), **COMMAND)
@click.argument("kind", metavar="ВИД")
@click.argument("file", metavar="[ФАЙЛ]", required=False, type=click.Path(dir_okay=False))
def template_command(kind: str, file: str | None) -> None:
    """Сохранить пустой шаблон загрузки вида ВИД (по умолчанию ВИД.xlsx)."""
    from netspo_lib import imports

    spec = imports.kind_by_name(kind)
    click.echo(f"Шаблон: {imports.write_template(spec, file or f'{spec.name}.xlsx')}")


@cli.command("slides", **COMMAND)
@click.option("--year", "year_name", metavar="ГОД", help="Учебный год, например 2025/2026.")
@click.option(
    "--period", "number", type=click.IntRange(1, 4), default=None,
    help="Номер семестра (по умолчанию — последний завершившийся).",
)  # fmt: skip
@click.option("--department", "department_name", metavar="ОТДЕЛЕНИЕ", help="Только это отделение.")
@click.option("--names", is_flag=True, help="Показать фамилии студентов в зоне риска (если вам можно).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Файл презентации .pptx.")
@as_option
@db_option
def slides_command(
    year_name: str | None,
    number: int | None,
    department_name: str | None,
    names: bool,
    out: str,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Собрать презентацию итогов периода для методического совета (16:9, .pptx)."""
    from netspo_lib.slides import build_deck

    if not out.lower().endswith(".pptx"):
        _refuse("презентация сохраняется в файл .pptx: укажите --out итоги.pptx")
    with acting(db_url, as_login) as (session, actor):
        period_id = _period_id(session, actor, year_name, number) if number else None
        department_id = None
        if department_name:
            department_id = _department_id(session, actor, department_name)
        engine = session.get_bind()

    def progress(done: int, total: int, text: str) -> None:
        click.echo(f"[{done}/{total}] {text}")

    path = build_deck(
        engine, actor, out, period_id=period_id, department_id=department_id, names=names, progress=progress
    )
    click.echo(f"Презентация сохранена: {path}")


@cli.command("report", **COMMAND)
@click.argument("name", required=False, metavar="ОТЧЁТ")
@click.option("--list", "show_list", is_flag=True, help="Показать список отчётов.")
@with_period
@click.option("--from", "start", type=DATE, help="С даты (посещаемость, активность).")
@click.option("--to", "end", type=DATE, help="По дату включительно.")
@click.option("--department", "department_name", metavar="ОТДЕЛЕНИЕ", help="Только это отделение.")
@click.option("--out", type=click.Path(dir_okay=False), help="Файл .xlsx или .csv.")
@as_option
@db_option
def report_command(
    name: str | None,
    show_list: bool,
    year_name: str | None,
    number: int,
    group_name: str | None,
    start: date | None,
    end: date | None,
    department_name: str | None,
    out: str | None,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Построить отчёт и сохранить его в файл (--list — список отчётов)."""
    from netspo_lib.reports import catalog
    from netspo_lib.tables import write_table

    if show_list or not name:
        for spec in catalog.REPORTS.values():
            click.echo(f"  {spec.name:<18} {spec.title}{' (нужна --group)' if spec.needs_group else ''}")
        return
    spec = catalog.get(name)
    if spec.needs_group and not group_name:
        _refuse(f"для отчёта «{spec.title}» укажите группу: --group.")
    if not out:
        _refuse("укажите файл для отчёта: --out ФАЙЛ.xlsx")
    with acting(db_url, as_login) as (session, actor):
        period_id = _period_id(session, actor, year_name, number)
        group_id = _group_id(session, actor, group_name) if group_name else None
        department_id = _department_id(session, actor, department_name) if department_name else None
        request = catalog.Request(period_id, group_id, start, end, department_id)
        frame = spec.build(session, actor, request)
        college = session.get(m.College, actor.college_id)
        from netspo_lib.locks import period_label

        parts = [
            college.name,
            department_name or "",
            f"группа {group_name}" if group_name else "",
            period_label(session, period_id),
        ]
        if start or end:
            parts.append(f"с {fmt_date(start)} по {fmt_date(end)}".replace("с  ", "").strip())
        subtitle = "; ".join(p for p in parts if p) + f". Сформировано {fmt_date(today())}"
        if spec.sheets is not None and out.lower().endswith(".xlsx"):
            from netspo_lib.tables import write_sheets

            path = write_sheets(out, spec.sheets(session, actor, request))  # the full workbook
        else:
            path = write_table(
                frame, out, title=spec.title, subtitle=subtitle, signatures=list(spec.signatures)
            )
    click.echo(f"{spec.title}: строк {len(frame)}. Сохранено: {path}")


@cli.command("report-pack", **COMMAND)
@with_period
@click.option("--out", required=True, type=click.Path(), help="Папка, архив .zip или один файл .xlsx.")
@as_option
@db_option
def report_pack_command(
    year_name: str | None,
    number: int,
    group_name: str | None,
    out: str,
    as_login: str | None,
    db_url: str | None,
) -> None:
    """Пакет отчётов всех групп за период: сводная ведомость и отчёт куратора каждой группы."""
    from netspo_lib.reports.pack import report_pack

    with acting(db_url, as_login) as (session, actor):
        period_id = _period_id(session, actor, year_name, number)
        group_ids = [_group_id(session, actor, group_name)] if group_name else None
        with click.progressbar(length=1, label="Отчёты групп", width=30) as bar:
            state = {"done": 0}

            def progress(done: int, total: int, text: str) -> None:
                bar.length = max(total, 1)
                bar.update(done - state["done"])
                state["done"] = done

            result = report_pack(
                session, actor, period_id=period_id, out=out, group_ids=group_ids, progress=progress
            )
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    click.echo(f"Групп: {result.groups}, файлов: {len(result.files)}, {seconds} с. Сохранено: {result.path}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become Russian messages and exit code 1, never tracebacks."""
    try:
        cli.main(args=argv, prog_name="netspo", standalone_mode=True)
    except NetspoError as exc:
        _refuse(exc.message)
    except sa.exc.OperationalError as exc:
        _refuse(f"не удалось работать с базой данных: {exc.orig}")
    except sa.exc.IntegrityError as exc:
        _refuse(f"база данных отклонила запись: {exc.orig}")
    except KeyboardInterrupt:
        click.echo("\nПрервано пользователем.", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(
            f"Внутренняя ошибка netspo ({type(exc).__name__}: {exc}). "
            "Сообщите администратору, что вы делали.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
