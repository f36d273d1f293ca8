"""The figures as CSV (``GET /reports/figures.csv``): one row per unit and per category,
and a total row first; escalations by level as ``1:3;2:1``; an unknown figure is empty."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

CSV_COLUMNS = ("group", "id", "received", "first_response_on_time_pct", "resolved_on_time_pct",
               "first_response_days_median", "first_response_days_p90", "resolution_days_median",
               "resolution_days_p90", "open_now", "overdue_now", "escalations_by_level", "reroutes")


def figures_csv(report: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = [("total", "all", report["total"])]
    rows += [("unit", k, v) for k, v in report["units"].items()]
    rows += [("category", k, v) for k, v in report["categories"].items()]
    for group, key, f in rows:
        levels = ";".join(f"{lvl}:{n}" for lvl, n in f["escalations_by_level"].items())
        values = ["" if f[c] is None else f[c] for c in CSV_COLUMNS[2:11]]
        writer.writerow([group, key, *values, levels, f["reroutes"]])
    return out.getvalue()
