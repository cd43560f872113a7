"""Propagation: how fast and how far a user's contributions spread.

After Michael Wu (Lithium, 2012), what makes an influencer is not how much they
write but how fast their contributions travel. The cascade under a message is the
set of its descendants in the reply tree (replies, replies to replies, ...);
this module measures, for each contribution, the time to the first response by
someone else and the number of distinct people reached within a horizon.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from influence.community import Community
from influence.graph import community_codes, positions
from influence.metrics._common import distinct_pairs, epoch_ns

__all__ = [
    "PROPAGATION_COLUMNS",
    "compute_cascades",
    "compute_propagation",
    "compute_reach_by_horizon",
]

#: Columns of :func:`compute_propagation`, in order.
PROPAGATION_COLUMNS = (
    "propagation_speed",
    "people_reached",
    "first_response_minutes",
    "responded_share",
)

_NS_PER_MINUTE = 60 * 10**9


class _Responses(NamedTuple):
    """Ancestor/descendant pairs of the reply tree that are responses by someone else."""

    ancestor: np.ndarray  # message position of the contribution
    responder: np.ndarray  # author code of the descendant
    delay: np.ndarray  # nanoseconds from the contribution to the descendant
    within: np.ndarray  # delay <= horizon


def _horizon_ns(horizon: str | pd.Timedelta) -> int:
    try:
        value = pd.Timedelta(horizon)
    except (TypeError, ValueError) as err:
        raise ValueError(f"horizon must be a duration such as '24h' (got {horizon!r})") from err
    if pd.isna(value) or value <= pd.Timedelta(0):
        raise ValueError(f"horizon must be a positive duration (got {horizon!r})")
    return int(value.value)


def _ancestor_pairs(parent: np.ndarray, max_depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct (descendant, ancestor) pair of a parent-pointer forest.

    Pointer-chasing level by level over whole arrays: at depth ``d`` each live
    pair moves its ancestor one step up. A pair stops at a root, when it comes
    back to its descendant, or when it meets the ancestor it last checkpointed
    (Brent's cycle detection: checkpoints at depths 1, 2, 4, ...), so chains
    that run into a reply cycle terminate after about twice the chain length.
    ``max_depth`` is a final cap.
    """
    descendant = np.flatnonzero(parent >= 0)
    ancestor = parent[descendant]
    checkpoint = np.full(descendant.size, -1, dtype=np.int64)
    found_descendant = []
    found_ancestor = []
    depth = 1
    while descendant.size and depth <= max_depth:
        found_descendant.append(descendant)
        found_ancestor.append(ancestor)
        if depth & (depth - 1) == 0:  # a power of two
            checkpoint = ancestor.copy()
        step = parent[ancestor]
        live = (step >= 0) & (step != descendant) & (step != checkpoint)
        descendant, ancestor, checkpoint = descendant[live], step[live], checkpoint[live]
        depth += 1
    if not found_descendant:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return distinct_pairs(np.concatenate(found_descendant), np.concatenate(found_ancestor))


class _Tree(NamedTuple):
    """Every (descendant, ancestor) pair of the reply tree and its delay in nanoseconds."""

    descendant: np.ndarray
    ancestor: np.ndarray
    delay: np.ndarray


def _reply_tree(source: pd.DataFrame | Community, max_depth: int | None) -> _Tree:
    """The ancestor pairs of ``source``'s messages; computed once per Community."""
    if isinstance(source, Community):
        codes = community_codes(source)
        depth = len(source.messages) if max_depth is None else max_depth
        return codes.cached(
            ("reply_tree", depth),
            lambda: _tree(codes.parent, epoch_ns(source.messages["created_at"]), depth),
        )
    parent = positions(source["parent_id"], pd.Index(source["message_id"].array))
    depth = len(source) if max_depth is None else max_depth
    return _tree(parent, epoch_ns(source["created_at"]), depth)


def _tree(parent: np.ndarray, time: np.ndarray, max_depth: int) -> _Tree:
    descendant, ancestor = _ancestor_pairs(parent, max_depth)
    return _Tree(descendant, ancestor, time[descendant] - time[ancestor])


def _authors(source: pd.DataFrame | Community) -> np.ndarray:
    """A code per message for its author (-1: unknown); equal codes = same author."""
    if isinstance(source, Community):
        return community_codes(source).author
    return pd.factorize(source["author_id"].array, use_na_sentinel=True)[0].astype(np.int64)


def _responses(tree: _Tree, author: np.ndarray, horizon_ns: int) -> _Responses:
    """Responses by someone else under every message (author codes: -1 = unknown)."""
    responder = author[tree.descendant]
    response = (responder >= 0) & (responder != author[tree.ancestor]) & (tree.delay >= 0)
    delay = tree.delay[response]
    return _Responses(
        ancestor=tree.ancestor[response],
        responder=responder[response],
        delay=delay,
        within=delay <= horizon_ns,
    )


