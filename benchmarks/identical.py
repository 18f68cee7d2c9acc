"""Check that a faster ``analytics`` gives the same frames as an earlier one, on real data.

    git show HEAD:netspo_lib/reports/analytics.py > /tmp/analytics_before.py
    python -m benchmarks.identical /tmp/analytics_before.py [DB_URL]

Runs 88 calls of the dashboards' queries (every dimension, periods, a year, a
department, a group, week/month/day buckets) with both modules as the deputy director
and compares the frames exactly (values, order, columns). DB_URL defaults to the
cached college-year.
"""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd

from benchmarks import workloads
from netspo_lib import db
from netspo_lib.access import load_actor
from netspo_lib.reports import analytics as new


def calls(group: int, department: int) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    scopes = (
        dict(period_id=2),
        dict(period_id=1),
        dict(academic_year_id=1),
        dict(period_id=2, group_id=group),
        dict(period_id=2, department_id=department),
        dict(),
    )
    for freq in ("day", "week", "month"):
        out += [("attendance_over_time", dict(freq=freq, **kw)) for kw in scopes]
    for by in ("department", "specialty", "course", "group", "student"):
        for kw in (
            dict(period_id=2),
            dict(academic_year_id=1),
            dict(period_id=2, group_id=group),
            dict(period_id=1, department_id=department),
            dict(),
        ):
            out.append(("attendance_by", dict(by=by, **kw)))
    for kw in (
        dict(period_id=2),
        dict(period_id=1),
        dict(period_id=3),
        dict(period_id=2, group_id=group),
        dict(period_id=2, department_id=department),
        dict(period_id=2, course=2),
    ):
        out.append(("discipline_matrix", kw))
        out += [("performance_by", dict(by=by, **kw)) for by in new.DIMENSIONS]
    out += [("performance_trend", dict(by=by)) for by in ("college", "department", "group")]
    return out


def main() -> None:
    old_path = sys.argv[1]
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{workloads.CACHE / 'college-5000.sqlite'}"
    spec = importlib.util.spec_from_file_location("analytics_before", old_path)
    assert spec is not None and spec.loader is not None
    old = importlib.util.module_from_spec(spec)
    sys.modules["analytics_before"] = old
    spec.loader.exec_module(old)
    engine = db.make_engine(url)
    differences = 0
    with db.session_factory(engine)() as s:
        actor = load_actor(s, "zamdir")
        todo = calls(group=58, department=1)
        for name, kw in todo:
            before = getattr(old, name)(s, actor, **kw).reset_index(drop=True)
            after = getattr(new, name)(s, actor, **kw).reset_index(drop=True)
            try:
                pd.testing.assert_frame_equal(before, after, check_dtype=False, check_exact=True)
            except AssertionError as exc:
                differences += 1
                print("DIFFERENT", name, kw, str(exc)[:300])
    print(f"{len(todo)} calls, {differences} different")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
