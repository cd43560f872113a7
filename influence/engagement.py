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
from dataclasses import replace

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


def _percentile(values: pd.Series, active: np.ndarray) -> pd.Series:
    """Percentile rank among active members (ties share the mean rank); NaN elsewhere."""
    out = np.full(len(values), np.nan)
    ranked = values[active].astype("float64").fillna(0.0).rank(pct=True, method="average")
    out[active] = ranked.to_numpy(np.float64)  # by position: no alignment on the ids
    return pd.Series(out, index=values.index, dtype="float64")


def _mean_rank(components: dict[str, pd.Series], active: np.ndarray) -> pd.Series:
    ranks = [_percentile(v, active) for v in components.values()]
    return pd.concat(ranks, axis=1).mean(axis=1, skipna=False).astype("float64")


def _sessions(author: np.ndarray, times: np.ndarray, gap: pd.Timedelta, n: int) -> np.ndarray:
    """Sessions per author: ``author`` codes 0..n-1 (-1: unknown, left out), datetime64 times."""
    known = author >= 0
    author = author[known]
    times = times[known]
    # by author, then time: one sort of author * m + rank of the time (< n * m, no overflow)
    m = len(author)
    by_time = np.argsort(times, kind="stable")
    rank = np.empty(m, dtype=np.int64)
    rank[by_time] = np.arange(m)
    key = np.sort(author.astype(np.int64) * m + rank)
    author, times = key // max(m, 1), times[by_time][key % max(m, 1)]
    new = np.ones(len(author), dtype=bool)
    if len(author) > 1:
        new[1:] = (author[1:] != author[:-1]) | ((times[1:] - times[:-1]) > gap.to_timedelta64())
    return np.bincount(author[new], minlength=n).astype("float64")


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
    gap = pd.Timedelta(session_gap)
    brand = None if brand is None else [str(b) for b in brand if str(b).strip()] or None
    index = users.index
    active = (users["segment"] != "inactive").to_numpy(bool)
    messages = community.messages
    notes: list[str] = []
    codes = community_codes(community)
    n_users = len(community.user_ids)
    row = positions(index, community.user_ids)  # each member's position in the codes

    times = messages["created_at"].to_numpy("datetime64[ns]")
    sessions = pd.Series(_per_user(_sessions(codes.author, times, gap, n_users), row), index=index)
    presence = {"active_days": users["active_days"], "sessions": sessions}
    views = None
    if "views" in community.users.columns:
        profiles = community.users
        listed = positions(index, pd.Index(profiles["user_id"].array))
        known = pd.to_numeric(profiles["views"], errors="coerce").astype("float64").to_numpy()
        views = pd.Series(np.nan, index=index, dtype="float64")
        views[listed >= 0] = known[listed[listed >= 0]]
        if views[active].notna().any():
            presence["views"] = views
        else:
            views = None

    interactions = community.interactions
    reacting = interactions["kind"].isin(REACTION_KINDS).to_numpy(bool) & (codes.source >= 0)
    given = np.bincount(codes.source[reacting], minlength=n_users).astype("float64")
    given = pd.Series(_per_user(given, row), index=index)
    contribution = {"messages": users["messages"]}
    if float(given[active].sum()) > 0:
        contribution["reactions_given"] = given
    else:
        notes.append("interaction counts messages only: nobody gave a kudos, like or accept")

    per_message, why = _message_sentiment(messages, brand)
    empty = pd.Series(np.nan, index=index, dtype="float64")
    sentiment, intimacy, brand_sentiment = empty.copy(), empty.copy(), empty.copy()
    scored_count = pd.Series(0.0, index=index)
    brand_count = empty.copy() if brand is None else pd.Series(0.0, index=index)
    if per_message is None:
        notes.append(why)
    else:
        author = messages["author_id"].astype("string")
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
        sentiment = (totals["value"] / counts).reindex(keys)
        intimacy = (totals["weighted"] / totals["weight"]).reindex(keys)
        scored_count = counts.reindex(keys).fillna(0.0)
        if brand is not None or per_message["brand_mention"].notna().any():
            about = frame.loc[frame["mention"]].groupby("author")["value"]
            brand_sentiment = about.mean().reindex(keys)
            brand_count = about.size().reindex(keys).fillna(0.0)
        if not keep.any():
            notes.append("intimacy is empty: no message had a sentiment (unsupported languages)")

    table = pd.DataFrame(
        {
            "involvement": _mean_rank(presence, active).to_numpy(),
            "interaction": _mean_rank(contribution, active).to_numpy(),
            "intimacy": np.asarray(intimacy, dtype=float),
            "influence": users["influence_score"].to_numpy(float),
            "sessions": sessions.to_numpy(float),
            "views": np.nan if views is None else views.to_numpy(float),
            "reactions_given": given.to_numpy(float),
            "sentiment": np.asarray(sentiment, dtype=float),
            "sentiment_messages": np.asarray(scored_count, dtype=float),
            "brand_sentiment": np.asarray(brand_sentiment, dtype=float),
            "brand_messages": np.asarray(brand_count, dtype=float),
        },
        index=index,
    )
    for column in ("intimacy", "sentiment", "brand_sentiment"):
        table.loc[~active, column] = np.nan
    if views is None:
        table = table.drop(columns="views")
    table.attrs["notes"] = notes
    table.attrs["parameters"] = {
        "brand": brand,
        "brand_weight": float(brand_weight),
        "session_gap": str(gap),
        "involvement": list(presence),
        "interaction": list(contribution),
    }
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
    users = analysis.users.drop(columns=[c for c in four.columns if c in analysis.users])
    users = users.join(four)
    parameters = dict(analysis.parameters)
    parameters["engagement"] = {**four.attrs["parameters"], "notes": list(four.attrs["notes"])}
    return replace(analysis, users=users, parameters=parameters)
