"""A preheated dashboard kernel builds its page once before anyone asks.

The first build of a page in a fresh kernel costs three to four times the next one: SQL
statements compiled, plotly's property validators created, the connection's page cache
filled (performance: 0.42 s, then 0.10 s). A preheated kernel has the time to pay that while
it waits, so the visitor gets the second build's speed. The rehearsal is built for an
account that may open the page college-wide, through the same library calls and access
checks; its widgets are closed at once and nothing of it is kept, shown or written (the
pages only read while they build; each page keeps its answers per page, not per kernel).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import sqlalchemy as sa
from ipywidgets.widgets.widget import _instances
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from netspo_lib import models as m
from netspo_lib.access import Actor, actor_for_account
from netspo_lib.enums import AccountStatus, ScopeKind
from netspo_lib.ui.pages import PageInfo

log = logging.getLogger("netspo.ui")

CANDIDATES = 20  # college-wide accounts looked at for one that opens the page


def rehearsal_actor(session: Session, info: PageInfo) -> Actor | None:
    """An active account with a college-wide grant that may open the page, or None."""
    rg, acc = m.RoleGrant, m.UserAccount
    ids = session.scalars(
        sa.select(acc.id)
        .join(rg, rg.account_id == acc.id)
        .where(acc.status == AccountStatus.ACTIVE, rg.revoked_at.is_(None), rg.scope == ScopeKind.COLLEGE)
        .distinct()
        .order_by(acc.id)
        .limit(CANDIDATES)
    ).all()
    for account_id in ids:
        actor = actor_for_account(session, session.get(acc, account_id))
        if info.opens_for(actor):
            return actor
    return None


def wanted() -> bool:
    """Whether this kernel rehearses: not the server's first kernels, which start together on
    a busy machine (``NETSPO_REHEARSAL=0``, set by ``serve.staggered``)."""
    from netspo_lib.serve import REHEARSAL_ENV

    return os.environ.get(REHEARSAL_ENV, "1") != "0"


def rehearse(engine: Engine, info: PageInfo, factory: Callable[[Engine, Actor], object]) -> bool:
    """Build the page once for :func:`rehearsal_actor` and close every widget it made; True
    if it was built. A failure is logged and forgotten: the visitor's own build will tell."""
    before = set(_instances)
    try:
        with Session(engine) as session:
            actor = rehearsal_actor(session, info)
        if actor is None:
            return False
        factory(engine, actor)
        return True
    except Exception:
        log.exception("Пробная сборка страницы «%s» не удалась", info.title)
        return False
    finally:
        for key in set(_instances) - before:
            widget = _instances.get(key)
            if widget is not None:
                widget.close()
