"""Presentation: the summary, the HTML report and the files written. No metric is computed here."""

from influence.report.html import render_report
from influence.report.summary import build_summary
from influence.report.write import write_outputs

__all__ = ["build_summary", "render_report", "write_outputs"]
