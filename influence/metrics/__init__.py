"""Per-user metrics: one module per concept, one table for all of them.

Every ``compute_*`` function takes a :class:`~influence.community.Community` and
returns float64 columns indexed by ``community.user_ids``;
:func:`compute_metrics` gathers them into the metric table.
"""

from __future__ import annotations

import pandas as pd

from influence._parallel import run_together
from influence.community import Community
from influence.metrics.participation import compute_participation
from influence.metrics.propagation import compute_cascades, compute_propagation
from influence.metrics.reciprocity import compute_reciprocity
from influence.metrics.reputation import (
    compute_explicit_feedback,
    compute_reputation,
    pagerank,
)
from influence.metrics.self_proclamation import compute_self_proclamation
from influence.metrics.structure import (
    compute_core_number,
    compute_hits,
    compute_reach,
    compute_strength,
    compute_structure,
    compute_z_score,
    core_number,
    hits,
)
from influence.progress import step, step_plan

__all__ = [
    "METRIC_COLUMNS",
    "METRIC_STEPS",
    "compute_cascades",
    "compute_core_number",
    "compute_explicit_feedback",
    "compute_hits",
    "compute_metrics",
    "compute_participation",
    "compute_propagation",
    "compute_reach",
    "compute_reciprocity",
    "compute_reputation",
    "compute_self_proclamation",
    "compute_strength",
    "compute_structure",
    "compute_z_score",
    "core_number",
    "hits",
    "pagerank",
]

#: Columns of :func:`compute_metrics`, in order.
METRIC_COLUMNS = (
    # participation (talkative)
    "messages",
    "active_days",
    "active_weeks",
    "messages_per_active_week",
    "threads_started",
    "threads_joined",
    "questions",
    "answers",
    # structure
    "out_reach",
    "in_reach",
    "out_strength",
    "in_strength",
    "core_number",
    "hub",
    "authority",
    "z_score",
    # reciprocity
    "reciprocity",
    "answered_back",
    # reputation
    "reputation",
    "feedback",
    "kudos_received",
    "accepted_answers",
    # propagation
    "propagation_speed",
    "people_reached",
    "first_response_minutes",
    "responded_share",
    # self-proclamation
    "self_proclamation",
)
#: The steps of :func:`compute_metrics`, in order, as announced to
#: :func:`influence.progress.watch_steps`.
METRIC_STEPS = (
    "participation",
    "structure",
    "reciprocity",
    "reputation",
    "feedback",
    "propagation",
    "self-proclamation",
)


def compute_metrics(
    community: Community,
    *,
    horizon: str | pd.Timedelta = "24h",
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> pd.DataFrame:
    """The metric table: every per-user metric of DESIGN.md section 4.

    Parameters
    ----------
    community : Community
    horizon : str or Timedelta, default "24h"
        Propagation horizon (:func:`compute_propagation`).
    alpha : float, default 0.85
        PageRank damping for ``reputation`` (:func:`compute_reputation`).
    tol, max_iter
        Convergence settings of PageRank and HITS.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids`` (name ``"user_id"``), one float64
        column per name of :data:`METRIC_COLUMNS` (counts included). Values are
        0 where a user has no activity and NaN only where a metric is undefined
        (see each function). Deterministic: no randomness anywhere.

    Raises
    ------
    ConvergenceError
        When PageRank or HITS does not converge within ``max_iter``.
    ValueError
        When ``horizon`` is not a positive duration or ``alpha`` not in [0, 1].

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "ann"],
    ...     "thread_id": "1", "parent_id": [None, "1", "2"],
    ...     "kind": ["question", "answer", "comment"],
    ...     "created_at": pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:10",
    ...         "2024-01-01 01:00"], utc=True), "text_length": 1})
    >>> table = compute_metrics(assemble(msgs, stats=ReadStats(), platform="t", name="t"))
    >>> table.shape
    (2, 27)
    >>> table[["messages", "out_reach", "reciprocity", "first_response_minutes"]]
             messages  out_reach  reciprocity  first_response_minutes
    user_id
    ann           2.0        1.0          1.0                    10.0
    bob           1.0        1.0          1.0                    50.0
    """
    tasks = (
        lambda: compute_participation(community),
        lambda: compute_structure(community, tol=tol, max_iter=max_iter),
        lambda: compute_reciprocity(community),
        lambda: compute_reputation(community, alpha=alpha, tol=tol, max_iter=max_iter),
        lambda: compute_explicit_feedback(community),
        lambda: compute_propagation(community, horizon=horizon),
        lambda: compute_self_proclamation(community),
    )
    # independent of one another: run side by side on the machine's cores; each step
    # is announced to influence.progress.watch_steps while it is waited for
    with step_plan(METRIC_STEPS):
        parts = run_together(tasks, waiting=lambda k: step(METRIC_STEPS[k]))
    table = pd.concat(parts, axis=1)
    table = table.loc[:, list(METRIC_COLUMNS)].astype("float64")
    table.index = community.user_ids
    table.index.name = "user_id"
    return table
