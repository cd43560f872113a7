"""From a :class:`~influence.community.Community` to a weighted directed graph.

The graph of a community is a sparse matrix that always travels with its user
index: :class:`Adjacency`. Row ``i`` / column ``j`` of ``matrix`` is the user
``users[i]`` / ``users[j]``; ``matrix[i, j]`` is the summed ``weight`` of the
interactions from ``users[i]`` (source, the actor) to ``users[j]`` (target, the
user acted upon). networkx is available on demand with :func:`to_networkx`;
metrics work on the CSR matrix directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from influence.community import Community

__all__ = [
    "COMMUNICATION_KINDS",
    "CREDIT_DIRECTION",
    "Adjacency",
    "build_adjacency",
    "credit_interactions",
    "to_networkx",
]

#: Interaction kinds by which one user addresses another (reach, reciprocity).
COMMUNICATION_KINDS = ("reply", "mention", "share", "quote")


@dataclass(frozen=True)
class Adjacency:
    """A weighted directed graph: a CSR matrix and the users of its rows and columns.

    Parameters
    ----------
    matrix : scipy.sparse.csr_array
        ``n x n`` float64; row = source, column = target, value = summed weight.
        A pair whose interactions sum to weight 0 is kept as a stored zero, so the
        sparsity pattern is exactly the set of pairs that interacted.
    users : pandas.Index
        The ``n`` user ids (strings, unique), in row and column order.

    Raises
    ------
    ValueError
        When the matrix is not square or its size differs from ``len(users)``,
        or when ``users`` repeats an id.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scipy.sparse as sp
    >>> adj = Adjacency(sp.csr_array(np.array([[0.0, 2.0], [0.0, 0.0]])),
    ...                 pd.Index(["ann", "bob"], dtype="string"))
    >>> adj.n_users, adj.matrix.nnz
    (2, 1)
    >>> adj.to_frame().to_dict("records")
    [{'source': 'ann', 'target': 'bob', 'weight': 2.0}]
    """

    matrix: sp.csr_array
    users: pd.Index

    def __post_init__(self) -> None:
        matrix = self.matrix
        if not sp.issparse(matrix) or matrix.format != "csr" or matrix.dtype != np.float64:
            matrix = sp.csr_array(matrix, dtype=np.float64)
        users = self.users if isinstance(self.users, pd.Index) else pd.Index(self.users)
        if users.dtype != "string":
            users = users.astype("string")
        n = len(users)
        if matrix.shape != (n, n):
            raise ValueError(
                f"Adjacency.matrix must be square with one row per user, {n} x {n} "
                f"(got shape {matrix.shape})"
            )
        if not users.is_unique:
            raise ValueError(
                f"Adjacency.users must be unique (got {int(users.duplicated().sum())} repeated ids)"
            )
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "users", users)

    @property
    def n_users(self) -> int:
        """Number of users (rows and columns)."""
        return len(self.users)

    def without_self_loops(self) -> Adjacency:
        """Return a copy whose diagonal (a user acting on themselves) is removed."""
        coo = self.matrix.tocoo()
        off = coo.row != coo.col
        matrix = sp.csr_array(
            (coo.data[off], (coo.row[off], coo.col[off])), shape=self.matrix.shape
        )
        return Adjacency(matrix, self.users)

    def pattern(self) -> sp.csr_array:
        """The 0/1 matrix of pairs that interacted (stored entries), as float64 CSR."""
        matrix = self.matrix.copy()
        matrix.sum_duplicates()
        matrix.data = np.ones_like(matrix.data)
        return matrix

    def to_frame(self) -> pd.DataFrame:
        """The edge list: ``source``, ``target``, ``weight`` (row-major order)."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        users = self.users.to_numpy()
        return pd.DataFrame(
            {
                "source": pd.array(users[coo.row[order]], dtype="string"),
                "target": pd.array(users[coo.col[order]], dtype="string"),
                "weight": coo.data[order].astype(np.float64),
            }
        )


