"""A deterministic demo college: «Алтайский политехнический колледж», Барнаул, 2025/2026.

``build_demo(engine, students=1200, seed=2025)`` fills an empty database with one college
frozen at the end of the year (30.06.2026): departments, ФГОС СПО specialties of both kinds
with approved curricula, groups of 20–30 students with curators, staff with hire orders,
students with parents, orders and status history, accounts with role grants (13 demo
logins, one per role, password ``DEMO_PASSWORD``), a weekly timetable without conflicts,
a full year of the journal (lessons, marks, attendance), exam sessions, final grades,
messages, announcements, support requests, remarks, portfolios and two months of login
activity. The same seed gives the same rows, byte for byte.

Planted defects, small and stable for a seed, for the dashboards to find:

* unfilled journals: timetable slots with no lesson — «silent» teachers (about one per
  120) fill nothing from 1 May, «lagging» teachers (one per 60) nothing from 17 June;
* late lessons: «late» teachers (one per 50) enter March–April lessons 7–15 days after;
* late final grades (D-7): a few (group, discipline) pairs of the 1st semester set on
  12–16 January; missing final grades of the 2nd semester: a few pairs, the silent
  teachers' disciplines, half of the lagging teachers' ones and a few single students;
* student cards entered 3–6 working days after the enrollment order (D-1), in the 2025
  intake; an expulsion order entered 4–6 working days late (D-2); a teacher hired in
  January 2026 entered 6–9 working days late (D-3), whose first lessons are therefore
  entered late too;
* parents' consultative questions unanswered for more than 3 days (D-9), and a few
  answered after 3 days; two fresh questions (29 June) that are not yet due;
* parents with issued credentials who never logged in; staff who never log in (the
  librarian, the secretary and the silent teachers).

Not planted, on purpose: period locks (the engineer closes periods during the demo),
audit events and import runs.

``DemoSummary.planted`` gives the numbers planted in one build.
"""

from .builder import DEMO_LOGINS, DemoSummary, build_demo
from .credentials import DEMO_PASSWORD

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoSummary", "build_demo"]
