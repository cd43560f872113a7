"""Participation inequality: who writes the content (presentation of ``messages``).

A handful of members usually write most of what a community reads (the "90-9-1
rule"). This module turns the ``messages`` column of the users table into a Lorenz
curve and a few plain numbers for the report; nothing here is a per-member metric.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["lorenz_curve", "participation_inequality"]


def _active_counts(messages: pd.Series) -> np.ndarray:
    values = pd.to_numeric(pd.Series(messages), errors="coerce").to_numpy(np.float64)
    values = values[np.isfinite(values) & (values > 0)]
    return np.sort(values)


def lorenz_curve(messages: pd.Series) -> pd.DataFrame:
    """The Lorenz curve of messages per active member.

    Parameters
    ----------
    messages : Series
        Messages per member (for example ``users["messages"]``); members with no
        message (0 or NaN) are left out. Not modified.

    Returns
    -------
    DataFrame
        ``population_share`` and ``content_share`` (float64, both from 0 to 1):
        the least active ``population_share`` of active members wrote
        ``content_share`` of the messages. The first row is ``(0, 0)``, then one
        row per active member, least active first. Empty (one row ``(0, 0)``)
        without messages.

    Notes
    -----
    With counts sorted ascending :math:`x_1 \\le \\dots \\le x_n`, row :math:`i` is
    :math:`(i / n, \\sum_{j \\le i} x_j / \\sum_j x_j)`. Perfect equality is the
    diagonal; the further the curve sags below it, the more the content comes
    from a few people.

    Examples
    --------
    >>> lorenz_curve(pd.Series([1, 1, 2, 0]))
       population_share  content_share
    0          0.000000           0.00
    1          0.333333           0.25
    2          0.666667           0.50
    3          1.000000           1.00
    """
    counts = _active_counts(messages)
    n = counts.size
    population = np.arange(n + 1, dtype=np.float64) / max(n, 1)
    total = counts.sum()
    content = np.concatenate([[0.0], np.cumsum(counts) / total]) if n else np.zeros(1)
    return pd.DataFrame({"population_share": population, "content_share": content})


def participation_inequality(messages: pd.Series, *, top_share: float = 0.10) -> dict:
    """How concentrated the content is among active members.

    Parameters
    ----------
    messages : Series
        Messages per member; members with no message (0 or NaN) are left out.
    top_share : float, default 0.10
        The share of most active members whose share of content is reported.

    Returns
    -------
    dict
        ``active_members`` (int), ``messages`` (int), ``top_members`` (int: the
        ``ceil(top_share * active_members)`` most active members),
        ``top_share`` (the share asked for), ``top_content_share`` (float: their
        share of the messages), ``top_1_percent_content_share`` (the same for the
        top 1%), ``median_messages`` (float) and ``gini`` (float, 0 = everybody
        writes the same, close to 1 = one member writes everything). NaN shares
        without messages.

    Raises
    ------
    ValueError
        When ``top_share`` is not in (0, 1].

    Notes
    -----
    Gini coefficient with counts sorted ascending and ranks :math:`i = 1..n`:
    :math:`G = \\frac{2 \\sum_i i x_i}{n \\sum_i x_i} - \\frac{n + 1}{n}`.

    Examples
    --------
    Nine members wrote one message each, one wrote eleven: the top 10% (one
    member) wrote 11 of the 20 messages, and
    :math:`G = 2 (45 + 110) / (10 \\cdot 20) - 11/10 = 0.45`.

    >>> stats = participation_inequality(pd.Series([1] * 9 + [11]))
    >>> stats["top_members"], stats["top_content_share"], round(stats["gini"], 6)
    (1, 0.55, 0.45)
    """
    if not 0 < top_share <= 1:
        raise ValueError(f"top_share must be in (0, 1] (got {top_share!r})")
    counts = _active_counts(messages)
    n = counts.size
    total = float(counts.sum())

    def share_of_top(share: float) -> tuple[int, float]:
        k = min(n, math.ceil(share * n - 1e-9)) if n else 0
        return k, (float(counts[n - k :].sum()) / total if total else float("nan"))

    top_members, top_content = share_of_top(top_share)
    _, top_1 = share_of_top(0.01)
    if total:
        ranks = np.arange(1, n + 1, dtype=np.float64)
        gini = float(2 * (ranks * counts).sum() / (n * total) - (n + 1) / n)
    else:
        gini = float("nan")
    return {
        "active_members": int(n),
        "messages": int(total),
        "top_share": float(top_share),
        "top_members": int(top_members),
        "top_content_share": top_content,
        "top_1_percent_content_share": top_1,
        "median_messages": float(np.median(counts)) if n else float("nan"),
        "gini": gini,
    }
