"""Forrester's four I's of engagement, per member: involvement, interaction, intimacy, influence.

The people who commission a community analysis often think in Forrester's terms
(Haven, *Marketing's New Key Metric: Engagement*, Forrester Research, 2007):

``involvement``
    presence: how often the member is there (active days, sessions, and profile
    views when the dump has them);
``interaction``
    contributions and reactions: messages written and reactions given (kudos,
    likes, accepted answers);
``intimacy``
    affinity: the sentiment of the member's messages, those about the brand
    (``brand`` keywords) weighing more;
``influence``
    the member's ``influence_score`` (Wu's model, :mod:`influence.classify`).

:func:`compute_engagement` returns them as columns; :func:`add_engagement` joins
them to an :class:`~influence.analysis.Analysis` so that they reach ``users.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from influence.analysis import Analysis
from influence.community import Community
from influence.graph import community_codes, positions

__all__ = ["ENGAGEMENT_COLUMNS", "REACTION_KINDS", "add_engagement", "compute_engagement"]

#: Columns of :func:`compute_engagement`, in order (``views`` only when the dump has it).
ENGAGEMENT_COLUMNS = (
    "involvement",
    "interaction",
    "intimacy",
    "influence",
    "sessions",
    "views",
    "reactions_given",
    "sentiment",
    "sentiment_messages",
    "brand_sentiment",
    "brand_messages",
)
#: Interaction kinds that are a reaction to someone else's contribution.
REACTION_KINDS = ("kudos", "accept")


def _percentiles(values: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Percentile rank among active members (ties share the mean rank); NaN elsewhere.

    ``rank(pct=True, method="average")`` of pandas, on arrays.

    Among the active members (missing values count as 0), the mean of the
    ranks a run of equal values spans, ``(first + last) / 2``, divided by the
    number of active members: the floats pandas gives (the sum of the ranks of
    a run divided by its length is that half-integer exactly).
    """
    out = np.full(len(values), np.nan)
    chosen = np.nan_to_num(values[active], nan=0.0, posinf=np.inf, neginf=-np.inf)
    n = len(chosen)
    if not n:
        return out
    order = np.argsort(chosen)
    ordered = chosen[order]
    new = np.ones(n, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    first = np.flatnonzero(new)  # 0-based start of each run of equal values
    last = np.append(first[1:], n)  # 1-based rank of each run's last value
    mean_rank = (first + 1 + last) / 2
    ranks = np.empty(n)
    ranks[order] = mean_rank[np.cumsum(new) - 1] / n
    out[active] = ranks
    return out


def _mean_ranks(components: dict[str, np.ndarray], active: np.ndarray) -> np.ndarray:
    """The mean of the components' percentiles, summed in order as pandas' row mean does."""
    total = None
    for values in components.values():
        ranks = _percentiles(values, active)
        total = ranks if total is None else total + ranks
    return total / len(components)


def _sessions(author: np.ndarray, times: np.ndarray, gap: pd.Timedelta, n: int) -> np.ndarray:
    """Sessions per author: ``author`` codes 0..n-1 (-1: unknown, left out), datetime64 times.

    One sort of ``author * span + time`` (the times in their coarsest exact unit,
    from the earliest) when that fits in 64 bits, as it does for second or
    millisecond times; else author, then the rank of the time.
    """
    known = author >= 0
    author = author[known].astype(np.int64)
    times = times[known].astype("datetime64[ns]", copy=False)
    stamps = times.view(np.int64)
    m = len(author)
    if not m:
        return np.zeros(n)
    limit = int(gap.to_timedelta64().astype("timedelta64[ns]").astype(np.int64))
    whole = None
    if not np.isnat(times).any() and int(stamps.max()) - int(stamps.min()) < 2**62:
        unit, whole = _coarsest_unit(stamps - stamps.min())  # ns from the earliest message
        span = int(whole.max()) + 1
    if whole is not None and n * span < 2**62:  # else the plain way below
        key = np.sort(author * span + whole)
        author = key // span
        # within an author, the time between messages in units: a whole number d
        # of units is more than limit ns exactly when d > limit // unit
        later = np.diff(key) > limit // unit
    else:  # by author, then the rank of the time (< n * m, no overflow)
        by_time = np.argsort(times, kind="stable")
        rank = np.empty(m, dtype=np.int64)
        rank[by_time] = np.arange(m)
        key = np.sort(author * m + rank)
        author, times = key // m, times[by_time][key % m]
        later = (times[1:] - times[:-1]) > gap.to_timedelta64()
    new = np.ones(m, dtype=bool)
    new[1:] = (author[1:] != author[:-1]) | later
    return np.bincount(author[new], minlength=n).astype("float64")


def _coarsest_unit(nanoseconds: np.ndarray) -> tuple[int, np.ndarray]:
    """The coarsest of 1 s, 1 ms, 1 us and 1 ns dividing every value, and the quotients.

    Examples
    --------
    >>> unit, whole = _coarsest_unit(np.array([0, 3_000_000, 5_000_000]))
    >>> unit, whole.tolist()
    (1000000, [0, 3, 5])
    """
    for unit in (1_000_000_000, 1_000_000, 1_000):
        if (nanoseconds[:1000] % unit).any():  # a quick no on a few values first
            continue
        whole = nanoseconds // unit
        if np.array_equal(whole * unit, nanoseconds):
            return unit, whole
    return 1, nanoseconds


def _per_user(counts: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``counts[row]``, 0 where ``row`` is -1."""
    if not len(counts):
        return np.zeros(len(row))
    return np.where(row >= 0, counts[np.maximum(row, 0)], 0.0)


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _as_boolean(values: pd.Series) -> pd.Series:
    """Booleans from bools or text (``true``/``false``, ``yes``/``no``, ``1``/``0``)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).to_numpy(bool)] = True
    out[text.isin(_FALSE).fillna(False).to_numpy(bool)] = False
    return out


