"""Reciprocity: do exchanges with a user go both ways?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from influence.community import Community
from influence.graph import COMMUNICATION_KINDS, Adjacency, build_adjacency

__all__ = ["compute_reciprocity", "reciprocity"]


def reciprocity(adjacency: Adjacency) -> pd.DataFrame:
    """Per-user reciprocity and answered-back share on a directed graph.

    Parameters
    ----------
    adjacency : Adjacency
        Only the pattern counts (who addressed whom); weights and self-loops are
        ignored.

    Returns
    -------
    DataFrame
        Indexed by ``adjacency.users``, float64 columns:

        ``reciprocity``
            ``|in ∩ out| / |in ∪ out|``: the share of the user's partners with
            whom exchanges go both ways. NaN for users without partners.
        ``answered_back``
            ``|in ∩ out| / |in|``: the share of the people who addressed the user
            that the user addressed back. NaN when nobody addressed the user.

    Notes
    -----
    ``in`` is the set of people who addressed the user, ``out`` the set of people
    the user addressed, at any time in the window. On a graph without self-loops,
    networkx's per-node ``nx.reciprocity(G, u)`` is
    :math:`r = 2|in \\cap out| / (|in| + |out|)`, and ``reciprocity`` here is
    :math:`r / (2 - r)`.

    A member with high reciprocity holds conversations rather than broadcasting;
    a high ``answered_back`` means people who reach out to them get an answer.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> users = pd.Index(["ann", "bob", "cat", "dan"], dtype="string")
    >>> matrix = sp.csr_array(np.array([[0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0.]]))
    >>> reciprocity(Adjacency(matrix, users))
             reciprocity  answered_back
    ann         0.333333            0.5
    bob         1.000000            1.0
    cat         0.000000            0.0
    dan         0.000000            NaN
    """
    pattern = adjacency.without_self_loops().pattern()
    n = pattern.shape[0]
    out_degree = np.diff(pattern.indptr).astype(np.float64)
    in_degree = np.bincount(pattern.indices, minlength=n).astype(np.float64)
    mutual = np.asarray(pattern.multiply(pattern.T).sum(axis=1)).ravel().astype(np.float64)
    partners = out_degree + in_degree - mutual
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(partners > 0, mutual / partners, np.nan)
        back = np.where(in_degree > 0, mutual / in_degree, np.nan)
    return pd.DataFrame({"reciprocity": share, "answered_back": back}, index=adjacency.users)


def compute_reciprocity(community: Community) -> pd.DataFrame:
    """Reciprocity and answered-back share on the communication graph.

    The communication graph holds the replies, mentions, shares and quotes
    (:data:`~influence.graph.COMMUNICATION_KINDS`); see :func:`reciprocity` for
    the definitions.

    Returns
    -------
    DataFrame
        Indexed by ``community.user_ids``, float64 columns ``reciprocity`` and
        ``answered_back`` (NaN where undefined: no partner, nobody addressed them).

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": list("123"), "author_id": ["ann", "bob", "ann"],
    ...     "thread_id": "1", "parent_id": [None, "1", "2"], "kind": "post",
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True), "text_length": 1})
    >>> compute_reciprocity(assemble(msgs, stats=ReadStats(), platform="t", name="t"))
             reciprocity  answered_back
    user_id
    ann              1.0            1.0
    bob              1.0            1.0
    """
    out = reciprocity(build_adjacency(community, kinds=COMMUNICATION_KINDS))
    out.index = community.user_ids
    return out
