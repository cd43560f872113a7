"""Curves and health figures for the report, read off the metrics' own outputs.

Presentation only: the propagation curve is :func:`influence.metrics.compute_cascades`
evaluated at several horizons and averaged per author; the health figures
summarise the messages table and the cascades. No per-member metric is defined here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from influence.community import Community
from influence.graph import community_codes
from influence.metrics._common import distinct_pairs
from influence.metrics.propagation import _earliest_responses, _horizon_ns, compute_cascades

__all__ = ["CURVE_HOURS", "community_health", "monthly_activity", "propagation_curves"]

#: Hours after a contribution at which the propagation curves are evaluated.
CURVE_HOURS: tuple[float, ...] = (0.25, 1, 2, 4, 8, 24, 72, 168)

#: Column of :func:`propagation_curves` for the average over every contribution.
COMMUNITY = "(community)"


def propagation_curves(
    community: Community,
    users: Iterable[str],
    *,
    hours: Sequence[float] = CURVE_HOURS,
) -> pd.DataFrame:
    """People reached over time after a contribution, per author.

    Parameters
    ----------
    community : Community
    users : iterable of str
        The authors to draw a curve for (order kept; unknown ids give NaN).
    hours : sequence of float
        Hours after a contribution, each > 0.

    Returns
    -------
    DataFrame
        Indexed by ``hours`` (float64), one float64 column per user plus
        ``"(community)"``: the mean, over that author's contributions (over every
        contribution with a known author for ``"(community)"``), of the distinct
        other people who joined the reply cascade under it within that many hours
        (``reach`` of :func:`~influence.metrics.compute_cascades`).

    Raises
    ------
    ValueError
        When an entry of ``hours`` is not positive.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "cat", "ann"],
    ...     "parent_id": [None, "1", "1", "3"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 03:00",
    ...                    "2024-01-01 03:10"]})
    >>> curves = propagation_curves(parse_table(msgs), ["ann"], hours=[1, 4])
    >>> curves  # ann's first message: bob within 1 h, cat within 4 h; her reply: nobody
           ann  (community)
    hours
    1.0    0.5         0.50
    4.0    1.0         0.75
    """
    users = [str(u) for u in users]
    hours = [float(h) for h in hours]
    for h in hours:
        if not h > 0:
            raise ValueError(f"hours must all be positive (got {h!r})")
    author = community_codes(community).author
    known = community.messages["author_id"].notna().to_numpy(bool)
    wanted = community.user_ids.get_indexer(pd.Index(users, dtype="string"))
    drawn = known & np.isin(author, wanted[wanted >= 0])  # only the authors drawn
    owner = author[drawn]
    contributions = np.bincount(owner, minlength=len(community.user_ids))
    shown = wanted >= 0
    shown[shown] = contributions[wanted[shown]] > 0
    # the reach of a message within h is its number of (message, responder) pairs
    # whose earliest response came within h (compute_reach_by_horizon): summed
    # over an author's messages, or over every message with a known author
    ancestor, delay = _earliest_responses(community, None)
    pair_owner = author[ancestor[drawn[ancestor]]]
    pair_delay = delay[drawn[ancestor]]
    known_delay = np.sort(delay[known[ancestor]])
    n_known = int(known.sum())
    rows = []
    for h in hours:
        limit = _horizon_ns(pd.Timedelta(hours=h))
        total = np.bincount(pair_owner[pair_delay <= limit], minlength=len(contributions))
        row = np.full(len(users), np.nan)
        row[shown] = total[wanted[shown]] / contributions[wanted[shown]]
        row = row.tolist()
        reached = int(np.searchsorted(known_delay, limit, side="right"))
        row.append(reached / n_known if n_known else np.nan)
        rows.append(row)
    columns = [*users, COMMUNITY]
    frame = pd.DataFrame(rows, columns=pd.Index(columns), dtype=np.float64)
    frame.index = pd.Index(hours, dtype=np.float64, name="hours")
    return frame


def monthly_activity(messages: pd.DataFrame | Community) -> pd.DataFrame:
    """Messages and distinct active authors per calendar month (UTC).

    Parameters
    ----------
    messages : DataFrame or Community
        Canonical messages (or a community's, whose author codes are reused);
        not modified.

    Returns
    -------
    DataFrame
        Indexed by ``month`` (``"YYYY-MM"`` strings, every month from the first to
        the last message), int64 columns ``messages`` and ``active_members``.

    Examples
    --------
    >>> msgs = pd.DataFrame({"author_id": ["a", "b", "a"],
    ...     "created_at": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-03-01"], utc=True)})
    >>> monthly_activity(msgs)
             messages  active_members
    month
    2024-01         2               2
    2024-02         0               0
    2024-03         1               1
    """
    community = messages if isinstance(messages, Community) else None
    if community is not None:
        messages = community.messages
    times = messages["created_at"]
    if times.empty:
        return pd.DataFrame(
            {"messages": pd.Series(dtype=np.int64), "active_members": pd.Series(dtype=np.int64)},
            index=pd.Index([], dtype=object, name="month"),
        )
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    month = naive.astype("datetime64[M]").view(np.int64)  # months since 1970-01
    first = int(month.min())
    month = month - first
    span = int(month.max()) + 1
    if community is not None:  # any code per author will do: equal codes, same author
        author = community_codes(community).author
    else:
        author = pd.factorize(messages["author_id"].array)[0]
    active = distinct_pairs(month[author >= 0], author[author >= 0])[0]
    labels = np.arange(first, first + span).astype("datetime64[M]").astype(str)
    return pd.DataFrame(
        {
            "messages": np.bincount(month, minlength=span).astype(np.int64),
            "active_members": np.bincount(active, minlength=span).astype(np.int64),
        },
        index=pd.Index(labels.tolist(), dtype=object, name="month"),
    )


def community_health(community: Community, *, horizon: str | pd.Timedelta = "24h") -> dict:
    """A few plain health figures: how often and how fast the community answers.

    Parameters
    ----------
    community : Community
    horizon : str or Timedelta
        The cascade horizon (as in the analysis).

    Returns
    -------
    dict
        ``contributions`` (int: messages with a known author), ``responded_share``
        (share of them that got a response by someone else, at any time),
        ``responded_within_horizon_share``, ``median_first_response_minutes``
        (over those that got one; NaN when none did), ``mean_people_reached``
        (per contribution, within the horizon) and ``reciprocated_pairs_share``
        (share of the interacting pairs of members that interacted both ways).

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "ann"],
    ...     "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-02 06:30"]})
    >>> health = community_health(parse_table(msgs))
    >>> health["responded_share"], health["median_first_response_minutes"]
    (0.6666666666666666, 915.0)
    >>> health["reciprocated_pairs_share"]
    1.0
    """
    horizon = pd.Timedelta(horizon)
    cascades = compute_cascades(community, horizon=horizon)
    known = cascades["author_id"].notna().to_numpy()
    first = cascades["first_response_minutes"].to_numpy()[known]
    responded = np.isfinite(first)
    within = responded & (first <= horizon.total_seconds() / 60)
    n = int(known.sum())
    codes = community_codes(community)
    source, target = distinct_pairs(codes.source, codes.target)  # directed pairs
    undirected = len(distinct_pairs(np.minimum(source, target), np.maximum(source, target))[0])
    both_ways = len(source) - undirected  # an undirected pair is 1 or 2 directed ones
    return {
        "contributions": n,
        "responded_share": float(responded.mean()) if n else float("nan"),
        "responded_within_horizon_share": float(within.mean()) if n else float("nan"),
        "median_first_response_minutes": (
            float(np.median(first[responded])) if responded.any() else float("nan")
        ),
        "mean_people_reached": (
            float(cascades["reach"].to_numpy()[known].mean()) if n else float("nan")
        ),
        "reciprocated_pairs_share": (float(both_ways / undirected) if undirected else float("nan")),
    }
