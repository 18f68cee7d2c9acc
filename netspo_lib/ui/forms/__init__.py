"""The engineer's forms and the reports form of the workbench (issue 6, item 4).

Every form is a class ``Form(engine, actor)`` with a root ``widget`` and public inputs,
buttons and outputs, so that pages show it and tests drive it by setting values and
clicking. Callbacks run in :func:`netspo_lib.ui.common.guarded`: errors are Russian
messages; each action opens a short session of its own.
"""

from netspo_lib.ui.forms.import_form import ImportForm
from netspo_lib.ui.forms.period_close import PeriodCloseForm
from netspo_lib.ui.forms.reports import ReportsForm
from netspo_lib.ui.forms.rollover import RolloverForm

__all__ = ["ImportForm", "PeriodCloseForm", "ReportsForm", "RolloverForm"]
