"""The four dashboards of the workbench (issue 6 item 3): each page class takes an engine
and the acting user, and exposes its root widget as ``widget``."""

from netspo_lib.ui.dashboards.activity import ActivityDashboard
from netspo_lib.ui.dashboards.attendance import AttendanceDashboard
from netspo_lib.ui.dashboards.control import ControlDashboard
from netspo_lib.ui.dashboards.filters import Filters
from netspo_lib.ui.dashboards.performance import PerformanceDashboard

__all__ = ["ActivityDashboard", "AttendanceDashboard", "ControlDashboard", "Filters", "PerformanceDashboard"]
