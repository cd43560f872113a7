"""Influence over time: per-period scores, rising and fading members, newcomers, typology.

Wu: influence is time-sensitive. :func:`score_periods` scores every calendar
period (``every="month"``, ...) with the very same model as the whole community
(:func:`influence.run_analysis` on the period's window); :func:`compute_trends`
reads those scores per member and says who is rising, fading, new and worth
watching, and which of Agarwal et al.'s four kinds of influencer each one is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.analysis import run_analysis
from influence.classify import SEGMENTS, ClassifyOptions
from influence.community import Community
from influence.errors import EmptyCommunityError
from influence.health import period_labels

__all__ = ["PERIOD_COLUMNS", "TREND_COLUMNS", "TYPOLOGY", "compute_trends", "score_periods"]

#: Columns of :func:`score_periods`, in order.
PERIOD_COLUMNS = (
    "period",
    "start",
    "user_id",
    "display_name",
    "segment",
    "talkative_score",
    "listened_to_score",
    "influence_score",
    "messages",
    "influence_top_share",
    "reasons",
)

#: Columns of :func:`compute_trends`, in order.
TREND_COLUMNS = (
    "user_id",
    "display_name",
    "typology",
    "trend",
    "to_watch",
    "newcomer",
    "first_period",
    "last_period",
    "active_periods",
    "influential_periods",
    "first_influential_period",
    "mean_influence",
    "influence_before",
    "influence_recent",
    "influence_change",
    "latest_segment",
)

#: Agarwal et al.'s kinds of influencer over time, from the most to the least lasting.
TYPOLOGY = ("long_term", "average_term", "burgeoning", "transient")


def score_periods(
    community: Community,
    *,
    every: str = "month",
    since=None,
    until=None,
    horizon: str | pd.Timedelta = "24h",
    options: ClassifyOptions | None = None,
) -> pd.DataFrame:
    """Axes and segments of every active member in every calendar period.

    Parameters
    ----------
    community : Community
    every : str, default "month"
        ``"day"``, ``"week"``, ``"month"``, ``"quarter"``, ``"year"`` or a pandas
        period frequency (:func:`influence.health.period_labels`).
    since, until : optional
        Restrict to this window first (as :func:`influence.run_analysis`).
    horizon, options
        As for :func:`influence.run_analysis`, applied within each period.

    Returns
    -------
    DataFrame
        One row per period and member active in it, columns
        :data:`PERIOD_COLUMNS`: ``period`` (e.g. ``"2024-01"``), ``start``
        (UTC), the scores, ``segment`` and ``reasons`` of that period, and
        ``influence_top_share`` (share of the period's active members at or
        above the member's influence: 0.05 = top 5%). Sorted by period then
        rank. ``attrs["periods"]`` lists every period from the first to the
        last message, also the empty ones.

    Raises
    ------
    ValueError
        When ``every`` is not a period.
    EmptyCommunityError
        When no message is left in the window.

    Notes
    -----
    A period is the window ``start <= created_at < next start``: a message's
    cascade is cut at the end of its period, as with ``--since``/``--until``.

    Examples
    --------
    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "ann", "cy"],
    ...     "parent_id": [None, "1", None, "3"],
    ...     "created_at": ["2024-01-01 00:00", "2024-01-01 00:30", "2024-03-01 00:00",
    ...                    "2024-03-01 00:20"]})
    >>> table = score_periods(parse_table(msgs), every="month")
    >>> table[["period", "user_id", "messages"]].to_dict("list")
    {'period': ['2024-01', '2024-01', '2024-03', '2024-03'], \
'user_id': ['ann', 'bob', 'ann', 'cy'], 'messages': [1.0, 1.0, 1.0, 1.0]}
    >>> table.attrs["periods"]
    ['2024-01', '2024-02', '2024-03']
    """
    windowed = community.window(since, until) if (since or until) else community
    if windowed.messages.empty:
        raise EmptyCommunityError(
            "community must have at least one message in the window to score periods (got 0)"
        )
    labels = period_labels(windowed.messages["created_at"], every)
    periods = pd.period_range(labels.min(), labels.max(), freq=labels.dt.freq)
    present = set(labels.astype(str).unique())
    frames = []
    for period in periods:  # one analysis per period
        if str(period) not in present:
            continue
        start = period.start_time.tz_localize("UTC")
        end = (period + 1).start_time.tz_localize("UTC")
        users = run_analysis(windowed, since=start, until=end, horizon=horizon, options=options)
        users = users.users
        users = users.loc[users["segment"] != "inactive"].reset_index()
        score = users["influence_score"].fillna(-1.0)
        users["influence_top_share"] = score.rank(method="min", ascending=False) / len(users)
        users.insert(0, "period", str(period))
        users.insert(1, "start", start)
        frames.append(users.loc[:, list(PERIOD_COLUMNS)])
    table = pd.concat(frames, ignore_index=True)
    table["segment"] = pd.Categorical(table["segment"].astype(str), categories=list(SEGMENTS))
    table["user_id"] = table["user_id"].astype("string")
    table["influence_top_share"] = table["influence_top_share"].astype(np.float64)
    table.attrs["periods"] = [str(p) for p in periods]
    table.attrs["every"] = str(every)
    return table


def compute_trends(
    periods: pd.DataFrame,
    *,
    recent: int = 3,
    change: float = 0.1,
    influential: tuple[str, ...] = ("true_influencer",),
    watch_share: float = 0.10,
    long_share: float = 0.5,
    average_share: float = 0.25,
) -> pd.DataFrame:
    """Per member: rising or fading, newcomer, worth watching, and the typology.

    Parameters
    ----------
    periods : DataFrame
        The per-period scores of :func:`score_periods` (its ``attrs["periods"]``
        lists every period; without it, the periods present).
    recent : int, default 3
        How many of the last periods are "recent" (at most half of the periods).
    change : float, default 0.1
        The change of mean influence (a 0..1 score) that counts as rising or fading.
    influential : tuple of str, default ("true_influencer",)
        The segments that make a member influential in a period.
    watch_share : float, default 0.10
        A newcomer is worth watching when in a recent period their influence was
        in the top ``watch_share`` of that period's active members.
    long_share, average_share : float
        Thresholds of the typology (below).

    Returns
    -------
    DataFrame
        One row per member active in any period, columns :data:`TREND_COLUMNS`,
        sorted by typology (most lasting first), then recent influence
        (descending), then user id.

    Raises
    ------
    ValueError
        When ``recent`` is below 1 or a share is not in (0, 1].

    Notes
    -----
    With :math:`P` periods and a member's influence :math:`s_t` in period
    :math:`t` (0 when not active), :math:`r` recent periods
    (:math:`r = \\min(recent, \\lfloor P/2 \\rfloor)`, at least 1):

    * ``influence_recent`` = mean of :math:`s_t` over the last :math:`r`
      periods, ``influence_before`` = over the :math:`r` periods before them,
      ``influence_change`` = their difference;
    * ``newcomer``: first contribution in the last :math:`r` periods;
    * ``trend``: ``newcomer`` for newcomers, else ``dormant`` when not active in
      the last :math:`2r` periods, else ``rising`` when
      ``influence_change >= change``, ``fading`` when ``<= -change``, else ``steady``;
    * ``to_watch``: a newcomer in the top ``watch_share`` of a recent period;
    * ``typology`` (Agarwal, Liu, Tang and Yu 2008), from :math:`k`, the periods
      in which the member was influential (segment in ``influential``):
      ``long_term`` when :math:`k \\ge` ``long_share`` :math:`\\cdot P` (and
      :math:`k \\ge 2`), else ``burgeoning`` when the first influential period
      is recent, else ``average_term`` when :math:`k \\ge`
      ``average_share`` :math:`\\cdot P` (and :math:`k \\ge 2`), else ``transient``;
      empty for members never influential.

    References
    ----------
    N. Agarwal, H. Liu, L. Tang and P. S. Yu, "Identifying the influential
    bloggers in a community", WSDM 2008.

    Examples
    --------
    Four months; ann is influential in all of them, bob only in the first, cy
    arrives in the last one:

    >>> rows = [(p, u, s, seg) for p in ["2024-01", "2024-02", "2024-03", "2024-04"]
    ...         for u, s, seg in [("ann", 0.9, "true_influencer")]]
    >>> rows += [("2024-01", "bob", 0.8, "true_influencer"), ("2024-04", "cy", 0.7, "member")]
    >>> periods = pd.DataFrame(rows, columns=["period", "user_id", "influence_score", "segment"])
    >>> periods["influence_top_share"] = [0.5, 1, 1, 0.5, 1.0, 1.0]
    >>> trends = compute_trends(periods, recent=2)
    >>> trends[["user_id", "typology", "trend", "influence_change"]].to_dict("list")
    {'user_id': ['ann', 'bob', 'cy'], 'typology': ['long_term', 'transient', ''], \
'trend': ['steady', 'fading', 'newcomer'], 'influence_change': [0.0, -0.4, 0.35]}
    """
    if recent < 1:
        raise ValueError(f"recent must be at least 1 (got {recent})")
    for name, value in (
        ("watch_share", watch_share),
        ("long_share", long_share),
        ("average_share", average_share),
    ):
        if not 0 < value <= 1:
            raise ValueError(f"{name} must be in (0, 1] (got {value})")
    names = periods.attrs.get("periods") or sorted(periods["period"].astype(str).unique())
    order = {p: i for i, p in enumerate(names)}
    count = len(names)
    window = max(1, min(recent, count // 2))
    frame = pd.DataFrame(
        {
            "user_id": periods["user_id"].astype("string").to_numpy(),
            "at": periods["period"].astype(str).map(order).to_numpy(np.int64),
            "score": periods["influence_score"].astype(np.float64).fillna(0.0).to_numpy(),
            "segment": periods["segment"].astype(str).to_numpy(),
            "top": periods["influence_top_share"].astype(np.float64).to_numpy(),
        }
    )
    if "display_name" in periods.columns:
        frame["display_name"] = periods["display_name"].astype("string").to_numpy()
    else:
        frame["display_name"] = pd.array([pd.NA] * len(frame), dtype="string")
    frame["influential"] = frame["segment"].isin(list(influential))
    frame = frame.sort_values(["user_id", "at"], kind="stable")
    grouped = frame.groupby("user_id", sort=True)
    out = pd.DataFrame(index=pd.Index(sorted(frame["user_id"].unique()), name="user_id"))
    out["display_name"] = grouped["display_name"].last()
    first_at = grouped["at"].min()
    last_at = grouped["at"].max()
    out["active_periods"] = grouped.size().astype(np.int64)
    out["influential_periods"] = grouped["influential"].sum().astype(np.int64)
    first_influential = frame.loc[frame["influential"]].groupby("user_id")["at"].min()
    recent_start = count - window
    before_start = max(0, recent_start - window)
    recent_rows = frame["at"] >= recent_start
    before_rows = (frame["at"] >= before_start) & (frame["at"] < recent_start)
    out["influence_recent"] = (
        frame.loc[recent_rows].groupby("user_id")["score"].sum().reindex(out.index).fillna(0.0)
        / window
    )
    before_periods = recent_start - before_start
    out["influence_before"] = frame.loc[before_rows].groupby("user_id")["score"].sum().reindex(
        out.index
    ).fillna(0.0) / max(before_periods, 1)
    out["influence_change"] = out["influence_recent"] - out["influence_before"]
    out["mean_influence"] = grouped["score"].sum() / count
    out["newcomer"] = (first_at >= recent_start).to_numpy(bool) & (count > 1)
    best_recent = frame.loc[recent_rows].groupby("user_id")["top"].min().reindex(out.index)
    out["to_watch"] = out["newcomer"] & (best_recent <= watch_share).fillna(False).to_numpy(bool)
    quiet = ~frame.loc[frame["at"] >= before_start, "user_id"].drop_duplicates().pipe(
        lambda ids: out.index.isin(ids)
    )
    trend = np.select(
        [
            out["newcomer"].to_numpy(bool),
            quiet,
            (out["influence_change"] >= change - 1e-12).to_numpy(bool),
            (out["influence_change"] <= -change + 1e-12).to_numpy(bool),
        ],
        ["newcomer", "dormant", "rising", "fading"],
        default="steady",
    )
    out["trend"] = trend
    k = out["influential_periods"].to_numpy()
    first_inf = first_influential.reindex(out.index).to_numpy(np.float64)
    out["typology"] = np.select(
        [
            k == 0,
            (k >= long_share * count) & (k >= 2),
            first_inf >= recent_start,
            (k >= average_share * count) & (k >= 2),
        ],
        ["", "long_term", "burgeoning", "average_term"],
        default="transient",
    )
    out["first_period"] = [names[i] for i in first_at.to_numpy()]
    out["last_period"] = [names[i] for i in last_at.to_numpy()]
    out["first_influential_period"] = pd.array(
        [names[int(i)] if np.isfinite(i) else pd.NA for i in first_inf], dtype="string"
    )
    latest = frame.drop_duplicates("user_id", keep="last").set_index("user_id")["segment"]
    out["latest_segment"] = latest.reindex(out.index).to_numpy()
    rank = {name: i for i, name in enumerate(TYPOLOGY)}
    out = out.reset_index()
    out["_type"] = out["typology"].map(rank).fillna(len(TYPOLOGY))
    out = out.sort_values(
        ["_type", "influence_recent", "user_id"], ascending=[True, False, True], kind="stable"
    )
    out = out.loc[:, list(TREND_COLUMNS)].reset_index(drop=True)
    for column in ("influence_recent", "influence_before", "influence_change", "mean_influence"):
        out[column] = out[column].astype(np.float64).round(12)
    out["user_id"] = out["user_id"].astype("string")
    out.attrs["periods"] = list(names)
    out.attrs["recent_periods"] = names[recent_start:]
    return out
