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