def _per_message(responses: _Responses, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``first_response_minutes`` (NaN without response) and ``reach`` per message."""
    first = np.full(n, np.inf)
    np.minimum.at(first, responses.ancestor, responses.delay.astype(np.float64))
    first = np.where(np.isinf(first), np.nan, first / _NS_PER_MINUTE)
    reached = distinct_pairs(
        responses.ancestor[responses.within], responses.responder[responses.within]
    )[0]
    reach = np.bincount(reached, minlength=n).astype(np.float64)
    return first, reach


def _community_per_message(
    community: Community,
    max_depth: int | None,
    horizon_ns: int,
    responses: _Responses | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_per_message` of a community's responses, computed once per horizon and depth.

    Shared by :func:`compute_propagation` (which has the ``responses`` already)
    and :func:`compute_cascades` (the report's health figures).
    """
    codes = community_codes(community)
    depth = len(community.messages) if max_depth is None else max_depth

    def per_message() -> tuple[np.ndarray, np.ndarray]:
        made = responses
        if made is None:
            made = _responses(_reply_tree(community, max_depth), codes.author, horizon_ns)
        return _per_message(made, len(codes.author))

    return codes.cached(("per_message", depth, horizon_ns), per_message)


def compute_cascades(
    messages: pd.DataFrame | Community,
    *,
    horizon: str | pd.Timedelta = "24h",
    max_depth: int | None = None,
) -> pd.DataFrame:
    """Per message: minutes to the first response by someone else and people reached.

    Parameters
    ----------
    messages : DataFrame or Community
        Canonical messages (``message_id``, ``author_id``, ``parent_id``,
        ``created_at``); not modified. A Community's reply tree is computed
        once and shared with :func:`compute_propagation` and the report.
    horizon : str or Timedelta, default "24h"
        How long after a message its cascade is counted for ``reach``.
    max_depth : int, optional
        Cap on the depth of the reply tree explored (default: the number of
        messages, i.e. no cap). Reply cycles terminate anyway.

    Returns
    -------
    DataFrame
        One row per message, in the order of ``messages``: ``message_id``,
        ``author_id``, ``first_response_minutes`` (float64; NaN when nobody else
        responded) and ``reach`` (float64: distinct other people among the
        descendants written within ``horizon``).

    Raises
    ------
    ValueError
        When ``horizon`` is not a positive duration.

    Notes
    -----
    The descendants of a message are found by following ``parent_id`` links;
    replies to unknown messages start their own tree. A descendant is a
    *response* when it is written by a known user other than the author, at the
    same time or later. For a message :math:`m` at time :math:`t_m`:

    * ``first_response_minutes`` = :math:`\\min_{d} (t_d - t_m)` over responses;
    * ``reach`` = :math:`|\\{\\text{author}(d) : t_d - t_m \\le \\text{horizon}\\}|`.

    A reply deep in a thread counts for every message above it: the opening post
    of a lively thread reaches everybody who took part in the first day.

    Examples
    --------
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "cat", "ann"],
    ...     "parent_id": [None, "1", "2", "3"],
    ...     "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:30",
    ...         "2024-01-01 02:00", "2024-01-03 00:00"], utc=True)})
    >>> compute_cascades(msgs)
      message_id author_id  first_response_minutes  reach
    0          1       ann                    30.0    2.0
    1          2       bob                    90.0    1.0
    2          3       cat                  2760.0    0.0
    3          4       ann                     NaN    0.0
    """
    horizon_ns = _horizon_ns(horizon)
    table = messages.messages if isinstance(messages, Community) else messages
    if isinstance(messages, Community):  # shared with compute_propagation and the report
        first, reach = _community_per_message(messages, max_depth, horizon_ns)
    else:
        responses = _responses(_reply_tree(messages, max_depth), _authors(messages), horizon_ns)
        first, reach = _per_message(responses, len(table))
    return pd.DataFrame(
        {
            "message_id": pd.array(table["message_id"].array, dtype="string"),
            "author_id": pd.array(table["author_id"].array, dtype="string"),
            "first_response_minutes": first,
            "reach": reach,
        }
    )


def compute_reach_by_horizon(
    messages: pd.DataFrame | Community,
    horizons: list[str | pd.Timedelta],
    *,
    max_depth: int | None = None,
) -> pd.DataFrame:
    """Per message, the ``reach`` of :func:`compute_cascades` at several horizons at once.

    The cascades are walked once: for every (message, responder) pair the
    earliest response is kept, and the reach within a horizon is the number of
    responders whose earliest response came within it. Equal, column by column,
    to ``compute_cascades(messages, horizon=h)["reach"]``, at the cost of one call.

    Parameters
    ----------
    messages : DataFrame or Community
        Canonical messages; not modified (see :func:`compute_cascades`).
    horizons : list of str or Timedelta
        Each a positive duration.

    Returns
    -------
    DataFrame
        One row per message (order of ``messages``), one float64 column per horizon
        (named by the horizon as given).

    Examples
    --------
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "cat"],
    ...     "parent_id": [None, "1", "1"],
    ...     "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:30",
    ...         "2024-01-01 03:00"], utc=True)})
    >>> compute_reach_by_horizon(msgs, ["1h", "4h"])
        1h   4h
    0  1.0  2.0
    1  0.0  0.0
    2  0.0  0.0
    """
    limits = [_horizon_ns(h) for h in horizons]
    ancestor, delay = _earliest_responses(messages, max_depth)
    n = len(messages.messages if isinstance(messages, Community) else messages)
    columns = {
        str(h): np.bincount(ancestor[delay <= limit], minlength=n).astype(np.float64)
        for h, limit in zip(horizons, limits, strict=True)
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def _earliest_responses(
    messages: pd.DataFrame | Community, max_depth: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per (message, responder) pair: the message's position and the earliest delay (ns).

    One pair per person who responded under a message; the reach of the message
    within a horizon is the number of its pairs whose delay is within it.
    """
    tree = _reply_tree(messages, max_depth)
    responses = _responses(tree, _authors(messages), 1)
    # earliest response per (message, responder): one sort of a pair key, then a
    # minimum per run (the same as a lexsort on message, responder, delay)
    span = int(responses.responder.max(initial=0)) + 1
    key = responses.ancestor * span + responses.responder
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))[: key.size]
    delay = np.minimum.reduceat(responses.delay[order], starts) if key.size else key
    return key[starts] // span, delay


def compute_propagation(
    community: Community,
    *,
    horizon: str | pd.Timedelta = "24h",
    max_depth: int | None = None,
) -> pd.DataFrame:
    """How fast and how far each user's contributions spread.

    Parameters
    ----------
    community : Community
    horizon : str or Timedelta, default "24h"
        The window after each contribution in which the people reached count.
    max_depth : int, optional
        Passed to :func:`compute_cascades`.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns:

        ``propagation_speed``
            mean over the user's contributions of ``reach / horizon_hours``:
            people reached per hour. 0 when no contribution got a response; NaN
            for users without contributions.
        ``people_reached``
            distinct people in all the user's cascades within the horizon (0 for
            users without contributions).
        ``first_response_minutes``
            median, over the user's contributions that got a response, of the
            minutes to the first response. NaN when none did.
        ``responded_share``
            share of the user's contributions that got a response (at any time).
            NaN for users without contributions.

    Raises
    ------
    ValueError
        When ``horizon`` is not a positive duration.

    Notes
    -----
    With :math:`M_u` the contributions of user :math:`u` and :math:`H` the horizon
    in hours, ``propagation_speed`` :math:`= \\frac{1}{|M_u|} \\sum_{m \\in M_u}
    \\text{reach}(m) / H`. A user whose posts draw five different people within a
    day has speed 5/24 ≈ 0.21 people per hour per post, whatever their volume of
    posting: this is Wu's *speed* of propagation, the listened-to signal that
    quantity alone cannot fake.

    References
    ----------
    .. [1] Wu, M. (2012). The 90-9-1 rule in reality; Lithium Technologies,
       "Community influencers: the true influencers are those who are both
       listened to and talkative".

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "cat"],
    ...     "thread_id": "1", "parent_id": [None, "1", "2"], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:30",
    ...         "2024-01-01 02:00"], utc=True), "text_length": 1})
    >>> community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    >>> compute_propagation(community).round(4).T
    user_id                     ann      bob  cat
    propagation_speed        0.0833   0.0417  0.0
    people_reached           2.0000   1.0000  0.0
    first_response_minutes  30.0000  90.0000  NaN
    responded_share          1.0000   1.0000  0.0
    """
    horizon_ns = _horizon_ns(horizon)
    users = community.user_ids
    n_users = len(users)
    author = community_codes(community).author
    responses = _responses(_reply_tree(community, max_depth), author, horizon_ns)
    first, reach = _community_per_message(community, max_depth, horizon_ns, responses)

    mine = author >= 0
    owner = author[mine]
    contributions = np.bincount(owner, minlength=n_users).astype(np.float64)
    responded = ~np.isnan(first[mine])
    hours = horizon_ns / (3_600 * 10**9)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.bincount(owner, weights=reach[mine], minlength=n_users) / hours
        speed = np.where(contributions > 0, speed / contributions, np.nan)
        share = np.where(
            contributions > 0,
            np.bincount(owner[responded], minlength=n_users) / contributions,
            np.nan,
        )
    median = (
        pd.Series(first[mine][responded])
        .groupby(owner[responded])
        .median()
        .reindex(np.arange(n_users))
        .to_numpy(np.float64)
    )
    ancestor_owner = author[responses.ancestor[responses.within]]
    reached = distinct_pairs(
        ancestor_owner[ancestor_owner >= 0],
        responses.responder[responses.within][ancestor_owner >= 0],
    )[0]
    return pd.DataFrame(
        {
            "propagation_speed": speed,
            "people_reached": np.bincount(reached, minlength=n_users).astype(np.float64),
            "first_response_minutes": median,
            "responded_share": share,
        },
        index=users,
    )
