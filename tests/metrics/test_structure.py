"""Reach, strength, k-core, HITS and z-score: toy values by hand, networkx cross-checks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import TOY_USERS, networkx_graph, random_community

from influence.errors import ConvergenceError
from influence.graph import COMMUNICATION_KINDS, Adjacency, build_adjacency
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

INDEX = pd.Index(TOY_USERS, dtype="string", name="user_id")
NAN = np.nan


def test_toy_reach(toy_community):
    # out: ann {bob (c1), cat (mention c6), dan (c6)}; bob {ann, dan, cat};
    #      cat {ann, dan (mention), bob, eve}; dan {bob, cat, eve, ann}; eve {bob, dan}
    #      (eve's kudos and accept are not communication); fay {hal}; hal {fay}
    # in:  ann {bob, cat, dan}; bob {ann, dan, cat, eve}; cat {dan, bob, ann};
    #      dan {cat, bob, eve, ann}; eve {dan, cat}; fay {hal}; hal {fay}
    # The self-reply c4 does not make ann reach herself; gus reaches nobody.
    expected = pd.DataFrame(
        {"out_reach": [3, 3, 4, 4, 2, 1, 0, 1], "in_reach": [3, 4, 3, 4, 2, 1, 0, 1]},
        index=INDEX,
    ).astype("float64")
    pd.testing.assert_frame_equal(compute_reach(toy_community), expected)


def test_toy_strength(toy_community):
    # out: ann c1 + accept + mention + c6 = 4; bob a1 + c2 + r3 + c8 + kudos = 5;
    #      cat a2 + mention + r1 + a4 = 4; dan c3 + quote + r2 + a3 + c7 = 5;
    #      eve kudos 2 + share + r4 + c5 + accept = 6; fay, hal 2 each
    # in:  ann a1 + c2 + a2 + c7 = 4; bob c1 + accept + c3 + r1 + share + r4 = 6;
    #      cat kudos 2 + quote + r2 + c8 + mention = 6;
    #      dan mention + r3 + c5 + c6 + accept + kudos = 6; eve a3 + a4 = 2
    expected = pd.DataFrame(
        {
            "out_strength": [4, 5, 4, 5, 6, 2, 0, 2],
            "in_strength": [4, 6, 6, 6, 2, 2, 0, 2],
        },
        index=INDEX,
    ).astype("float64")
    pd.testing.assert_frame_equal(compute_strength(toy_community), expected)


def test_toy_core_number(toy_community):
    # Undirected simple graph: ann-bob, ann-cat, ann-dan, bob-cat, bob-dan, bob-eve,
    # cat-dan, cat-eve, dan-eve, fay-hal. ann and eve have 3 neighbours among the
    # five, bob, cat, dan 4: all five form a 3-core; removing ann and eve (degree 3)
    # leaves bob, cat, dan with 2, so no 4-core. fay, hal: 1; gus: 0.
    expected = pd.Series([3, 3, 3, 3, 3, 1, 0, 1], index=INDEX, name="core_number", dtype=float)
    pd.testing.assert_series_equal(compute_core_number(toy_community), expected)


def test_toy_z_score(toy_community):
    # ann 1 question: (0-1)/1; bob 1 answer: 1; cat 2 answers: 2/sqrt(2);
    # dan 1 answer: 1; eve 1 question: -1; fay, gus, hal: neither -> NaN
    expected = pd.Series(
        [-1.0, 1.0, np.sqrt(2.0), 1.0, -1.0, NAN, NAN, NAN], index=INDEX, name="z_score"
    )
    pd.testing.assert_series_equal(compute_z_score(toy_community), expected)


def test_toy_hits(toy_community):
    # HITS on the weighted graph of test_graph's table: authority is the leading
    # eigenvector of W^T W, hubs W a; checked against a dense eigen-solve.
    table = compute_hits(toy_community)
    weights = build_adjacency(toy_community).matrix.toarray()
    values, vectors = np.linalg.eigh(weights.T @ weights)
    authority = np.abs(vectors[:, -1]) / np.abs(vectors[:, -1]).sum()
    hub = weights @ authority / (weights @ authority).sum()
    np.testing.assert_allclose(table["authority"], authority, atol=1e-8)
    np.testing.assert_allclose(table["hub"], hub, atol=1e-8)
    assert values[-1] > values[-2]  # a unique leading eigenvalue: the answer is unique
    # the fay-hal pair (singular value 2) and gus get nothing; the tie stays a tie
    assert table.loc[["fay", "gus", "hal"]].to_numpy().max() < 1e-8
    assert table.loc["fay", "hub"] == table.loc["hal", "hub"]
    # eve (6 out) is the strongest hub, cat (6 in from good hubs) the top authority
    assert table["hub"].idxmax() == "eve"
    assert table["authority"].idxmax() == "cat"
    assert table["hub"].sum() == pytest.approx(1.0) and table["authority"].sum() == pytest.approx(1)


@pytest.mark.parametrize("seed", range(6))
def test_strength_and_reach_match_networkx(seed):
    community = random_community(seed)
    graph = networkx_graph(community)
    strength = compute_strength(community)
    for node in graph:
        assert strength.loc[node, "out_strength"] == pytest.approx(
            graph.out_degree(node, weight="weight"), abs=1e-9
        )
        assert strength.loc[node, "in_strength"] == pytest.approx(
            graph.in_degree(node, weight="weight"), abs=1e-9
        )
    talk = networkx_graph(community, kinds=COMMUNICATION_KINDS)
    reach = compute_reach(community)
    assert reach["out_reach"].to_dict() == {n: float(talk.out_degree(n)) for n in talk}
    assert reach["in_reach"].to_dict() == {n: float(talk.in_degree(n)) for n in talk}


@pytest.mark.parametrize("seed", range(8))
def test_core_number_matches_networkx(seed):
    community = random_community(seed, n=80, p=0.06 + 0.02 * (seed % 4))
    graph = networkx_graph(community).to_undirected()
    expected = nx.core_number(graph)
    got = compute_core_number(community)
    assert got.to_dict() == {node: float(k) for node, k in expected.items()}


def test_core_number_on_a_clique_path_and_loops():
    # a 5-clique (core 4), a path hanging off it (core 1), self-loops ignored
    graph = nx.complete_graph(5)
    graph.add_edges_from([(4, 5), (5, 6), (6, 7), (7, 7), (0, 0)])
    graph.add_node(8)
    users = pd.Index([str(i) for i in range(9)], dtype="string")
    matrix = nx.to_scipy_sparse_array(graph, nodelist=range(9), format="csr")
    got = core_number(Adjacency(sp.csr_array(matrix, dtype=float), users))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    assert got.tolist() == [float(nx.core_number(graph)[i]) for i in range(9)]
    assert got.tolist() == [4, 4, 4, 4, 4, 1, 1, 1, 0]


@pytest.mark.parametrize("seed", range(6))
def test_hits_matches_networkx(seed):
    community = random_community(seed)
    graph = networkx_graph(community)
    hubs, authorities = nx.hits(graph, max_iter=10_000, tol=1e-12)
    table = compute_hits(community)
    for node in graph:
        assert table.loc[node, "hub"] == pytest.approx(hubs[node], abs=1e-6)
        assert table.loc[node, "authority"] == pytest.approx(authorities[node], abs=1e-6)


def test_hits_raises_when_not_converged(toy_community):
    with pytest.raises(
        ConvergenceError, match=r"hits must converge within max_iter=1 iterations \(got"
    ):
        compute_hits(toy_community, max_iter=1)


def test_hits_without_edges_is_zero():
    table = hits(Adjacency(sp.csr_array((3, 3)), ["a", "b", "c"]))
    assert table.to_numpy().tolist() == [[0.0, 0.0]] * 3


def test_structure_table(toy_community):
    table = compute_structure(toy_community)
    assert list(table.columns) == [
        "out_reach",
        "in_reach",
        "out_strength",
        "in_strength",
        "core_number",
        "hub",
        "authority",
        "z_score",
    ]
    assert (table.dtypes == "float64").all()
    assert table.index.equals(toy_community.user_ids)
