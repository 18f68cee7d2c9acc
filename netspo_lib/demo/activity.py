"""Two months of the activity log (May–June 2026): logins, page views, logouts.

Patterns by role: teachers and the administration daily on working days (and often in the
evening to fill the journal), students a few times a week, parents about weekly; planted:
some parents with credentials who never logged in, and staff who never log in. Every
message of the demo has a session of its sender (and readers) around it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from netspo_lib import models as m
from netspo_lib.enums import ActivityKind

from . import catalog, dates
from .plan import Account, sub_rng

if TYPE_CHECKING:
    from .builder import _Builder

# Chance of a session on a weekday / on Saturday or Sunday, by activity pattern.
DAILY_CHANCE = {
    "daily": (0.92, 0.25),
    "frequent": (0.45, 0.3),
    "weekly": (0.13, 0.15),
    "rare": (0.04, 0.03),
}
# Hours a session may start, by role.
HOURS = {
    "teacher": (7, 21),
    "curator": (7, 21),
    "staff": (8, 17),
    "admin": (8, 18),
    "student": (14, 22),
    "parent": (18, 22),
}


def _sessions(rng: random.Random, acc: Account, forced: list[datetime]) -> list[datetime]:
    """Session start times of one account over the two months."""
    out: list[datetime] = []
    if acc.activity in DAILY_CHANCE:
        weekday, weekend = DAILY_CHANCE[acc.activity]
        lo, hi = HOURS[acc.role_kind]
        holidays = dates.public_holidays()
        for d in dates.days(dates.ACTIVITY_START, dates.AS_OF):
            chance = weekday if d.weekday() < 5 else weekend
            if d in holidays:
                chance *= 0.2
            if rng.random() < chance:
                out.append(dates.at(d, rng.randint(lo, hi), rng.randint(0, 59)))
                if acc.role_kind in ("teacher", "curator") and rng.random() < 0.3:
                    out.append(dates.at(d, rng.randint(19, 22), rng.randint(0, 59)))
    for moment in forced:
        if not any(abs((moment - s).total_seconds()) < 3600 for s in out):
            out.append(moment - timedelta(minutes=rng.randint(2, 15)))
    return sorted(s for s in out if dates.at(dates.ACTIVITY_START, 0) <= s <= dates.AS_OF_END)


def write_activity(b: _Builder, forced: dict[int, list[datetime]]) -> int:
    """Writes the events; sets each account's last login. Returns the number of events."""
    w, ids = b.w, b.ids
    sink = w.sink(m.ActivityEvent, ("id", "account_id", "kind", "at", "page", "detail"))
    login, page_view, logout = (
        k.value for k in (ActivityKind.LOGIN, ActivityKind.PAGE_VIEW, ActivityKind.LOGOUT)
    )
    ts = w.ts
    stage = "Активность"
    accounts = b.accounts
    b.progress(stage, 0, len(accounts))
    last_login: list[dict] = []
    events = 0
    for i, acc in enumerate(accounts):
        if not acc.can_log_in or acc.activity == "never":
            continue
        rng = sub_rng(b.seed, "activity", acc.id)
        pages = catalog.PAGES_BY_ROLE.get(acc.role_kind, catalog.PAGES_BY_ROLE["staff"])
        last = None
        for start in _sessions(rng, acc, sorted(forced.get(acc.id, ()))):
            t = start
            if rng.random() < 0.02:
                sink.append(
                    (
                        ids.next("activity_events"),
                        acc.id,
                        ActivityKind.LOGIN_FAILED.value,
                        ts(t),
                        None,
                        "неверный пароль",
                    )
                )
                events += 1
                t += timedelta(seconds=rng.randint(10, 60))
            sink.append((ids.next("activity_events"), acc.id, login, ts(t), None, None))
            events += 1
            last = t
            for _ in range(rng.randint(1, 4)):
                t += timedelta(seconds=rng.randint(20, 480))
                sink.append(
                    (
                        ids.next("activity_events"),
                        acc.id,
                        page_view,
                        ts(dates.clamp(t)),
                        rng.choice(pages),
                        None,
                    )
                )
                events += 1
            if rng.random() < 0.7:
                t += timedelta(seconds=rng.randint(30, 300))
                sink.append((ids.next("activity_events"), acc.id, logout, ts(dates.clamp(t)), None, None))
                events += 1
        if last is not None:
            last_login.append({"b_id": acc.id, "b_last": last})
        if i % 500 == 0:
            b.progress(stage, i, len(accounts))
    w.flush()
    table = m.UserAccount.__table__
    if last_login:
        b.conn.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(last_login_at=sa.bindparam("b_last")),
            last_login,
        )
    b.progress(stage, len(accounts), len(accounts))
    return events
