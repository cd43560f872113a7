"""Community health: is the community growing, lively, interacting and responsive?

In the spirit of Lithium's Community Health Index (Wu, 2009), computed from the
dump alone, over the whole window and per period (:func:`compute_health`,
:func:`health_by_period`):

* **members**: active members (distinct authors) and new members (first
  contribution in the window), per week;
* **content**: messages and threads started, per week;
* **liveliness**: messages per active topic per week;
* **interaction**: distinct participants per thread, weighted by the thread's
  messages;
* **responsiveness**: minutes between successive messages of a thread, minutes
  to the first response, share of contributions that got one;
* **traffic**: views, when the messages carry a ``views`` column;
* **participation inequality**: the share of the messages written by the top 10%
  of contributors (Wu measured 55.95% on average over 200+ communities, standard
  deviation 13.02%), the Gini coefficient and the Lorenz curve
  (:func:`participation_inequality`, :func:`lorenz_curve`).

This module is the one place for these rules; the report only presents them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from influence.community import Community
from influence.metrics.propagation import compute_cascades

__all__ = [
    "HEALTH_COLUMNS",
    "WU_TOP_10_SHARE_MEAN",
    "WU_TOP_10_SHARE_SD",
    "compute_health",
    "health_by_period",
    "lorenz_curve",
    "participation_inequality",
    "period_labels",
]

#: Mean share of the content written by the top 10% of contributors over 200+
#: communities (Wu, "The 90-9-1 rule in reality", Lithium, 2010).
WU_TOP_10_SHARE_MEAN = 0.5595
#: Its standard deviation over those communities.
WU_TOP_10_SHARE_SD = 0.1302

#: Columns of :func:`health_by_period`, in order.
HEALTH_COLUMNS = (
    "start",
    "end",
    "weeks",
    "active_members",
    "new_members",
    "active_members_per_week",
    "new_members_per_week",
    "messages",
    "messages_per_week",
    "threads_started",
    "active_topics",
    "messages_per_topic_per_week",
    "participants_per_thread",
    "median_gap_minutes",
    "median_first_response_minutes",
    "responded_share",
    "views",
    "top_10_percent_share",
    "gini",
)

#: ``every`` words and the pandas period frequency they stand for.
_EVERY = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_NS_PER_MINUTE = 60 * 10**9


# ---------------------------------------------------------------------------
# Participation inequality
# ---------------------------------------------------------------------------


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
    Wu (Lithium, 2010) measured a top-10% share of 55.95% on average over more
    than 200 communities (standard deviation 13.02%):
    :data:`WU_TOP_10_SHARE_MEAN`, :data:`WU_TOP_10_SHARE_SD`.

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


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------


def _frequency(every: str) -> str:
    word = str(every).strip().lower()
    if word in _EVERY:
        return _EVERY[word]
    try:
        pd.Period("2024-01-01", freq=every)
    except (TypeError, ValueError) as err:
        raise ValueError(
            "every must be day, week, month, quarter, year or a pandas period frequency "
            f"such as 2W (got {every!r})"
        ) from err
    return str(every)


def period_labels(times: pd.Series, every: str = "month") -> pd.Series:
    """The calendar period (UTC) of each timestamp, as a pandas Period.

    Parameters
    ----------
    times : Series
        Tz-aware timestamps; not modified.
    every : str
        ``"day"``, ``"week"`` (ISO weeks, Monday to Sunday), ``"month"``,
        ``"quarter"``, ``"year"``, or a pandas period frequency (``"2W"``).

    Returns
    -------
    Series
        Period dtype, aligned with ``times``.

    Raises
    ------
    ValueError
        When ``every`` is not a period.

    Examples
    --------
    >>> times = pd.Series(pd.to_datetime(["2024-01-31 23:00", "2024-02-01 00:00"], utc=True))
    >>> period_labels(times, "month").astype(str).tolist()
    ['2024-01', '2024-02']
    >>> period_labels(times, "fortnight")
    Traceback (most recent call last):
    ...
    ValueError: every must be day, week, month, quarter, year or a pandas period ...
    """
    freq = _frequency(every)
    naive = pd.Series(times).dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.dt.to_period(freq)


def _period_frame(periods: pd.PeriodIndex) -> pd.DataFrame:
    start = periods.start_time.tz_localize("UTC")
    end = (periods + 1).start_time.tz_localize("UTC")
    weeks = (end - start).total_seconds() / (7 * 86400)
    return pd.DataFrame(
        {"start": start, "end": end, "weeks": np.asarray(weeks, dtype=np.float64)},
        index=pd.Index(periods.astype(str), name="period"),
    )


# ---------------------------------------------------------------------------
# Health figures
# ---------------------------------------------------------------------------


def _measures(
    messages: pd.DataFrame, cascades: pd.DataFrame, labels: pd.Series, frame: pd.DataFrame
) -> pd.DataFrame:
    """Every health figure per label of ``labels`` (one label per message)."""
    out = frame.copy()
    stamp = messages["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    base = pd.DataFrame(
        {
            "label": labels.astype(str).to_numpy(),
            "week": period_labels(messages["created_at"], "week").astype(str).to_numpy(),
            "ns": stamp.to_numpy("datetime64[ns]").view(np.int64),
            "author": messages["author_id"].astype(object).to_numpy(),
            "thread": messages["thread_id"].astype(object).to_numpy(),
            "topic": messages["topic"]
            .astype(object)
            .where(messages["topic"].notna(), "(none)")
            .to_numpy(),
            "first_response": cascades["first_response_minutes"].to_numpy(np.float64),
        }
    )
    if "views" in messages.columns:
        base["views"] = pd.to_numeric(messages["views"], errors="coerce").to_numpy()
    base = base.sort_values("ns", kind="stable").reset_index(drop=True)
    known = base["author"].notna().to_numpy()
    authored = base[known]
    groups = base.groupby("label", sort=False)

    def per_label(values: pd.Series) -> pd.Series:
        return values.reindex(out.index).astype(np.float64)

    out["messages"] = per_label(groups.size()).fillna(0.0)
    out["active_members"] = per_label(authored.groupby("label")["author"].nunique()).fillna(0.0)
    # new members: first contribution of the window falls in this period
    first = authored.drop_duplicates("author")
    out["new_members"] = per_label(first.groupby("label").size()).fillna(0.0)
    # active members per week: distinct authors of each ISO week, summed, per week
    weekly = authored.groupby(["label", "week"])["author"].nunique()
    out["active_members_per_week"] = (
        per_label(weekly.groupby(level="label").sum()).fillna(0.0) / out["weeks"]
    )
    out["new_members_per_week"] = out["new_members"] / out["weeks"]
    out["messages_per_week"] = out["messages"] / out["weeks"]
    started = base.drop_duplicates("thread").groupby("label").size()
    out["threads_started"] = per_label(started).fillna(0.0)
    out["active_topics"] = per_label(groups["topic"].nunique()).fillna(0.0)
    out["messages_per_topic_per_week"] = (
        out["messages"] / out["active_topics"].where(out["active_topics"] > 0) / out["weeks"]
    )
    # interaction: participants per thread weighted by the thread's messages
    per_thread = authored.groupby(["label", "thread"])["author"].agg(["nunique", "size"])
    weighted = (per_thread["nunique"] * per_thread["size"]).groupby(level="label").sum()
    sizes = per_thread["size"].groupby(level="label").sum()
    out["participants_per_thread"] = per_label(weighted / sizes)
    # responsiveness: gap from the previous message of the same thread (with the later one)
    previous = base.groupby("thread", sort=False)["ns"].shift()
    base["gap"] = (base["ns"] - previous) / _NS_PER_MINUTE
    out["median_gap_minutes"] = per_label(base.groupby("label")["gap"].median())
    out["median_first_response_minutes"] = per_label(
        authored.groupby("label")["first_response"].median()
    )
    out["responded_share"] = per_label(
        authored["first_response"].notna().groupby(authored["label"]).mean()
    )
    if "views" in base.columns:
        out["views"] = per_label(base.groupby("label")["views"].sum(min_count=1))
    else:
        out["views"] = np.nan
    counts = authored.groupby(["label", "author"]).size()
    shares, ginis = [], []
    for key in out.index:  # one loop per period, not per message
        values = counts.xs(key, level="label") if key in counts.index.get_level_values(0) else []
        stats = participation_inequality(pd.Series(values, dtype=np.float64))
        shares.append(stats["top_content_share"])
        ginis.append(stats["gini"])
    out["top_10_percent_share"] = np.asarray(shares, dtype=np.float64)
    out["gini"] = np.asarray(ginis, dtype=np.float64)
    return out.loc[:, list(HEALTH_COLUMNS)]


def health_by_period(
    community: Community, *, every: str = "month", horizon: str | pd.Timedelta = "24h"
) -> pd.DataFrame:
    """Every health figure per calendar period, from the first to the last message.

    Parameters
    ----------
    community : Community
    every : str, default "month"
        The period (see :func:`period_labels`).
    horizon : str or Timedelta
        Unused by the figures themselves (first responses are counted at any
        delay); passed to the cascades for consistency with the analysis.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (strings such as ``"2024-01"``), columns
        :data:`HEALTH_COLUMNS`: ``start``/``end`` (UTC), ``weeks`` (length of
        the calendar period in weeks) and the figures of the module docstring
        (float64; NaN where undefined, e.g. no response in the period). Periods
        without any message are kept with zero counts.

    Raises
    ------
    ValueError
        When ``every`` is not a period.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "ann", "cy"],
    ...     "parent_id": [None, "1", "2", None],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-01-01 01:30",
    ...                    "2024-03-04 00:00"]})
    >>> table = health_by_period(parse_table(msgs), every="month")
    >>> table[["messages", "active_members", "new_members", "participants_per_thread"]]
             messages  active_members  new_members  participants_per_thread
    period
    2024-01       3.0             2.0          2.0                      2.0
    2024-02       0.0             0.0          0.0                      NaN
    2024-03       1.0             1.0          1.0                      1.0
    >>> table.loc["2024-01", ["median_gap_minutes", "median_first_response_minutes"]].tolist()
    [45.0, 45.0]
    """
    messages = community.messages
    cascades = None if messages.empty else compute_cascades(messages, horizon=pd.Timedelta(horizon))
    return _by_period(messages, cascades, every)


def _by_period(messages: pd.DataFrame, cascades: pd.DataFrame | None, every: str) -> pd.DataFrame:
    freq = _frequency(every)
    if messages.empty:
        frame = _period_frame(pd.PeriodIndex([], freq=freq))
        empty = pd.DataFrame(np.nan, index=frame.index, columns=list(HEALTH_COLUMNS))
        empty[["start", "end", "weeks"]] = frame
        return empty
    labels = period_labels(messages["created_at"], every)
    full = pd.period_range(labels.min(), labels.max(), freq=freq)
    return _measures(messages, cascades, labels, _period_frame(full))


def _json_ready(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, pd.Timestamp):
            value = value.isoformat().replace("+00:00", "Z")
        elif isinstance(value, (float, np.floating)):
            value = None if not np.isfinite(value) else round(float(value), 6)
        elif isinstance(value, np.integer):
            value = int(value)
        out[key] = value
    return out


def compute_health(
    community: Community,
    *,
    every: str = "month",
    horizon: str | pd.Timedelta = "24h",
    lorenz_points: int = 101,
) -> dict:
    """The community health figures, over the whole window and per period.

    Parameters
    ----------
    community : Community
    every : str, default "month"
        The period of the per-period values (see :func:`period_labels`).
    horizon : str or Timedelta
        The cascade horizon of the analysis.
    lorenz_points : int, default 101
        At most this many points of the Lorenz curve (evenly spread over the
        population, always with both ends).

    Returns
    -------
    dict
        JSON-ready (NaN as None, times ISO 8601 UTC): ``every``, ``overall``
        (every figure of :data:`HEALTH_COLUMNS` over the whole window),
        ``participation_inequality`` (:func:`participation_inequality` plus
        ``wu_z_score``: how many of Wu's standard deviations the top-10% share is
        from his 55.95% mean, and ``lorenz``: ``population_share`` and
        ``content_share`` lists), ``benchmark`` (Wu's figures) and ``periods``
        (a list with one dict per period: ``period`` and the figures).

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "ann"],
    ...     "parent_id": [None, "1", "2"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-02-01 00:00"]})
    >>> health = compute_health(parse_table(msgs))
    >>> health["overall"]["messages"], [p["period"] for p in health["periods"]]
    (3.0, ['2024-01', '2024-02'])
    >>> health["participation_inequality"]["top_content_share"]
    0.666667
    """
    messages = community.messages
    cascades = None if messages.empty else compute_cascades(messages, horizon=pd.Timedelta(horizon))
    periods = _by_period(messages, cascades, every)
    if messages.empty:
        overall = {name: None for name in HEALTH_COLUMNS}
    else:
        times = messages["created_at"]
        start = times.min().floor("D")
        end = times.max().floor("D") + pd.Timedelta(days=1)
        frame = pd.DataFrame(
            {"start": [start], "end": [end], "weeks": [(end - start).total_seconds() / 604800]},
            index=pd.Index(["all"], name="period"),
        )
        labels = pd.Series("all", index=messages.index)
        overall = _json_ready(_measures(messages, cascades, labels, frame).iloc[0].to_dict())
    per_author = messages["author_id"].dropna().value_counts()
    inequality = participation_inequality(per_author, top_share=0.10)
    share = inequality["top_content_share"]
    inequality["wu_z_score"] = (share - WU_TOP_10_SHARE_MEAN) / WU_TOP_10_SHARE_SD
    curve = lorenz_curve(per_author)
    if len(curve) > lorenz_points:
        keep = np.unique(np.linspace(0, len(curve) - 1, lorenz_points).round().astype(int))
        curve = curve.iloc[keep]
    inequality = _json_ready(inequality)
    inequality["lorenz"] = {
        column: [round(float(v), 6) for v in curve[column]] for column in curve.columns
    }
    return {
        "every": str(every),
        "overall": overall,
        "participation_inequality": inequality,
        "benchmark": {
            "source": "Wu, Lithium 2010: top 10% of contributors over 200+ communities",
            "top_10_percent_share_mean": WU_TOP_10_SHARE_MEAN,
            "top_10_percent_share_sd": WU_TOP_10_SHARE_SD,
        },
        "periods": [
            {"period": str(key), **_json_ready(row.to_dict())}
            for key, row in periods.iterrows()  # one row per period
        ],
    }