def _message_sentiment(messages: pd.DataFrame, brand) -> tuple[pd.DataFrame | None, str | None]:
    """Per-message ``sentiment`` and ``brand_mention``, or None and why."""
    if "sentiment" in messages.columns:
        frame = pd.DataFrame({"sentiment": pd.to_numeric(messages["sentiment"], errors="coerce")})
        if brand is not None and "text" in messages.columns:
            from influence.sentiment import brand_mentions

            frame["brand_mention"] = brand_mentions(messages["text"], brand)
        elif "brand_mention" in messages.columns:
            frame["brand_mention"] = _as_boolean(messages["brand_mention"])
        else:
            frame["brand_mention"] = pd.array([pd.NA] * len(messages), dtype="boolean")
        return frame, None
    if "text" in messages.columns:
        from influence.sentiment import missing_packages, score_sentiment

        missing = missing_packages()
        if missing:
            return None, (
                f"intimacy needs the packages {', '.join(missing)}: "
                'pip install "influence[engagement]"'
            )
        scored = score_sentiment(messages["text"], brand=brand)
        return scored[["sentiment", "brand_mention"]], None
    return None, (
        "intimacy needs the sentiment of each message, which this reader does not "
        "provide (no sentiment or text column in the messages)"
    )


def compute_engagement(
    community: Community,
    users: pd.DataFrame,
    *,
    brand: Iterable[str] | None = None,
    brand_weight: float = 3.0,
    session_gap: str | pd.Timedelta = "30min",
) -> pd.DataFrame:
    """The four I's of engagement for every member of ``users``.

    Parameters
    ----------
    community : Community
        The community analysed (the window already applied). ``messages`` may carry
        a ``sentiment`` column (-1..+1, as :func:`influence.sentiment.score_sentiment`
        writes it) and ``brand_mention``; failing that, a ``text`` column is scored.
        ``users`` may carry ``views`` (profile views).
    users : DataFrame
        The users table (index ``user_id``; ``segment``, ``messages``,
        ``active_days``, ``influence_score``); not modified.
    brand : iterable of str, optional
        Brand, product or topic keywords; the messages mentioning them weigh
        ``brand_weight`` times in ``intimacy``.
    brand_weight : float, default 3.0
    session_gap : str or Timedelta, default "30min"
        A member's messages closer than this belong to one session.

    Returns
    -------
    DataFrame
        Indexed like ``users``, float64 columns :data:`ENGAGEMENT_COLUMNS` (``views``
        only when the dump has profile views). NaN for inactive members, and
        ``intimacy`` NaN for everyone when no message has a sentiment; the reason is
        in ``attrs["notes"]``.

    Notes
    -----
    Among active members, with ``pct`` the percentile rank (``rank / n``, ties
    sharing their mean rank):

    * ``involvement`` = mean of ``pct(active_days)``, ``pct(sessions)`` and
      ``pct(views)`` when the dump has views; a session is a run of the member's
      messages less than ``session_gap`` apart;
    * ``interaction`` = mean of ``pct(messages)`` and ``pct(reactions_given)``
      (kudos, likes and accepts the member gave; left out when nobody gave any);
    * ``intimacy`` = the mean sentiment (-1..+1) of the member's messages that have
      one, a message mentioning the brand counting ``brand_weight`` times;
      ``sentiment`` is the plain mean, ``brand_sentiment`` the mean over the
      ``brand_messages`` that mention the brand;
    * ``influence`` = ``influence_score``.

    Involvement and interaction are 0..1 (1 = the top of the community), intimacy
    -1..+1 (0 = neutral), influence 0..1.

    Examples
    --------
    >>> import influence
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> users = influence.analyze(community)
    >>> four = compute_engagement(community, users)
    >>> list(four.columns[:4])
    ['involvement', 'interaction', 'intimacy', 'influence']
    >>> active = users["segment"] != "inactive"
    >>> bool(four.loc[active, "involvement"].between(0, 1).all())
    True
    >>> intimacy = four.loc[active, "intimacy"].dropna()
    >>> len(intimacy) > 0, bool(intimacy.between(-1, 1).all())
    (True, True)
    """
    parts = _member_engagement(
        community,
        users.index,
        positions(users.index, community.user_ids),  # each member's position in the codes
        active=(users["segment"] != "inactive").to_numpy(bool),
        active_days=users["active_days"].to_numpy(np.float64, na_value=np.nan),
        messages=users["messages"].to_numpy(np.float64, na_value=np.nan),
        brand=brand,
        brand_weight=brand_weight,
        session_gap=session_gap,
    )
    return _engagement_table(parts, users["influence_score"])


