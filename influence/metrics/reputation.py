"""Reputation: who the community credits, and the explicit feedback users receive.

``reputation`` is a weighted PageRank on the *credit graph*: every interaction
gives credit from one user to another, in the direction set by
:data:`CREDIT_DIRECTION`. ``feedback``, ``kudos_received`` and
``accepted_answers`` count the explicit signals of the platform, when it has them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.community import Community
from influence.errors import ConvergenceError
from influence.graph import (
    CREDIT_DIRECTION,
    Adjacency,
    build_adjacency,
    community_codes,
    credit_interactions,
)

__all__ = [
    "CREDIT_DIRECTION",
    "compute_explicit_feedback",
    "compute_reputation",
    "credit_interactions",
    "pagerank",
]


def pagerank(
    adjacency: Adjacency,
    *,
    alpha: float = 0.85,
    personalization: pd.Series | np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> pd.Series:
    """Weighted PageRank of every user, by power iteration on the CSR matrix.

    Parameters
    ----------
    adjacency : Adjacency
        ``matrix[i, j]`` is the weight of the link ``i -> j`` (for reputation, the
        credit ``i`` gives ``j``).
    alpha : float, default 0.85
        Damping: the probability of following a link rather than jumping.
    personalization : Series or array, optional
        Where the walk jumps to (and where dangling users send their mass): a
        Series indexed by user id (missing users get 0) or an array in
        ``adjacency.users`` order; non-negative with a positive sum; normalised
        to sum 1. Default uniform.
    tol : float, default 1e-10
        Stop when the L1 change of the vector is below ``n * tol``.
    max_iter : int, default 1000
        Iteration budget.

    Returns
    -------
    Series
        float64, indexed by ``adjacency.users``, named ``"pagerank"``, summing to 1.

    Raises
    ------
    ConvergenceError
        When the iteration has not converged after ``max_iter`` steps.
    ValueError
        When ``alpha`` is outside [0, 1] or ``personalization`` is invalid.

    Notes
    -----
    With :math:`W` the weight matrix, :math:`s_i = \\sum_j W_{ij}` the out-strength,
    :math:`D` the dangling users (:math:`s_i = 0`) and :math:`p` the
    personalization, each step is

    .. math:: x' = \\alpha \\left(W^\\top \\operatorname{diag}(1/s)\\, x
              + p \\sum_{i \\in D} x_i\\right) + (1 - \\alpha) p,

    starting from the uniform vector. This is networkx's ``pagerank`` (same
    stopping rule), so both agree within the tolerance. A user's PageRank is high
    when users with high PageRank give them a large share of their credit: being
    credited by the credited counts more than being credited by many newcomers.

    References
    ----------
    .. [1] Page, L., Brin, S., Motwani, R., Winograd, T. (1999). The PageRank
       citation ranking: bringing order to the web. Stanford InfoLab.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> users = pd.Index(["ann", "bob", "cat"], dtype="string")
    >>> matrix = sp.csr_array(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    >>> pagerank(Adjacency(matrix, users)).round(4).to_dict()
    {'ann': 0.4865, 'bob': 0.4635, 'cat': 0.05}
    >>> pagerank(Adjacency(matrix, users), max_iter=1)
    Traceback (most recent call last):
    ...
    influence.errors.ConvergenceError: pagerank must converge within max_iter=1 iterations (got ...
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")
    users = adjacency.users
    n = len(users)
    if n == 0:
        return pd.Series([], index=users, dtype=np.float64, name="pagerank")
    jump = _personalization(personalization, users)
    matrix = adjacency.matrix
    strength = np.asarray(matrix.sum(axis=1)).ravel()
    dangling = strength == 0
    inverse = np.divide(1.0, strength, out=np.zeros(n), where=~dangling)
    transition_t = matrix.T.tocsr()  # column j of the transposed matrix = out-links of j
    x = np.full(n, 1.0 / n)
    error = np.inf
    for _ in range(max_iter):
        previous = x
        x = alpha * (transition_t @ (previous * inverse) + previous[dangling].sum() * jump)
        x += (1.0 - alpha) * jump
        error = np.abs(x - previous).sum()
        if error < n * tol:
            return pd.Series(x, index=users, dtype=np.float64, name="pagerank")
    raise ConvergenceError(
        f"pagerank must converge within max_iter={max_iter} iterations (got an L1 change of "
        f"{error:.3g} > {n * tol:.3g} at the last one); raise max_iter or tol"
    )


def _personalization(values: pd.Series | np.ndarray | None, users: pd.Index) -> np.ndarray:
    n = len(users)
    if values is None:
        return np.full(n, 1.0 / n)
    if isinstance(values, pd.Series):
        vector = values.reindex(users.astype(str)).fillna(0.0).to_numpy(np.float64)
        unknown = pd.Index(values.index.astype(str)).difference(users.astype(str))
        if len(unknown):
            raise ValueError(
                f"personalization must be indexed by known users (got {len(unknown)} unknown, "
                f"first {unknown[0]!r})"
            )
    else:
        vector = np.asarray(values, dtype=np.float64).ravel()
        if vector.shape != (n,):
            raise ValueError(
                f"personalization must have one value per user, {n} (got {vector.shape[0]})"
            )
    if not np.isfinite(vector).all() or (vector < 0).any() or vector.sum() <= 0:
        raise ValueError(
            "personalization must be finite, non-negative and have a positive sum "
            f"(got sum {vector.sum()!r}, minimum {vector.min()!r})"
        )
    return vector / vector.sum()


def compute_reputation(
    community: Community,
    *,
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> pd.Series:
    """PageRank on the credit graph, scaled so that 1.0 is the average user.

    Parameters
    ----------
    community : Community
    alpha, tol, max_iter
        Passed to :func:`pagerank`.

    Returns
    -------
    Series
        float64, indexed by ``community.user_ids``, named ``"reputation"``; sums
        to the number of users.

    Raises
    ------
    ConvergenceError
        From :func:`pagerank`.

    Notes
    -----
    ``reputation = n * pagerank(credit graph)``, where the credit graph has an
    edge ``u -> v`` weighted by the interactions in which ``u`` gives ``v``
    credit (:data:`CREDIT_DIRECTION`). A user at 3.0 receives three times the
    credit of the average member, counted the PageRank way: credit from
    well-credited people weighs more. Users who received no credit sit at
    ``(1 - alpha) + alpha * (dangling share)``, a little under 1.

    References
    ----------
    .. [1] Zhang, J., Ackerman, M. S., Adamic, L. (2007). Expertise networks in
       online communities: structure and algorithms. WWW '07, 221-230.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a"], "author_id": ["ann", "bob"],
    ...     "thread_id": "q", "parent_id": [None, "q"], "kind": ["question", "answer"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 2, utc=True), "text_length": 1})
    >>> community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    >>> compute_reputation(community).round(4).to_dict()
    {'ann': 0.7018, 'bob': 1.2982}
    """
    adjacency = build_adjacency(community, credit=True)
    rank = pagerank(adjacency, alpha=alpha, tol=tol, max_iter=max_iter)
    out = rank * float(adjacency.n_users)
    out.index = community.user_ids
    return out.rename("reputation")


def compute_explicit_feedback(community: Community) -> pd.DataFrame:
    """Explicit feedback received: summed score, kudos and accepted answers.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns:

        ``feedback``
            sum of the ``score`` of the user's messages (missing scores count 0;
            0 for users without messages). NaN for every user when the platform
            exposes no score at all (the column is absent or entirely missing).
        ``kudos_received``
            summed weight of the ``kudos`` interactions the user received.
        ``accepted_answers``
            number of ``accept`` interactions the user received.

    Notes
    -----
    These are the platform's own signals of being listened to: votes, likes,
    kudos, an asker marking an answer as the one that solved the problem. They
    are independent of the graph and easy to explain to members.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a"], "author_id": ["ann", "bob"],
    ...     "thread_id": "q", "parent_id": [None, "q"], "kind": ["question", "answer"],
    ...     "score": [1.0, None],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 2, utc=True), "text_length": 1})
    >>> links = pd.DataFrame({"kind": ["accept"], "source": ["ann"], "target_message_id": ["a"],
    ...     "created_at": pd.to_datetime(["2024-01-02"], utc=True), "message_id": ["a"]})
    >>> community = assemble(msgs, links=links, stats=ReadStats(), platform="t", name="t")
    >>> compute_explicit_feedback(community)
             feedback  kudos_received  accepted_answers
    user_id
    ann           1.0             0.0               0.0
    bob           0.0             0.0               1.0
    """
    users = community.user_ids
    messages = community.messages
    codes = community_codes(community)
    if "score" in messages.columns and messages["score"].notna().any():
        author = codes.author
        authored = author >= 0
        score = pd.to_numeric(messages["score"], errors="coerce").fillna(0.0)[authored]
        per_author = score.groupby(author[authored]).sum()
        feedback = per_author.reindex(np.arange(len(users))).fillna(0.0).to_numpy(np.float64)
    else:
        feedback = np.full(len(users), np.nan)
    interactions = community.interactions
    kind = interactions["kind"]
    target = codes.target
    weight = interactions["weight"].to_numpy(np.float64)
    kudos = np.asarray(kind == "kudos", dtype=bool) & (target >= 0)
    accept = np.asarray(kind == "accept", dtype=bool) & (target >= 0)
    n = len(users)
    return pd.DataFrame(
        {
            "feedback": feedback,
            "kudos_received": np.bincount(target[kudos], weights=weight[kudos], minlength=n).astype(
                np.float64
            ),
            "accepted_answers": np.bincount(target[accept], minlength=n).astype(np.float64),
        },
        index=users,
    )
