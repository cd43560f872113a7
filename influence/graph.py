"""From a :class:`~influence.community.Community` to a weighted directed graph.

The graph of a community is a sparse matrix that always travels with its user
index: :class:`Adjacency`. Row ``i`` / column ``j`` of ``matrix`` is the user
``users[i]`` / ``users[j]``; ``matrix[i, j]`` is the summed ``weight`` of the
interactions from ``users[i]`` (source, the actor) to ``users[j]`` (target, the
user acted upon). networkx is available on demand with :func:`to_networkx`;
metrics work on the CSR matrix directly.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from influence._lookup import IdLookup, positions
from influence.community import Community

if TYPE_CHECKING:  # networkx is imported when a graph is asked for
    import networkx as nx

__all__ = [
    "COMMUNICATION_KINDS",
    "CREDIT_DIRECTION",
    "Adjacency",
    "CommunityCodes",
    "build_adjacency",
    "community_codes",
    "credit_interactions",
    "positions",
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


class CommunityCodes:
    """Integer codes of a community's ids, computed once per community.

    Every per-user and per-message computation works on positions, not on the
    string ids: ``author`` (per message, its author's position in
    ``community.user_ids``), ``source`` and ``target`` (per interaction, the
    same), ``parent`` (per message, the position of its parent message),
    ``carrier`` (per interaction, the position of the message carrying it),
    ``thread_root`` (per message, the position of its thread's opening
    message). -1 stands for missing or unknown. Get one with
    :func:`community_codes`; each array is computed on first use. The ids
    prepared for the lookups (:class:`~influence._lookup.IdLookup`: text and
    (prefix, number) split of every id) are dropped once every array they
    serve exists.
    """

    #: The code arrays each prepared lookup serves.
    _SERVES: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "_user_lookup": ("author", "source", "target"),
        "_message_lookup": ("parent", "carrier", "thread_root"),
    }

    def __init__(self, community: Community) -> None:
        self._community = weakref.ref(community)
        self._derived: dict = {}
        self._guard = threading.Lock()
        self._locks: dict = {}

    def cached(self, key, compute):
        """``compute()``, computed once per community and ``key``.

        For arrays that depend on the community alone (such as the reply tree's
        ancestor pairs), so that the metrics and the report share them. Safe
        from several threads: one computes, the others wait for its result.
        """
        try:
            return self._derived[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._derived:
                self._derived[key] = compute()
            return self._derived[key]

    def _get(self) -> Community:
        community = self._community()
        if community is None:  # pragma: no cover - the cache dies with the community
            raise ReferenceError(
                "CommunityCodes must be used while its community is alive (got a dead reference)"
            )
        return community

    @property
    def message_ids(self) -> pd.Index:
        """``messages.message_id`` as an Index (the labels of message positions)."""
        return self.cached(
            "message_ids", lambda: pd.Index(self._get().messages["message_id"].array)
        )

    def _prepared(self, lookup: str) -> IdLookup:
        """The prepared ids of ``lookup`` (``"_user_lookup"`` or ``"_message_lookup"``)."""
        if lookup == "_user_lookup":
            return self.cached(lookup, lambda: IdLookup(self._get().user_ids))
        return self.cached(lookup, lambda: IdLookup(self.message_ids))

    def _codes(self, lookup: str, code: str, table: str, column: str) -> np.ndarray:
        """Positions of ``table[column]`` by the prepared ``lookup``, for the array ``code``."""

        def compute() -> np.ndarray:
            return self._prepared(lookup).positions(getattr(self._get(), table)[column])

        found = self.cached(code, compute)
        with self._guard:
            if all(other in self._derived for other in self._SERVES[lookup]):
                self._derived.pop(lookup, None)  # it served its last array: free the prepared ids
        return found

    @property
    def author(self) -> np.ndarray:
        return self._codes("_user_lookup", "author", "messages", "author_id")

    @property
    def source(self) -> np.ndarray:
        return self._codes("_user_lookup", "source", "interactions", "source")

    @property
    def target(self) -> np.ndarray:
        return self._codes("_user_lookup", "target", "interactions", "target")

    @property
    def parent(self) -> np.ndarray:
        return self._codes("_message_lookup", "parent", "messages", "parent_id")

    @property
    def carrier(self) -> np.ndarray:
        return self._codes("_message_lookup", "carrier", "interactions", "message_id")

    @property
    def thread_root(self) -> np.ndarray:
        return self._codes("_message_lookup", "thread_root", "messages", "thread_id")


_CODES: dict[int, CommunityCodes] = {}


def community_codes(community: Community) -> CommunityCodes:
    """The :class:`CommunityCodes` of ``community``, cached for its lifetime.

    A Community is immutable, so its codes are computed once and shared by every
    metric (the cache entry is dropped when the community is garbage collected).
    The messages' ``message_id`` must be unique for ``parent``, ``carrier`` and
    ``thread_root`` (the first occurrence is used otherwise).

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a"], "author_id": ["bob", "ann"],
    ...     "thread_id": "q", "parent_id": [None, "q"], "kind": ["question", "answer"],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 2, utc=True), "text_length": 1})
    >>> community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    >>> codes = community_codes(community)
    >>> codes.author.tolist(), codes.parent.tolist(), codes.source.tolist()
    ([0, 1], [1, -1], [0])
    """
    key = id(community)
    codes = _CODES.get(key)
    if codes is None or codes._community() is not community:
        codes = CommunityCodes(community)
        _CODES[key] = codes
        weakref.finalize(community, _CODES.pop, key, None)
    return codes


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
    messages = community.messages
    ids = messages["message_id"]
    first = ~ids.duplicated().to_numpy(bool)  # a repeated id carries its first kind
    carrier = positions(frame["message_id"], pd.Index(ids.array[first]))
    flip = _credit_flip(frame["kind"], carrier, messages["kind"].iloc[np.flatnonzero(first)])
    out = frame.copy()
    source = frame["source"].array
    target = frame["target"].array
    out["source"] = pd.array(np.where(flip, target, source), dtype="string")
    out["target"] = pd.array(np.where(flip, source, target), dtype="string")
    out["credit"] = np.where(flip, "to_source", "to_target")
    return out


def _credit_flip(kind: pd.Series, carrier: np.ndarray, message_kind: pd.Series) -> np.ndarray:
    """True where :data:`CREDIT_DIRECTION` sends the credit to the interaction's source.

    ``kind`` is each interaction's kind, ``carrier`` the position in
    ``message_kind`` of the message carrying it (-1: none). The rule is looked up
    once per distinct (kind, carrier kind) combination, not per interaction.
    """
    for (name, carried), direction in CREDIT_DIRECTION.items():
        if direction not in _DIRECTIONS:
            raise ValueError(
                f"CREDIT_DIRECTION[{(name, carried)!r}] must be one of {_DIRECTIONS} "
                f"(got {direction!r})"
            )
    kind_code, kind_names = pd.factorize(pd.Series(kind).array)
    message_code, carrier_names = pd.factorize(pd.Series(message_kind).array)
    if not len(carrier):
        return np.zeros(0, dtype=bool)
    known = carrier >= 0
    carrier_code = np.full(len(carrier), -1, dtype=np.int64)
    carrier_code[known] = message_code[carrier[known]]
    width = len(carrier_names) + 1
    pair = (kind_code + 1) * width + carrier_code + 1  # >= 0 and small: count, not sort
    combination = np.flatnonzero(np.bincount(pair))
    inverse = np.zeros(int(combination[-1]) + 1, dtype=np.intp)
    inverse[combination] = np.arange(len(combination))
    inverse = inverse[pair]
    flips = []
    for value in combination.tolist():
        k, c = divmod(value, width)
        name = str(kind_names[k - 1]) if k else None
        carried = str(carrier_names[c - 1]) if c else None
        direction = CREDIT_DIRECTION.get((name, carried)) or CREDIT_DIRECTION.get((name, "*"))
        flips.append(direction == "to_source")
    return np.asarray(flips, dtype=bool)[inverse.ravel()]


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
    codes = community_codes(community)
    if users is None:
        row, col = codes.source, codes.target
    else:
        row = positions(interactions["source"], index)
        col = positions(interactions["target"], index)
    weight = _weights(interactions["weight"])
    if credit:
        flip = _credit_flip(interactions["kind"], codes.carrier, community.messages["kind"])
        row, col = np.where(flip, col, row), np.where(flip, row, col)
    if kinds is not None:
        wanted = [str(kind) for kind in kinds]
        keep = np.asarray(interactions["kind"].isin(wanted), dtype=bool)
        row, col, weight = row[keep], col[keep], weight[keep]
    return _matrix(row, col, weight, index)


def _as_index(users: pd.Index | Iterable[str]) -> pd.Index:
    index = users if isinstance(users, pd.Index) else pd.Index(list(users))
    return pd.Index(index.astype("string"), name="user_id")


def _weights(weight: pd.Series) -> np.ndarray:
    """Interaction weights as float64; missing or unreadable weights count 1."""
    if weight.dtype == np.float64:
        values = weight.to_numpy(np.float64, na_value=np.nan)
        return np.where(np.isnan(values), 1.0, values)
    return pd.to_numeric(weight, errors="coerce").fillna(1.0).to_numpy(np.float64)


def _adjacency(
    source: pd.Series, target: pd.Series, weight: pd.Series, users: pd.Index
) -> Adjacency:
    """Sum weights per (source, target) into a CSR matrix over ``users``."""
    row = positions(pd.Series(source, dtype="string"), users)
    col = positions(pd.Series(target, dtype="string"), users)
    return _matrix(row, col, _weights(pd.Series(weight)), users)


def _matrix(row: np.ndarray, col: np.ndarray, values: np.ndarray, users: pd.Index) -> Adjacency:
    """Sum ``values`` per (row, col) position into a CSR matrix; -1 positions are left out."""
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
    import networkx as nx

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
