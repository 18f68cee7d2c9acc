"""The four dashboards of the workbench (issue 6 item 3): each page class takes an engine
and the acting user, and exposes its root widget as ``widget``.

The classes are imported on first use (PEP 562): a page's kernel then loads only its own
dashboard's modules, not the other three pages' (Excel writers, the deadline calendar…).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netspo_lib.ui.dashboards.activity import ActivityDashboard
    from netspo_lib.ui.dashboards.attendance import AttendanceDashboard
    from netspo_lib.ui.dashboards.control import ControlDashboard
    from netspo_lib.ui.dashboards.filters import Filters
    from netspo_lib.ui.dashboards.performance import PerformanceDashboard

_WHERE = {
    "ActivityDashboard": "activity",
    "AttendanceDashboard": "attendance",
    "ControlDashboard": "control",
    "Filters": "filters",
    "PerformanceDashboard": "performance",
}

__all__ = ["ActivityDashboard", "AttendanceDashboard", "ControlDashboard", "Filters", "PerformanceDashboard"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
