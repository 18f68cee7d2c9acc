"""Imports and exports of the college's data arrays (R-4.2.b, R-4.2.c).

A kind (students, rooms…) is declared once in :mod:`.kinds`; one engine
(:mod:`.engine`) reads any file of any kind, validates every row, plans the changes and,
on ``commit=True``, writes them all in the caller's transaction or nothing.
"""

from netspo_lib.imports.engine import ImportResult, Problem, RowPlan, export_kind, run_import, write_template
from netspo_lib.imports.kinds import KINDS, kind_by_name

__all__ = [
    "KINDS",
    "ImportResult",
    "Problem",
    "RowPlan",
    "export_kind",
    "kind_by_name",
    "run_import",
    "write_template",
]
