"""The vectorised k-core peeling against networkx and igraph (the references).

``core_number`` peels whole levels at once and builds the undirected pattern
with sparse sums; networkx's ``core_number`` (Batagelj-Zaversnik, one node at
a time) and igraph's ``coreness`` must give exactly the same numbers.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from influence.graph import Adjacency
from influence.metrics import compute_structure, core_number


def _random_adjacency(seed: int, n: int = 300, m: int = 2500) -> Adjacency:
    """Heavy-tailed directed graph with self-loops, repeated pairs and a stored zero."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n + 1) ** 1.1
    weights /= weights.sum()
    source = rng.choice(n, size=m, p=weights)
    target = rng.choice(n, size=m, p=rng.permutation(weights))
    value = rng.integers(0, 4, size=m).astype(float)  # 0: a stored zero, still a pair
    matrix = sp.csr_array((value, (source, target)), shape=(n, n))
    matrix.sum_duplicates()
    users = pd.Index([f"u{k:03d}" for k in range(n)], dtype="string")
    return Adjacency(matrix, users)


@pytest.mark.parametrize("seed", range(6))
def test_core_number_equals_networkx(seed):
    adjacency = _random_adjacency(seed)
    coo = adjacency.matrix.tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(adjacency.n_users))
    graph.add_edges_from((int(r), int(c)) for r, c in zip(coo.row, coo.col, strict=True) if r != c)
    expected = nx.core_number(graph)
    got = core_number(adjacency).to_numpy()
    assert got.tolist() == [float(expected[k]) for k in range(adjacency.n_users)]


@pytest.mark.parametrize("seed", range(3))
def test_core_number_equals_igraph(seed):
    igraph = pytest.importorskip("igraph")
    adjacency = _random_adjacency(seed, n=500, m=6000)
    coo = adjacency.matrix.tocoo()
    graph = igraph.Graph(
        n=adjacency.n_users, edges=np.column_stack([coo.row, coo.col]).tolist(), directed=True
    )
    simple = graph.as_undirected(mode="collapse")
    simple.simplify()
    assert core_number(adjacency).to_numpy().tolist() == [float(c) for c in simple.coreness()]


def _awkward_adjacency(seed: int, n: int, m: int, index_type: type) -> Adjacency:
    """Mutual pairs, self-loops, stored zeros, isolated users, unsorted duplicates.

    The CSR arrays are built by hand so that rows keep duplicate and unsorted
    entries (``Adjacency`` does not canonicalise them) with the index dtype asked for.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n + 1) ** 1.2
    weights /= weights.sum()
    source = rng.choice(n, size=m, p=weights)
    target = rng.choice(n, size=m, p=rng.permutation(weights))
    mutual = rng.random(m) < 0.4  # the reverse of 40 % of the pairs is stored too
    loops = rng.choice(n, size=n // 10)  # self-loops, some of them stored zeros
    isolated = rng.choice(n, size=n // 20, replace=False)  # no pair at all
    rows = np.concatenate([source, target[mutual], loops, source[: m // 10]])
    cols = np.concatenate([target, source[mutual], loops, target[: m // 10]])  # + duplicates
    keep = ~np.isin(rows, isolated) & ~np.isin(cols, isolated)
    rows, cols = rows[keep], cols[keep]
    order = np.argsort(rows, kind="stable")  # rows in order, columns not sorted in a row
    values = rng.integers(0, 3, size=rows.size).astype(float)  # 0: a stored zero, still a pair
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_array((values[order], cols[order].astype(index_type), indptr), shape=(n, n))
    assert not matrix.has_canonical_format and (matrix.data == 0).any()
    users = pd.Index([f"u{k:04d}" for k in range(n)], dtype="string")
    return Adjacency(matrix, users)


@pytest.mark.parametrize("index_type", [np.int32, np.int64])
@pytest.mark.parametrize("seed", range(4))
def test_core_number_on_awkward_input_equals_networkx(seed, index_type):
    # sizes where the peeling takes both of its paths: whole-array scans while many
    # users are left (and rounds touching more than a quarter of them), then lists
    adjacency = _awkward_adjacency(seed, n=600 + 300 * seed, m=6000, index_type=index_type)
    coo = adjacency.matrix.tocoo()
    graph = nx.Graph()
    graph.add_nodes_from(range(adjacency.n_users))
    graph.add_edges_from((int(r), int(c)) for r, c in zip(coo.row, coo.col, strict=True) if r != c)
    assert nx.number_of_isolates(graph) >= adjacency.n_users // 20
    expected = nx.core_number(graph)
    got = core_number(adjacency)
    assert got.name == "core_number" and got.dtype == np.float64
    assert got.to_numpy().tolist() == [float(expected[k]) for k in range(adjacency.n_users)]


def test_core_number_of_no_users_and_of_loops_only():
    empty = Adjacency(sp.csr_array((0, 0)), pd.Index([], dtype="string"))
    assert core_number(empty).tolist() == []
    diagonal = sp.csr_array(([1.0, 0.0, 2.0], [0, 1, 2], [0, 1, 2, 3]), shape=(3, 3))
    assert diagonal.nnz == 3  # the middle loop is a stored zero
    assert core_number(Adjacency(diagonal, pd.Index(list("abc")))).tolist() == [0.0, 0.0, 0.0]


def test_structure_on_one_graph_equals_the_separate_functions(toy_community):
    from influence.metrics import (
        compute_core_number,
        compute_hits,
        compute_reach,
        compute_strength,
        compute_z_score,
    )

    separate = pd.concat(
        [
            compute_reach(toy_community),
            compute_strength(toy_community),
            compute_core_number(toy_community),
            compute_hits(toy_community),
            compute_z_score(toy_community),
        ],
        axis=1,
    )
    pd.testing.assert_frame_equal(compute_structure(toy_community), separate)