#: Who credits whom, per ``(interaction kind, kind of the message carrying it)``.
#: ``"to_target"``: the interaction's source credits its target;
#: ``"to_source"``: the target credits the source. ``"*"`` matches any carrier
#: (including none); a specific carrier wins over ``"*"``. Kinds absent from the
#: table credit the target.
#:
#: ==========  ===========  ===========  ==============================================
#: kind        carrier      credit to    why
#: ==========  ===========  ===========  ==============================================
#: reply       answer       source       the asker credits whoever answers them
#:                                       (ExpertiseRank, Zhang, Ackerman, Adamic 2007)
#: reply       other        target       being replied to in a discussion, or having
#:                                       one's question or answer commented on, is
#:                                       being listened to
#: mention     any          target       being named
#: share       any          target       being passed on
#: quote       any          target       being quoted
#: accept      any          target       the accepted answerer
#: kudos       any          target       the rewarded author
#: ==========  ===========  ===========  ==============================================
CREDIT_DIRECTION: Mapping[tuple[str, str], str] = {
    ("reply", "answer"): "to_source",
    ("reply", "*"): "to_target",
    ("mention", "*"): "to_target",
    ("share", "*"): "to_target",
    ("quote", "*"): "to_target",
    ("accept", "*"): "to_target",
    ("kudos", "*"): "to_target",
}

_DIRECTIONS = ("to_source", "to_target")


def credit_interactions(
    community: Community, *, interactions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the interactions oriented from the user giving credit to the one receiving it.

    Parameters
    ----------
    community : Community
        Its ``messages`` give the kind of the message carrying each interaction.
    interactions : DataFrame, optional
        A subset of ``community.interactions`` (default: all of them).

    Returns
    -------
    DataFrame
        The same rows and columns, with ``source`` and ``target`` swapped where
        :data:`CREDIT_DIRECTION` says the credit goes to the source, plus a
        ``credit`` column (``"to_source"`` or ``"to_target"``). The input is not
        modified.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a", "c"], "author_id": ["ann", "bob", "cat"],
    ...     "thread_id": "q", "parent_id": [None, "q", "a"],
    ...     "kind": ["question", "answer", "comment"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "text_length": 1})
    >>> community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    >>> credit_interactions(community)[["source", "target", "credit"]].to_dict("records")
    [{'source': 'ann', 'target': 'bob', 'credit': 'to_source'},
     {'source': 'cat', 'target': 'bob', 'credit': 'to_target'}]

    The answer ``a`` carries the reply ``bob -> ann``: the asker ``ann`` credits
    the answerer ``bob``. The comment ``c`` carries the reply ``cat -> bob``,
    which keeps its direction: ``cat`` credits ``bob``, whose answer it discusses.
    """
    frame = community.interactions if interactions is None else interactions
    out = frame.copy()
    for (kind, carrier), direction in CREDIT_DIRECTION.items():
        if direction not in _DIRECTIONS:
            raise ValueError(
                f"CREDIT_DIRECTION[{(kind, carrier)!r}] must be one of {_DIRECTIONS} "
                f"(got {direction!r})"
            )
    messages = community.messages
    carrier_of = pd.Series(
        messages["kind"].astype(str).to_numpy(), index=messages["message_id"].to_numpy()
    )
    carrier_of = carrier_of[~carrier_of.index.duplicated()]
    kind = frame["kind"].astype(str).to_numpy()
    carrier = carrier_of.reindex(frame["message_id"].to_numpy()).fillna("").to_numpy(str)
    specific = {f"{k}\x1f{c}": d for (k, c), d in CREDIT_DIRECTION.items() if c != "*"}
    wildcard = {k: d for (k, c), d in CREDIT_DIRECTION.items() if c == "*"}
    keys = pd.Series(np.char.add(np.char.add(kind.astype(str), "\x1f"), carrier.astype(str)))
    direction = (
        keys.map(specific).fillna(pd.Series(kind).map(wildcard)).fillna("to_target").to_numpy(str)
    )
    flip = direction == "to_source"
    source = frame["source"].to_numpy(copy=True)
    target = frame["target"].to_numpy(copy=True)
    out["source"] = pd.array(np.where(flip, target, source), dtype="string")
    out["target"] = pd.array(np.where(flip, source, target), dtype="string")
    out["credit"] = direction
    return out


def build_adjacency(
    community: Community,
    *,
    kinds: Iterable[str] | None = None,
    users: pd.Index | Iterable[str] | None = None,
    credit: bool = False,
) -> Adjacency:
    """Build the weighted directed interaction graph of a community.

    Parameters
    ----------
    community : Community
        Its ``interactions`` give the edges.
    kinds : iterable of str, optional
        Keep only interactions of these kinds (for example
        :data:`COMMUNICATION_KINDS`); default all kinds.
    users : Index or iterable of str, optional
        Rows and columns, in this order; default ``community.user_ids``, so users
        without any interaction are rows (and columns) of zeros. Interactions with
        an end outside ``users`` are left out.
    credit : bool, default False
        Build the credit graph instead: each interaction is oriented from the user
        who gives credit to the user who receives it, following
        :data:`influence.metrics.reputation.CREDIT_DIRECTION`.

    Returns
    -------
    Adjacency
        ``matrix[i, j]`` is the summed weight of the interactions ``users[i] ->
        users[j]`` (or of the credit given by ``users[i]`` to ``users[j]``).

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["1", "2", "3"], "author_id": ["ann", "bob", "ann"],
    ...     "thread_id": ["1"] * 3, "parent_id": [None, "1", "2"], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "text_length": 1})
    >>> users = pd.DataFrame({"user_id": ["zoe"], "display_name": ["Zoe"],
    ...     "created_at": pd.to_datetime([None], utc=True)})
    >>> community = assemble(msgs, users=users, stats=ReadStats(), platform="t", name="t")
    >>> adjacency = build_adjacency(community)
    >>> list(adjacency.users)
    ['ann', 'bob', 'zoe']
    >>> adjacency.matrix.toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    index = community.user_ids if users is None else _as_index(users)
    interactions = community.interactions
    if kinds is not None:
        wanted = [str(kind) for kind in kinds]
        interactions = interactions.loc[interactions["kind"].astype(str).isin(wanted).to_numpy()]
    if credit:
        interactions = credit_interactions(community, interactions=interactions)
    return _adjacency(interactions["source"], interactions["target"], interactions["weight"], index)


