"""netspo's benchmark suite (issue 8): ``make bench`` or ``python -m benchmarks``.

Builds the workloads once (cached under ``benchmarks/.cache``), times the dashboards'
queries, reports, the report pack, an import, the first paint of each dashboard and the
memory of its kernel, each beside references computed in the same run on the same data
(naive pandas and DuckDB), and writes ``benchmarks/results/latest.json``.
"""
