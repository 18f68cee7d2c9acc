"""Every public function that touches protected data asks ``access.require`` first.

Like datasette's ``test_permissions_checked``: a new write path that forgets the check
fails this test. The rule is read from the code itself:

* a public function of a domain module that takes an ``actor`` must call ``require``
  (directly, or through another library function that does);
* a public function that writes to the database (``add``, ``delete``, ``insert``,
  ``update``, ``bulk``) must take an ``actor`` — unless it is in :data:`EXEMPT` with the
  reason why no check applies.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import netspo_lib

# Modules that hold no domain actions: infrastructure, formats, the demo generator.
NOT_DOMAIN = {
    "netspo_lib.access",
    "netspo_lib.calendar",
    "netspo_lib.cli",
    "netspo_lib.cli_ru",
    "netspo_lib.clock",
    "netspo_lib.db",
    "netspo_lib.enums",
    "netspo_lib.errors",
    "netspo_lib.overview",
    "netspo_lib.passwords",
    "netspo_lib.refusals",
    "netspo_lib.serve",
    "netspo_lib.snils",
    "netspo_lib.tables",
    "netspo_lib.triggers",
    "netspo_lib.ui",
    "netspo_lib.web",
}
# Pages and the web server only present: every read or write they make goes through a
# library function that checks (tests/test_ui_*.py show the refusals reaching the screen).
NOT_DOMAIN_PACKAGES = (
    "netspo_lib.demo",
    "netspo_lib.migrations",
    "netspo_lib.models",
    "netspo_lib.ui.",
    "netspo_lib.web.",
)

# Writers without an acting user, and why that is right.
_OWN = "acts only on the actor's own account, inbox or session"
EXEMPT = {
    "netspo_lib.audit.record": "appends the event of a change already checked by its caller",
    "netspo_lib.accounts.login": "authenticates: there is no actor before it succeeds",
    "netspo_lib.accounts.logout": _OWN,
    "netspo_lib.accounts.record_page_view": _OWN,
    "netspo_lib.accounts.password_change_required": _OWN,
    "netspo_lib.accounts.change_password": _OWN + " (and asks for the old password)",
    "netspo_lib.messaging.allowed_recipients": _OWN,
    "netspo_lib.messaging.mark_read": _OWN,
    "netspo_lib.messaging.inbox": _OWN,
    "netspo_lib.locks.lock_status": "what is closed is public to every signed-in user of the college",
    "netspo_lib.privacy.may_see": "is itself a check (access.allowed) that callers use to mask",
    "netspo_lib.slides.dashboard_figures": "draws through the dashboards, whose every query checks access",
    "netspo_lib.websession.open_session": "authenticates: there is no actor before it succeeds",
    "netspo_lib.websession.end_session": _OWN,
}

WRITE_CALLS = {"add", "add_all", "delete", "insert", "update", "bulk_insert_mappings", "merge"}


def _domain_modules() -> list[tuple[str, Path]]:
    root = Path(netspo_lib.__file__).parent
    found = []
    for info in pkgutil.walk_packages([str(root)], prefix="netspo_lib."):
        name = info.name
        if name in NOT_DOMAIN or name.startswith(NOT_DOMAIN_PACKAGES):
            continue
        module = importlib.import_module(name)
        if module.__file__ and module.__file__.endswith(".py"):
            found.append((name, Path(module.__file__)))
    return found


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            f = child.func
            if isinstance(f, ast.Name):
                names.add(f.id)
            elif isinstance(f, ast.Attribute):
                names.add(f.attr)
    return names


def _functions() -> dict[str, tuple[ast.FunctionDef, set[str]]]:
    """Every top-level function of the domain modules: its AST and the names it calls."""
    result = {}
    for module, path in _domain_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                result[f"{module}.{node.name}"] = (node, _called_names(node))
    return result


def _checking(functions: dict[str, tuple[ast.FunctionDef, set[str]]]) -> set[str]:
    """Functions that call ``require``, directly or through other library functions."""
    by_short: dict[str, set[str]] = {}
    for qual in functions:
        by_short.setdefault(qual.rsplit(".", 1)[1], set()).add(qual)
    checking = {q for q, (_, calls) in functions.items() if calls & {"require", "require_any"}}
    changed = True
    while changed:
        changed = False
        for qual, (_, calls) in functions.items():
            if qual in checking:
                continue
            if any(by_short.get(c, set()) & checking for c in calls):
                checking.add(qual)
                changed = True
    return checking


def _takes_actor(node: ast.FunctionDef) -> bool:
    args = node.args
    return any(a.arg == "actor" for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])


def test_domain_modules_are_found() -> None:
    names = {name for name, _ in _domain_modules()}
    expected = {"journal", "locks", "audit", "movement", "rollover", "accounts", "messaging", "deadlines"}
    assert {f"netspo_lib.{n}" for n in expected} <= names


def test_the_check_finds_a_write_path_without_access(tmp_path) -> None:
    """The detector itself: a function that writes with an actor but never asks is caught."""
    tree = ast.parse(
        "def sneaky(session, actor, value):\n    session.add(value)\n"
        "def honest(session, actor, value):\n    require(session, actor, 1, 2)\n    session.add(value)\n"
        "def wrapper(session, actor):\n    honest(session, actor, 1)\n"
    )
    functions = {f"m.{n.name}": (n, _called_names(n)) for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert _checking(functions) == {"m.honest", "m.wrapper"}


def test_exemptions_name_existing_functions() -> None:
    functions = _functions()
    assert set(EXEMPT) <= set(functions), set(EXEMPT) - set(functions)


def test_every_public_function_with_an_actor_checks_access() -> None:
    functions = _functions()
    checking = _checking(functions)
    missing = [
        qual
        for qual, (node, _) in functions.items()
        if not node.name.startswith("_")
        and _takes_actor(node)
        and qual not in checking
        and qual not in EXEMPT
    ]
    assert missing == [], f"public functions taking an actor without access.require: {missing}"


def test_every_public_writer_takes_an_actor() -> None:
    functions = _functions()
    missing = [
        qual
        for qual, (node, calls) in functions.items()
        if not node.name.startswith("_")
        and calls & WRITE_CALLS
        and not _takes_actor(node)
        and qual not in EXEMPT
    ]
    assert missing == [], f"public functions writing without an acting user: {missing}"