@dataclass(frozen=True)
class _MemberEngagement:
    """What :func:`compute_engagement` computes before the influence score, per member."""

    columns: dict[str, np.ndarray]  # ENGAGEMENT_COLUMNS but ``influence``, in order
    notes: list[str]
    parameters: dict


def _member_engagement(
    community: Community,
    index: pd.Index,
    row: np.ndarray,
    *,
    active: np.ndarray,
    active_days: np.ndarray,
    messages: np.ndarray,
    brand: Iterable[str] | None = None,
    brand_weight: float = 3.0,
    session_gap: str | pd.Timedelta = "30min",
) -> _MemberEngagement:
    """The part of :func:`compute_engagement` that needs no influence score.

    For the members ``index`` (at positions ``row`` of ``community.user_ids``,
    -1 when absent), in that order; ``active`` where the member has a message.
    Every column is unchanged when the members are put in another order (the
    percentiles do not depend on it), so the analysis computes them in the
    metric table's order beside the classification.
    """
    gap = pd.Timedelta(session_gap)
    brand = None if brand is None else [str(b) for b in brand if str(b).strip()] or None
    messages_table = community.messages
    notes: list[str] = []
    codes = community_codes(community)
    n_users = len(community.user_ids)

    times = messages_table["created_at"].to_numpy("datetime64[ns]")
    sessions = _per_user(_sessions(codes.author, times, gap, n_users), row)
    presence = {"active_days": active_days, "sessions": sessions}
    views = None
    if "views" in community.users.columns:
        profiles = community.users
        listed = positions(index, pd.Index(profiles["user_id"].array))
        known = pd.to_numeric(profiles["views"], errors="coerce").astype("float64").to_numpy()
        views = np.full(len(index), np.nan)
        views[listed >= 0] = known[listed[listed >= 0]]
        if not np.isnan(views[active]).all():
            presence["views"] = views
        else:
            views = None

    interactions = community.interactions
    reacting = interactions["kind"].isin(REACTION_KINDS).to_numpy(bool) & (codes.source >= 0)
    given = np.bincount(codes.source[reacting], minlength=n_users).astype("float64")
    given = _per_user(given, row)
    contribution = {"messages": messages}
    if float(given[active].sum()) > 0:
        contribution["reactions_given"] = given
    else:
        notes.append("interaction counts messages only: nobody gave a kudos, like or accept")

    per_message, why = _message_sentiment(messages_table, brand)
    empty = np.full(len(index), np.nan)
    sentiment, intimacy, brand_sentiment = empty.copy(), empty.copy(), empty.copy()
    scored_count = np.zeros(len(index))
    brand_count = empty.copy() if brand is None else np.zeros(len(index))
    if per_message is None:
        notes.append(why)
    else:
        author = messages_table["author_id"].astype("string")
        value = per_message["sentiment"].to_numpy(float)
        mention = per_message["brand_mention"].fillna(False).to_numpy(bool)
        keep = author.notna().to_numpy(bool) & np.isfinite(value)
        frame = pd.DataFrame(
            {
                "author": author[keep].astype(str).to_numpy(),
                "value": value[keep],
                "mention": mention[keep],
                "weight": np.where(mention[keep], brand_weight, 1.0),
            }
        )
        frame["weighted"] = frame["value"] * frame["weight"]
        grouped = frame.groupby("author")
        keys = index.astype(str)
        totals = grouped[["value", "weight", "weighted"]].sum()
        counts = grouped.size()
        sentiment = np.asarray((totals["value"] / counts).reindex(keys), dtype=float)
        intimacy = np.asarray((totals["weighted"] / totals["weight"]).reindex(keys), dtype=float)
        scored_count = np.asarray(counts.reindex(keys).fillna(0.0), dtype=float)
        if brand is not None or per_message["brand_mention"].notna().any():
            about = frame.loc[frame["mention"]].groupby("author")["value"]
            brand_sentiment = np.asarray(about.mean().reindex(keys), dtype=float)
            brand_count = np.asarray(about.size().reindex(keys).fillna(0.0), dtype=float)
        if not keep.any():
            notes.append("intimacy is empty: no message had a sentiment (unsupported languages)")

    intimacy, sentiment, brand_sentiment = (
        np.where(active, column, np.nan) for column in (intimacy, sentiment, brand_sentiment)
    )
    columns = {
        "involvement": _mean_ranks(presence, active),
        "interaction": _mean_ranks(contribution, active),
        "intimacy": intimacy,
        "sessions": sessions,
        "views": views,
        "reactions_given": given,
        "sentiment": sentiment,
        "sentiment_messages": scored_count,
        "brand_sentiment": brand_sentiment,
        "brand_messages": brand_count,
    }
    parameters = {
        "brand": brand,
        "brand_weight": float(brand_weight),
        "session_gap": str(gap),
        "involvement": list(presence),
        "interaction": list(contribution),
    }
    return _MemberEngagement({k: v for k, v in columns.items() if v is not None}, notes, parameters)


