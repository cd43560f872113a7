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


def _top_share(values: pd.Series) -> pd.Series:
    """Share of users whose value is at least this one's (1/n for the single best)."""
    floats = values.astype("float64")
    filled = floats.fillna(floats.min() if floats.notna().any() else 0.0)
    return filled.rank(method="min", ascending=False).astype("float64") / len(filled)


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
    floats = values.astype("float64")
    filled = floats.fillna(floats.min() if floats.notna().any() else 0.0)
    logged = np.sign(filled) * np.log1p(filled.abs())
    spread = float(logged.std(ddof=0)) if len(logged) else 0.0
    if not spread > 0:
        return pd.Series(0.0, index=values.index, dtype="float64")
    return ((logged - logged.mean()) / spread).astype("float64")


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
    used = {k: float(w) for k, w in weights.items() if k in metrics.columns and w > 0}
    total = sum(used.values())
    used = {k: w / total for k, w in used.items()}
    if len(metrics) <= 1:
        return pd.Series(1.0, index=metrics.index, dtype="float64"), used
    mean = sum(log_standard_scores(metrics[k]) * w for k, w in used.items())
    low, high = float(mean.min()), float(mean.max())
    if not high > low:
        return pd.Series(0.0, index=metrics.index, dtype="float64"), used
    return ((mean - low) / (high - low)).astype("float64"), used


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
    active = metrics["messages"].fillna(0) > 0
    relevant = set(options.talkative_weights) | set(options.listened_to_weights)
    relevant |= set(PARTICIPATION_WEIGHTS)
    candidates = metrics.loc[active, [c for c in metrics.columns if c in relevant]]
    act = candidates.loc[:, candidates.notna().any().to_numpy(bool)]
    top = act.apply(_top_share)

    talk, talk_w = axis_scores(act, options.talkative_weights)
    listen, listen_w = axis_scores(act, options.listened_to_weights)
    part, _ = axis_scores(act, PARTICIPATION_WEIGHTS)

    out = pd.DataFrame(index=metrics.index)
    rows = np.flatnonzero(active.to_numpy(bool))  # act's rows, in order, among all users
    out["talkative_score"] = _spread(talk, rows, len(metrics))
    out["listened_to_score"] = _spread(listen, rows, len(metrics))
    out["influence_score"] = np.sqrt(out["talkative_score"] * out["listened_to_score"])
    out["participation"] = _spread(part, rows, len(metrics))

    q = 1 - options.top_share
    t_thr = float(talk.quantile(q)) if len(talk) else np.inf
    l_thr = float(listen.quantile(q)) if len(listen) else np.inf
    eligible = active & (metrics["messages"].fillna(0) >= options.min_messages)
    high_t = eligible & (out["talkative_score"] >= t_thr) & (out["talkative_score"] > 0)
    high_l = eligible & (out["listened_to_score"] >= l_thr) & (out["listened_to_score"] > 0)
    segment = np.select(
        [~active, high_t & high_l, high_l, high_t],
        ["inactive", "true_influencer", "listened_to", "talkative"],
        default="member",
    )
    out["segment"] = pd.Categorical(segment, categories=list(SEGMENTS))
    out["reasons"] = _reasons(out["segment"], top, talk_w, listen_w, act, options.reasons, rows)
    out.loc[~active, "reasons"] = "no contribution in the window"
    out.attrs["weights"] = {"talkative": talk_w, "listened_to": listen_w}
    out.attrs["thresholds"] = {
        "talkative_score": t_thr,
        "listened_to_score": l_thr,
        "top_share": options.top_share,
        "min_messages": options.min_messages,
    }
    return out


def _spread(scores: pd.Series, rows: np.ndarray, n: int) -> np.ndarray:
    """``scores`` (one per active user, in order) at ``rows`` of ``n`` users; NaN elsewhere."""
    out = np.full(n, np.nan)
    out[rows] = scores.to_numpy(np.float64)
    return out


def _reasons(
    segment: pd.Series,
    top: pd.DataFrame,
    talk_w: Mapping[str, float],
    listen_w: Mapping[str, float],
    values: pd.DataFrame,
    limit: int,
    rows: np.ndarray,
) -> pd.Series:
    """Words such as ``"top 2% reputation, top 5% propagation speed"`` per labelled user.

    For each labelled user, the metrics of the axes behind the label on which
    the user stands in the top quarter with a positive value, best first (ties
    by metric name). ``top`` and ``values`` have one row per active user, the
    users at ``rows`` of ``segment``.
    """
    reasons = np.full(len(segment), "", dtype=object)
    labels = segment.to_numpy()[rows]
    axes = {
        "true_influencer": list(dict.fromkeys([*listen_w, *talk_w])),
        "listened_to": list(listen_w),
        "talkative": list(talk_w),
    }
    for label, columns in axes.items():
        mine = np.flatnonzero(labels == label)
        if not len(mine) or not columns:
            continue
        share = top[columns].to_numpy(np.float64, na_value=np.nan)[mine]
        value = values[columns].to_numpy(np.float64, na_value=np.nan)[mine]
        share = np.where((value > 0) & (share <= 0.25), share, np.nan)
        # per user: by share (missing last), then by metric name
        name_rank = np.argsort(np.argsort(np.array(columns, dtype=object), kind="stable"))
        order = np.lexsort((np.broadcast_to(name_rank, share.shape), share), axis=1)[:, :limit]
        best = np.take_along_axis(share, order, axis=1)
        percent = np.maximum(np.ceil(np.nan_to_num(best) * 100), 1).astype(int)
        names = [_LABELS.get(m, m) for m in columns]
        for row, kept, pct, at in zip(
            rows[mine].tolist(),
            (~np.isnan(best)).tolist(),
            percent.tolist(),
            order.tolist(),
            strict=True,
        ):
            reasons[row] = ", ".join(
                f"top {p}% {names[k]}" for p, k, ok in zip(pct, at, kept, strict=True) if ok
            )
    return pd.Series(reasons, index=segment.index, dtype="object")
