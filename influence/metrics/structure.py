"""Position in the interaction graph: reach, strength, k-core, HITS and the z-score.

All functions work on the CSR matrix of an :class:`~influence.graph.Adjacency`
(or build it from a community); none loops over users or edges in Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from influence.community import Community
from influence.errors import ConvergenceError
from influence.graph import COMMUNICATION_KINDS, Adjacency, build_adjacency, community_codes

__all__ = [
    "compute_core_number",
    "compute_hits",
    "compute_reach",
    "compute_strength",
    "compute_structure",
    "compute_z_score",
    "core_number",
    "hits",
]


def compute_reach(community: Community) -> pd.DataFrame:
    """Distinct people a user addressed, and distinct people who addressed them.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns ``out_reach`` and
        ``in_reach`` (0 for users without such interactions).

    Notes
    -----
    Counted on the communication kinds (:data:`~influence.graph.COMMUNICATION_KINDS`:
    reply, mention, share, quote), whatever their weight, ignoring any
    interaction of a user with themselves. ``out_reach`` is how widely a member
    talks (talkative axis); ``in_reach`` how many different people seek them out
    (listened-to axis). Ten replies to the same friend count once.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "cat"],
    ...     "thread_id": "1", "parent_id": [None, "1", "1"], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "text_length": 1})
    >>> compute_reach(assemble(msgs, stats=ReadStats(), platform="t", name="t"))
             out_reach  in_reach
    user_id
    ann            0.0       2.0
    bob            1.0       0.0
    cat            1.0       0.0
    """
    pattern = build_adjacency(community, kinds=COMMUNICATION_KINDS).without_self_loops().pattern()
    return pd.DataFrame(
        {
            "out_reach": np.diff(pattern.indptr).astype(np.float64),
            "in_reach": np.bincount(pattern.indices, minlength=pattern.shape[0]).astype(np.float64),
        },
        index=community.user_ids,
    )


def compute_strength(community: Community) -> pd.DataFrame:
    """Summed weight of the interactions a user made and received, all kinds.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns ``out_strength`` and
        ``in_strength`` (0 for users without interactions).

    Notes
    -----
    :math:`s^{out}_i = \\sum_j W_{ij}`, :math:`s^{in}_j = \\sum_i W_{ij}` over every
    interaction kind (reply, mention, share, quote, accept, kudos), self-interactions
    excluded. Unlike reach, repeated exchanges with the same person add up: this is
    volume of engagement, not breadth.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "bob"],
    ...     "thread_id": "1", "parent_id": [None, "1", "1"], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "text_length": 1})
    >>> compute_strength(assemble(msgs, stats=ReadStats(), platform="t", name="t"))
             out_strength  in_strength
    user_id
    ann               0.0          2.0
    bob               2.0          0.0
    """
    return _strength(build_adjacency(community), community.user_ids)


def _strength(adjacency: Adjacency, users: pd.Index) -> pd.DataFrame:
    matrix = adjacency.without_self_loops().matrix
    return pd.DataFrame(
        {
            "out_strength": np.asarray(matrix.sum(axis=1)).ravel().astype(np.float64),
            "in_strength": np.asarray(matrix.sum(axis=0)).ravel().astype(np.float64),
        },
        index=users,
    )


def core_number(adjacency: Adjacency) -> pd.Series:
    """k-core number of every user on the undirected simple graph without loops.

    Parameters
    ----------
    adjacency : Adjacency
        Directions, weights and self-loops are ignored: ``u`` and ``v`` are
        neighbours when either interacted with the other.

    Returns
    -------
    Series
        float64, indexed by ``adjacency.users``, named ``"core_number"``; 0 for
        users without neighbours.

    Notes
    -----
    The k-core is the largest subgraph in which every user has at least ``k``
    neighbours; a user's core number is the largest ``k`` of a core holding them.
    It is computed by peeling (Batagelj and Zaversnik): at level ``k``, every
    user with at most ``k`` remaining neighbours gets core number ``k`` and is
    removed, together (vectorised), until none is left at that level; the level
    then rises to the smallest remaining degree. The loop runs over peeling rounds,
    not users. The result equals :func:`networkx.core_number`.

    For a community manager, a high core number marks the dense heart of the
    community: people embedded in a web of members who all talk with each other,
    as opposed to hubs whose many contacts do not know one another.

    References
    ----------
    .. [1] Batagelj, V., Zaversnik, M. (2003). An O(m) algorithm for cores
       decomposition of networks. arXiv:cs/0310049.
    .. [2] Seidman, S. B. (1983). Network structure and minimum degree. Social
       Networks 5(3), 269-287.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> users = pd.Index(list("abcde"), dtype="string")
    >>> rows, cols = [0, 1, 2, 0, 3], [1, 2, 0, 3, 3]
    >>> matrix = sp.csr_array((np.ones(5), (rows, cols)), shape=(5, 5))
    >>> core_number(Adjacency(matrix, users)).to_dict()
    {'a': 2.0, 'b': 2.0, 'c': 2.0, 'd': 1.0, 'e': 0.0}
    """
    indptr, indices = _undirected_simple(adjacency.matrix)
    n = indptr.size - 1
    lengths = np.diff(indptr)
    degree = lengths.astype(np.int32 if n < 2**30 else np.int64)
    # A removed user's degree jumps to `gone`: the decrements it still receives from
    # neighbours removed later (at most n - 1) leave it above every live degree, so
    # no separate "alive" mask has to be looked up for each gathered neighbour.
    gone = degree.dtype.type(2 * n + 1)
    one = degree.dtype.type(1)  # same dtype as `degree`: subtract.at's fast path
    core = np.zeros(n, dtype=np.int64)
    pending = None  # once few users are left: a superset of them, shrunk lazily
    alive = n
    level = 0
    while alive:
        if pending is None and alive * 8 < n:
            pending = np.flatnonzero(degree <= n)
        if pending is None:  # many users left: scan the degree array itself
            level = max(level, int(degree.min()))
            peel = np.flatnonzero(degree <= level)
        else:
            remaining = degree[pending]
            if alive * 2 < pending.size:
                live = remaining <= n
                pending, remaining = pending[live], remaining[live]
            level = max(level, int(remaining.min()))
            peel = pending[remaining <= level]
        while peel.size:
            alive -= peel.size
            core[peel] = level
            degree[peel] = gone
            touched = _gather(indptr, indices, peel, lengths[peel]).astype(np.intp, copy=False)
            if not touched.size:
                break
            np.subtract.at(degree, touched, one)
            if touched.size * 4 > n:  # many: one pass over all users beats sorting
                peel = np.flatnonzero(degree <= level)
            else:
                peel = np.unique(touched[degree[touched] <= level])
    return pd.Series(core.astype(np.float64), index=adjacency.users, name="core_number")


def _undirected_simple(matrix: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """``indptr`` (intp) and ``indices`` of the pattern of ``matrix + matrix.T``, no diagonal.

    Stored zeros count as pairs (they are pairs that interacted). Duplicate or
    unsorted entries are allowed. Indices are 32-bit whenever they fit: scipy's
    transposition and sum then move half the bytes.
    """
    n = matrix.shape[0]
    index_type = np.int32 if max(n, matrix.indices.size) < 2**31 else np.int64
    indptr = matrix.indptr.astype(index_type, copy=False)
    indices = matrix.indices.astype(index_type, copy=False)
    pattern = sp.csr_array(
        (np.ones(indices.size, dtype=np.bool_), indices, indptr), shape=matrix.shape
    )
    if pattern.diagonal().any():  # self-loops: drop them before symmetrising
        rows = np.repeat(np.arange(n, dtype=index_type), np.diff(indptr))
        keep = indices != rows
        indptr = np.zeros(n + 1, dtype=index_type)
        np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
        pattern = sp.csr_array((pattern.data[keep], indices[keep], indptr), shape=matrix.shape)
    both = pattern + pattern.T.tocsr()
    return both.indptr.astype(np.intp), both.indices


def _gather(
    indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """Concatenated column indices of ``rows`` (of ``lengths`` entries) of a CSR structure."""
    total = int(lengths.sum())
    if not total:
        return np.empty(0, dtype=indices.dtype)
    offsets = np.repeat(indptr[rows] - np.cumsum(lengths) + lengths, lengths)
    offsets += np.arange(total)
    return indices[offsets]


def compute_core_number(community: Community) -> pd.Series:
    """k-core number of every user on all interactions; see :func:`core_number`."""
    out = core_number(build_adjacency(community))
    out.index = community.user_ids
    return out


def hits(adjacency: Adjacency, *, tol: float = 1e-10, max_iter: int = 1000) -> pd.DataFrame:
    """HITS hub and authority scores on the weighted graph, by power iteration.

    Parameters
    ----------
    adjacency : Adjacency
        ``matrix[i, j]`` is the weight of ``i -> j``.
    tol : float, default 1e-10
        Stop when the L1 change of the (sum-normalised) authority vector is below
        ``n * tol``.
    max_iter : int, default 1000
        Iteration budget.

    Returns
    -------
    DataFrame
        Indexed by ``adjacency.users``, float64 columns ``hub`` and
        ``authority``, each summing to 1 (as networkx normalises them). A graph
        without any positive weight has no hub nor authority: both are 0.

    Raises
    ------
    ConvergenceError
        When the iteration has not converged after ``max_iter`` steps.

    Notes
    -----
    With :math:`W` the weight matrix, authorities are the principal eigenvector
    of :math:`W^\\top W` and hubs :math:`h \\propto W a`: a good hub addresses
    good authorities, a good authority is addressed by good hubs. Iterating
    :math:`a \\leftarrow W^\\top W a / \\lVert W^\\top W a \\rVert_1` from the
    uniform vector gives networkx's :func:`networkx.hits` (which takes the
    leading singular vectors of :math:`W`). In a Q&A community authorities are
    the people whose posts the active answerers engage with; hubs are the people
    who engage with them.

    References
    ----------
    .. [1] Kleinberg, J. M. (1999). Authoritative sources in a hyperlinked
       environment. Journal of the ACM 46(5), 604-632.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> users = pd.Index(["ann", "bob", "cat"], dtype="string")
    >>> matrix = sp.csr_array(np.array([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]))
    >>> hits(Adjacency(matrix, users)).round(4)
           hub  authority
    ann  0.618      0.000
    bob  0.382      0.382
    cat  0.000      0.618
    """
    users = adjacency.users
    n = len(users)
    matrix = adjacency.matrix
    transposed = matrix.T.tocsr()
    if n == 0 or not (matrix.data > 0).any():
        return pd.DataFrame({"hub": np.zeros(n), "authority": np.zeros(n)}, index=users)
    authority = np.full(n, 1.0 / n)
    error = np.inf
    for _ in range(max_iter):
        previous = authority
        authority = transposed @ (matrix @ previous)
        authority /= authority.sum()
        error = np.abs(authority - previous).sum()
        if error < n * tol:
            hub = matrix @ authority
            return pd.DataFrame({"hub": hub / hub.sum(), "authority": authority}, index=users)
    raise ConvergenceError(
        f"hits must converge within max_iter={max_iter} iterations (got an L1 change of "
        f"{error:.3g} > {n * tol:.3g} at the last one); raise max_iter or tol"
    )


def compute_hits(community: Community, *, tol: float = 1e-10, max_iter: int = 1000) -> pd.DataFrame:
    """HITS hub and authority on the weighted graph of all interactions; see :func:`hits`."""
    out = hits(build_adjacency(community), tol=tol, max_iter=max_iter)
    out.index = community.user_ids
    return out


def compute_z_score(community: Community) -> pd.Series:
    """Answers against questions: ``(answers - questions) / sqrt(answers + questions)``.

    Returns
    -------
    Series
        float64, indexed by ``community.user_ids``, named ``"z_score"``; NaN for
        users who neither asked nor answered (undefined).

    Notes
    -----
    With :math:`a` answers and :math:`q` questions, :math:`z = (a - q) / \\sqrt{a + q}`:
    how many standard deviations the user's answer count lies above what a user
    answering and asking at random (probability 1/2 each) would have. High
    z-scores mark the helpers of a Q&A community, negative ones its askers. It
    only uses messages of kind ``answer`` and ``question``.

    References
    ----------
    .. [1] Zhang, J., Ackerman, M. S., Adamic, L. (2007). Expertise networks in
       online communities: structure and algorithms. WWW '07, 221-230.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("1234"), "author_id": ["ann", "bob", "bob", "cat"],
    ...     "thread_id": "1", "parent_id": [None, "1", "1", "1"],
    ...     "kind": ["question", "answer", "answer", "comment"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 4, utc=True), "text_length": 1})
    >>> compute_z_score(assemble(msgs, stats=ReadStats(), platform="t", name="t")).round(4)
    user_id
    ann   -1.0000
    bob    1.4142
    cat       NaN
    Name: z_score, dtype: float64
    """
    users = community.user_ids
    messages = community.messages
    kind = messages["kind"]
    author = community_codes(community).author
    n = len(users)
    answer = np.asarray(kind == "answer", dtype=bool) & (author >= 0)
    question = np.asarray(kind == "question", dtype=bool) & (author >= 0)
    answers = np.bincount(author[answer], minlength=n)
    questions = np.bincount(author[question], minlength=n)
    total = (answers + questions).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(total > 0, (answers - questions) / np.sqrt(total), np.nan)
    return pd.Series(z, index=users, dtype=np.float64, name="z_score")


def compute_structure(
    community: Community, *, tol: float = 1e-10, max_iter: int = 1000
) -> pd.DataFrame:
    """Every structural column: reach, strength, core number, HITS and z-score.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns ``out_reach``,
        ``in_reach``, ``out_strength``, ``in_strength``, ``core_number``, ``hub``,
        ``authority``, ``z_score``.

    Raises
    ------
    ConvergenceError
        From :func:`hits`.
    """
    users = community.user_ids
    adjacency = build_adjacency(community)  # one graph for strength, k-core and HITS
    core = core_number(adjacency)
    core.index = users
    authority = hits(adjacency, tol=tol, max_iter=max_iter)
    authority.index = users
    return pd.concat(
        [
            compute_reach(community),
            _strength(adjacency, users),
            core,
            authority,
            compute_z_score(community),
        ],
        axis=1,
    )
