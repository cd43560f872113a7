"""Axes, segments and the reasons for them.

From the per-user metric table (:func:`influence.metrics.compute_metrics`) this
module computes, among *active* users (at least one message in the window):

* the *standard log score* of every metric (:func:`log_standard_scores`): the
  signed ``log1p`` of the value, standardised over active users (mean 0,
  standard deviation 1), so that a metric counts by orders of magnitude and
  the long tail does not swamp the top;
* ``talkative_score`` and ``listened_to_score``: weighted means of the
  standard log scores of their metrics (:data:`TALKATIVE_WEIGHTS`,
  :data:`LISTENED_TO_WEIGHTS`), rescaled to [0, 1] over active users
  (:func:`axis_scores`: 0 the weakest active user, 1 the strongest);
* ``participation``: the same for the participation metrics alone, a 0..1 index;
* ``influence_score``: the geometric mean of both axes, so that one high axis
  cannot carry a user alone (Wu: true influencers combine both);
* ``segment``: ``true_influencer``, ``listened_to``, ``talkative``, ``member``
  or ``inactive``, and ``reasons`` in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "LISTENED_TO_WEIGHTS",
    "PARTICIPATION_WEIGHTS",
    "SEGMENTS",
    "TALKATIVE_WEIGHTS",
    "ClassifyOptions",
    "axis_scores",
    "classify_users",
    "log_standard_scores",
    "percentile_ranks",
]

#: Segments, from the most to the least notable.
SEGMENTS = ("true_influencer", "listened_to", "talkative", "member", "inactive")

#: Participation index: how much, how often, how regularly and how widely a user takes part.
PARTICIPATION_WEIGHTS: Mapping[str, float] = {
    "messages": 1.0,
    "active_days": 1.0,
    "messages_per_active_week": 0.5,
    "threads_started": 0.5,
    "threads_joined": 1.0,
}

#: Talkative axis: participation plus how many people the user addresses.
TALKATIVE_WEIGHTS: Mapping[str, float] = {**PARTICIPATION_WEIGHTS, "out_reach": 1.5}

#: Listened-to axis: credit from others, explicit feedback, responses, how fast
#: contributions spread, and (lightly) expertise claimed in the profile.
LISTENED_TO_WEIGHTS: Mapping[str, float] = {
    "reputation": 2.0,
    "in_reach": 1.0,
    "feedback": 1.0,
    "accepted_answers": 1.0,
    "answered_back": 0.5,
    "propagation_speed": 1.0,
    "self_proclamation": 0.25,
}

_LABELS = {
    "messages": "messages",
    "active_days": "active days",
    "messages_per_active_week": "messages per active week",
    "threads_started": "threads started",
    "threads_joined": "threads joined",
    "out_reach": "people addressed",
    "reputation": "reputation",
    "in_reach": "people who addressed them",
    "feedback": "feedback received",
    "accepted_answers": "accepted answers",
    "answered_back": "answering back",
    "propagation_speed": "propagation speed",
    "self_proclamation": "self-proclaimed expertise",
}


@dataclass(frozen=True)
class ClassifyOptions:
    """How users are scored and segmented.

    Parameters
    ----------
    top_share : float
        Share of active users at the top of an axis that counts as high on it
        (default 0.10: the top decile).
    min_messages : int
        Minimum messages in the window for any label other than member
        (default 3), so that a single lucky message is not a segment.
    talkative_weights, listened_to_weights : mapping
        Metric -> weight of each axis. Metrics absent from the table, or
        missing for every user (for example ``feedback`` without scores), are
        left out and the remaining weights renormalised.
    reasons : int
        At most this many reasons per labelled user (default 4).
    """

    top_share: float = 0.10
    min_messages: int = 3
    talkative_weights: Mapping[str, float] = field(default_factory=lambda: dict(TALKATIVE_WEIGHTS))
    listened_to_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(LISTENED_TO_WEIGHTS)
    )
    reasons: int = 4

    def __post_init__(self) -> None:
        if not 0 < self.top_share < 1:
            raise ValueError(f"top_share must be between 0 and 1 (got {self.top_share})")
        if self.min_messages < 1:
            raise ValueError(f"min_messages must be at least 1 (got {self.min_messages})")
        for axis, weights in (
            ("talkative", self.talkative_weights),
            ("listened_to", self.listened_to_weights),
        ):
            bad = {k: w for k, w in weights.items() if not np.isfinite(w) or w < 0}
            if bad or not any(w > 0 for w in weights.values()):
                raise ValueError(
                    f"{axis} weights must be finite, >= 0 and not all 0 (got {dict(weights)})"
                )


def percentile_ranks(values: pd.Series) -> pd.Series:
    """Percentile rank in [0, 1]: ``(rank_min - 1) / (n - 1)``.

    Missing values (an undefined metric, such as reciprocity without partners)
    rank with the lowest value.

    Examples
    --------
    >>> percentile_ranks(pd.Series([0.0, 0.0, 1.0, 5.0, None])).tolist()
    [0.0, 0.0, 0.75, 1.0, 0.0]
    """
    floats = values.astype("float64")
    filled = floats.fillna(floats.min() if floats.notna().any() else 0.0)
    n = len(filled)
    if n <= 1:
        return pd.Series(1.0, index=values.index, dtype="float64")
    ranks = filled.rank(method="min")
    return ((ranks - 1) / (n - 1)).astype("float64")


def log_standard_scores(values: pd.Series) -> pd.Series:
    """Signed ``log1p`` of a metric, standardised: mean 0, standard deviation 1.

    ``z = (g - mean(g)) / std(g)`` with ``g = sign(x) * log1p(|x|)``, the
    mean and the (population) standard deviation taken over the given users.
    Missing values (an undefined metric) take the lowest value, as in
    :func:`percentile_ranks`; a constant metric scores 0 for everyone.

    Notes
    -----
    Why not percentile ranks (the aggregation before issue 6): in a community
    most active users have one or two messages, so most metrics are 0 for
    most users and ties are massive. A percentile rank then gives the jump
    from none to one accepted answer the same weight as the climb from 1 to
    70, and squeezes the top users, whom the axes exist to find, into the last
    few hundredths. The logarithm keeps orders of magnitude (1, 10 and 100
    are evenly spaced), the standardisation puts every metric on the same
    footing so that the weights mean what they say.

    Examples
    --------
    >>> log_standard_scores(pd.Series([0.0, 0.0, np.e - 1, None])).round(4).tolist()
    [-0.5774, -0.5774, 1.7321, -0.5774]
    >>> log_standard_scores(pd.Series([2.0, 2.0])).tolist()
    [0.0, 0.0]
    """
    filled = _filled(values.to_numpy(np.float64, na_value=np.nan))
    return pd.Series(_log_standard(filled), index=values.index, dtype="float64")


def _filled(values: np.ndarray) -> np.ndarray:
    """``values`` with missing values replaced by the lowest value (0 when all are missing)."""
    missing = np.isnan(values)
    if not missing.any():
        return values
    return np.where(missing, np.nanmin(values) if not missing.all() else 0.0, values)


def _log_standard(filled: np.ndarray) -> np.ndarray:
    """:func:`log_standard_scores` of values without missing ones, on numpy arrays.

    The same float operations as pandas' ``mean`` and ``std(ddof=0)`` (sum
    divided by the count; squares of the deviations from that mean, summed and
    divided by the count), so the scores are the same to the last bit.
    """
    n = len(filled)
    logged = np.sign(filled) * np.log1p(np.abs(filled))
    if not n:
        return np.zeros(0)
    mean = logged.sum(dtype=np.float64) / np.float64(n)
    spread = float(np.sqrt(((mean - logged) ** 2).sum(dtype=np.float64) / np.float64(n)))
    if not spread > 0:
        return np.zeros(n)
    return (logged - mean) / spread


def axis_scores(
    metrics: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.Series, dict[str, float]]:
    """One axis: weighted mean of standard log scores, rescaled to [0, 1].

    Parameters
    ----------
    metrics : DataFrame
        Raw metric values of the users to score (the active users), one column
        per metric.
    weights : mapping
        Metric -> weight; metrics absent from ``metrics`` or with weight 0 are
        left out and the others renormalised to sum 1.

    Returns
    -------
    score : Series
        ``(s - min s) / (max s - min s)`` with ``s`` the weighted mean of the
        :func:`log_standard_scores` of the metrics: 0 for the weakest user, 1
        for the strongest (1 when there is a single user, 0 for everyone when
        all users are equal).
    weights : dict
        The normalised weights used.

    Examples
    --------
    >>> m = pd.DataFrame({"a": [0.0, 1.0, 3.0], "b": [0.0, 0.0, 1.0]})
    >>> score, used = axis_scores(m, {"a": 1, "b": 3})
    >>> score.round(4).tolist(), used
    ([0.0, 0.139, 1.0], {'a': 0.25, 'b': 0.75})
    """
    columns = {k: metrics[k].to_numpy(np.float64, na_value=np.nan) for k in metrics.columns}
    score, used = _axis({}, columns, weights, len(metrics))
    return pd.Series(score, index=metrics.index, dtype="float64"), used


def _axis(
    scores: dict[str, np.ndarray],
    values: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    n: int,
) -> tuple[np.ndarray, dict[str, float]]:
    """:func:`axis_scores` on arrays: ``values`` per metric, ``n`` users.

    ``scores`` caches the standard log scores by metric, so that the axes
    sharing metrics compute each once.
    """
    used = {k: float(w) for k, w in weights.items() if k in values and w > 0}
    total = sum(used.values())
    used = {k: w / total for k, w in used.items()}
    if n <= 1:
        return np.ones(n), used
    mean = 0  # summed as before: 0 + s_1 w_1 + s_2 w_2 + ..., in the order of the weights
    for k, w in used.items():
        if k not in scores:
            scores[k] = _log_standard(_filled(values[k]))
        mean = mean + scores[k] * w
    low, high = float(mean.min()), float(mean.max())
    if not high > low:
        return np.zeros(n), used
    return (mean - low) / (high - low), used


def classify_users(metrics: pd.DataFrame, options: ClassifyOptions | None = None) -> pd.DataFrame:
    """Score both axes, segment every user and give the reasons.

    Parameters
    ----------
    metrics : DataFrame
        Per-user metrics indexed by ``user_id`` (from ``compute_metrics``);
        must have a ``messages`` column.
    options : ClassifyOptions, optional

    Returns
    -------
    DataFrame
        Indexed like ``metrics``, with ``talkative_score``, ``listened_to_score``,
        ``influence_score``, ``participation``, ``segment`` (categorical with the
        :data:`SEGMENTS` categories) and ``reasons``. Inactive users score NaN.
        ``attrs["weights"]`` holds the normalised weights used and
        ``attrs["thresholds"]`` the axis thresholds.

    Notes
    -----
    A user is high on an axis when its score is at or above the
    ``1 - top_share`` quantile of active users' scores (and above 0). Labels
    other than ``member`` need ``min_messages``.

    Examples
    --------
    >>> m = pd.DataFrame({"messages": [10.0, 1.0, 5.0, 0.0],
    ...                   "reputation": [3.0, 1.0, 0.5, 0.0]},
    ...                  index=pd.Index(["a", "b", "c", "d"], name="user_id"))
    >>> out = classify_users(m, ClassifyOptions(top_share=0.34, min_messages=2))
    >>> out["segment"].tolist()
    ['true_influencer', 'member', 'member', 'inactive']
    """
    options = options or ClassifyOptions()
    n = len(metrics)
    messages = np.nan_to_num(metrics["messages"].to_numpy(np.float64, na_value=np.nan), nan=0.0)
    active = messages > 0
    rows = np.flatnonzero(active)  # the active users' rows, in order, among all users
    relevant = set(options.talkative_weights) | set(options.listened_to_weights)
    relevant |= set(PARTICIPATION_WEIGHTS)
    act: dict[str, np.ndarray] = {}  # raw values of the active users, by metric
    for column in metrics.columns:
        if column in relevant:
            values = metrics[column].to_numpy(np.float64, na_value=np.nan)[rows]
            if not np.isnan(values).all():  # a metric missing for every active user is left out
                act[column] = values

    scores: dict[str, np.ndarray] = {}
    talk, talk_w = _axis(scores, act, options.talkative_weights, len(rows))
    listen, listen_w = _axis(scores, act, options.listened_to_weights, len(rows))
    part, _ = _axis(scores, act, PARTICIPATION_WEIGHTS, len(rows))

    talkative = _spread(talk, rows, n)
    listened_to = _spread(listen, rows, n)
    q = 1 - options.top_share
    t_thr = float(pd.Series(talk).quantile(q)) if len(talk) else np.inf
    l_thr = float(pd.Series(listen).quantile(q)) if len(listen) else np.inf
    eligible = active & (messages >= options.min_messages)
    high_t = eligible & (talkative >= t_thr) & (talkative > 0)
    high_l = eligible & (listened_to >= l_thr) & (listened_to > 0)
    codes = np.select(
        [~active, high_t & high_l, high_l, high_t],
        [SEGMENTS.index(s) for s in ("inactive", "true_influencer", "listened_to", "talkative")],
        default=SEGMENTS.index("member"),
    ).astype(np.int8)
    reasons = _reasons(codes, talk_w, listen_w, act, options.reasons, rows)
    reasons[~active] = "no contribution in the window"
    out = pd.DataFrame(
        {
            "talkative_score": talkative,
            "listened_to_score": listened_to,
            "influence_score": np.sqrt(talkative * listened_to),
            "participation": _spread(part, rows, n),
            "segment": pd.Categorical.from_codes(codes, dtype=_SEGMENT_DTYPE),
            "reasons": pd.Series(reasons, index=metrics.index, dtype="object"),
        },
        index=metrics.index,
    )
    out.attrs["weights"] = {"talkative": talk_w, "listened_to": listen_w}
    out.attrs["thresholds"] = {
        "talkative_score": t_thr,
        "listened_to_score": l_thr,
        "top_share": options.top_share,
        "min_messages": options.min_messages,
    }
    return out


#: The dtype of the ``segment`` column.
_SEGMENT_DTYPE = pd.CategoricalDtype(list(SEGMENTS))


def _spread(scores: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """``scores`` (one per active user, in order) at ``rows`` of ``n`` users; NaN elsewhere."""
    out = np.full(n, np.nan)
    out[rows] = scores
    return out


def _top_shares(
    values: np.ndarray, at: np.ndarray, ordered: np.ndarray | None = None
) -> np.ndarray:
    """Share of users whose value is at least that of the users ``at`` (1/n for the best).

    ``rank(method="min", ascending=False) / n`` of pandas, missing values
    taking the lowest value, computed for the users ``at`` only: one sort (or
    ``ordered``, the values already filled and sorted), one binary search per
    user asked about.
    """
    filled = _filled(values)
    if ordered is None:
        ordered = np.sort(filled)
    greater = len(ordered) - np.searchsorted(ordered, filled[at], side="right")
    return (greater + 1).astype(np.float64) / len(ordered)


def _reasons(
    codes: np.ndarray,
    talk_w: Mapping[str, float],
    listen_w: Mapping[str, float],
    values: Mapping[str, np.ndarray],
    limit: int,
    rows: np.ndarray,
) -> np.ndarray:
    """Words such as ``"top 2% reputation, top 5% propagation speed"`` per labelled user.

    For each labelled user, the metrics of the axes behind the label on which
    the user stands in the top quarter with a positive value, best first (ties
    by metric name). ``codes`` are the segments' codes (positions in
    :data:`SEGMENTS`) of every user; ``values`` the raw metric values of the
    active users, the users at ``rows`` of ``codes``. Returns an object array,
    ``""`` for the users without a label.
    """
    reasons = np.full(len(codes), "", dtype=object)
    labels = codes[rows]
    axes = {
        "true_influencer": list(dict.fromkeys([*listen_w, *talk_w])),
        "listened_to": list(listen_w),
        "talkative": list(talk_w),
    }
    ordered: dict[str, np.ndarray] = {}  # each metric sorted once for the three labels
    for label, columns in axes.items():
        mine = np.flatnonzero(labels == SEGMENTS.index(label))
        if not len(mine) or not columns or limit <= 0:
            continue
        for c in columns:
            if c not in ordered:
                ordered[c] = np.sort(_filled(values[c]))
        share = np.column_stack([_top_shares(values[c], mine, ordered[c]) for c in columns])
        value = np.column_stack([values[c][mine] for c in columns])
        share = np.where((value > 0) & (share <= 0.25), share, np.nan)
        # per user: by share (missing last), then by metric name
        name_rank = np.argsort(np.argsort(np.array(columns, dtype=object), kind="stable"))
        order = np.lexsort((np.broadcast_to(name_rank, share.shape), share), axis=1)[:, :limit]
        best = np.take_along_axis(share, order, axis=1)
        kept = ~np.isnan(best)  # a prefix of each row: the missing shares sort last
        percent = np.maximum(np.ceil(np.nan_to_num(best) * 100), 1).astype(np.intp)
        # every "top p% metric" text once, then picked by (percent, metric)
        texts = np.array(
            [[f"top {p}% {_LABELS.get(m, m)}" for m in columns] for p in range(percent.max() + 1)],
            dtype=object,
        )
        parts = texts[percent, order]
        joined = np.where(kept[:, 0], parts[:, 0], "").astype(object)
        for k in range(1, parts.shape[1]):
            joined = np.where(kept[:, k], joined + ", " + parts[:, k], joined)
        reasons[rows[mine]] = joined
    return reasons
