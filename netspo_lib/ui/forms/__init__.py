"""The engineer's forms and the reports form of the workbench (issue 6, item 4).

Every form is a class ``Form(engine, actor)`` with a root ``widget`` and public inputs,
buttons and outputs, so that pages show it and tests drive it by setting values and
clicking. Callbacks run in :func:`netspo_lib.ui.common.guarded`: errors are Russian
messages; each action opens a short session of its own.

The classes are imported on first use (PEP 562), so a form's kernel loads only its own
form's modules (the report catalog, the import machinery…).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netspo_lib.ui.forms.import_form import ImportForm
    from netspo_lib.ui.forms.period_close import PeriodCloseForm
    from netspo_lib.ui.forms.reports import ReportsForm
    from netspo_lib.ui.forms.rollover import RolloverForm

_WHERE = {
    "ImportForm": "import_form",
    "PeriodCloseForm": "period_close",
    "ReportsForm": "reports",
    "RolloverForm": "rollover",
}

__all__ = ["ImportForm", "PeriodCloseForm", "ReportsForm", "RolloverForm"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