def _as_index(users: pd.Index | Iterable[str]) -> pd.Index:
    index = users if isinstance(users, pd.Index) else pd.Index(list(users))
    return pd.Index(index.astype("string"), name="user_id")


def _adjacency(
    source: pd.Series, target: pd.Series, weight: pd.Series, users: pd.Index
) -> Adjacency:
    """Sum weights per (source, target) into a CSR matrix over ``users``."""
    row = users.get_indexer(pd.Series(source, dtype="string").array)
    col = users.get_indexer(pd.Series(target, dtype="string").array)
    values = pd.to_numeric(weight, errors="coerce").fillna(1.0).to_numpy(np.float64)
    known = (row >= 0) & (col >= 0)
    n = len(users)
    matrix = sp.coo_array((values[known], (row[known], col[known])), shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return Adjacency(matrix, users)


def to_networkx(adjacency: Adjacency) -> nx.DiGraph:
    """Return the graph as a networkx DiGraph with a ``weight`` on every edge.

    Every user is a node, including users without any edge.

    Examples
    --------
    >>> import numpy as np, pandas as pd, scipy.sparse as sp
    >>> adj = Adjacency(sp.csr_array(np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0, 0, 0]])),
    ...                 pd.Index(["ann", "bob", "zoe"], dtype="string"))
    >>> graph = to_networkx(adj)
    >>> sorted(graph.nodes), sorted(graph.edges(data="weight"))
    (['ann', 'bob', 'zoe'], [('ann', 'bob', 2.0), ('bob', 'ann', 1.0)])
    """
    graph = nx.DiGraph()
    users = [str(user) for user in adjacency.users]
    graph.add_nodes_from(users)
    edges = adjacency.to_frame()
    graph.add_weighted_edges_from(
        zip(
            edges["source"].astype(str).tolist(),
            edges["target"].astype(str).tolist(),
            edges["weight"].tolist(),
            strict=True,
        )
    )
    return graph
