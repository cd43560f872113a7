"""Presentation: the summary, the HTML report, the exports and the files written.

No per-member metric is computed here: charts and tables read the metrics' outputs.
"""

from influence.report.curves import community_health, monthly_activity, propagation_curves
from influence.report.exports import (
    USERS_DTYPES,
    graph_edges,
    superfans_table,
    to_export_graph,
    users_for_parquet,
    write_graph,
    write_superfans,
)
from influence.report.html import render_analysis_html, render_report
from influence.report.inequality import lorenz_curve, participation_inequality
from influence.report.summary import build_summary
from influence.report.write import write_outputs

__all__ = [
    "USERS_DTYPES",
    "build_summary",
    "community_health",
    "graph_edges",
    "lorenz_curve",
    "monthly_activity",
    "participation_inequality",
    "propagation_curves",
    "render_analysis_html",
    "render_report",
    "superfans_table",
    "to_export_graph",
    "users_for_parquet",
    "write_graph",
    "write_outputs",
    "write_superfans",
]
