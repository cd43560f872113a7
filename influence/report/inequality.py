"""Participation inequality for the report: who writes the content.

A handful of members usually write most of what a community reads (the "90-9-1
rule"). The rules (Lorenz curve, Gini coefficient, top-10% share) live in one
place, :mod:`influence.health`; the report presents them from here.
"""

from __future__ import annotations

from influence.health import lorenz_curve, participation_inequality

__all__ = ["lorenz_curve", "participation_inequality"]