def _engagement_table(
    parts: _MemberEngagement, influence: pd.Series, order: np.ndarray | None = None
) -> pd.DataFrame:
    """The :func:`compute_engagement` table of ``parts`` for the members of ``influence``.

    ``influence`` is the members' ``influence_score``, indexed by ``user_id``;
    ``order`` (optional) the positions, among the members ``parts`` was
    computed for, of the members of ``influence``, in its order.
    """
    columns = {k: v if order is None else v[order] for k, v in parts.columns.items()}
    columns["influence"] = influence.to_numpy(np.float64, na_value=np.nan)
    table = pd.DataFrame(
        {k: columns[k] for k in ENGAGEMENT_COLUMNS if k in columns}, index=influence.index
    )
    table.attrs["notes"] = list(parts.notes)
    table.attrs["parameters"] = dict(parts.parameters)
    return table


def add_engagement(
    analysis: Analysis,
    *,
    brand: Iterable[str] | None = None,
    brand_weight: float = 3.0,
    session_gap: str | pd.Timedelta = "30min",
) -> Analysis:
    """A new :class:`Analysis` whose users table carries the four I's.

    The columns of :func:`compute_engagement` are added after the existing ones
    (a column already present is replaced); ``parameters["engagement"]`` records
    the parameters and the notes. ``analysis`` is not modified.

    Examples
    --------
    >>> import influence
    >>> analysis = influence.run_analysis(
    ...     influence.read("datasets/stackexchange-conlang-meta-2020"))
    >>> "involvement" in analysis.users  # run_analysis already adds the four I's
    True
    >>> richer = add_engagement(analysis, brand=["conlang"])
    >>> richer.parameters["engagement"]["brand"], analysis.parameters["engagement"]["brand"]
    (['conlang'], None)
    """
    four = compute_engagement(
        analysis.community,
        analysis.users,
        brand=brand,
        brand_weight=brand_weight,
        session_gap=session_gap,
    )
    return _join_engagement(analysis, four)


def _join_engagement(analysis: Analysis, four: pd.DataFrame) -> Analysis:
    """:func:`add_engagement` once the table of :func:`compute_engagement` is made."""
    users = analysis.users.drop(columns=[c for c in four.columns if c in analysis.users])
    users = users.join(four)
    parameters = dict(analysis.parameters)
    parameters["engagement"] = {**four.attrs["parameters"], "notes": list(four.attrs["notes"])}
    return replace(analysis, users=users, parameters=parameters)
