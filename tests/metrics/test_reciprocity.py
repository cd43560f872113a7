"""Reciprocity: toy values by hand, and networkx on seeded random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import TOY_USERS, networkx_graph, random_community

from influence.graph import COMMUNICATION_KINDS, build_adjacency
from influence.metrics.reciprocity import compute_reciprocity, reciprocity

NAN = np.nan


def test_toy_reciprocity(toy_community):
    # Communication graph (reply, mention, share, quote; self-reply c4 dropped):
    # ann out {bob, cat, dan}       in {bob, cat, dan}        -> 3/3, 3/3
    # bob out {ann, dan, cat}       in {ann, dan, cat, eve}   -> 3/4, 3/4
    # cat out {ann, dan, bob, eve}  in {dan, bob, ann}        -> 3/4, 3/3
    #     (eve's kudos to cat is not communication)
    # dan out {bob, cat, eve, ann}  in {cat, bob, eve, ann}   -> 4/4, 4/4
    # eve out {bob, dan}            in {dan, cat}             -> 1/3, 1/2
    # fay <-> hal                                             -> 1, 1 each
    # gus: no partner                                         -> NaN, NaN
    table = compute_reciprocity(toy_community)
    expected = pd.DataFrame(
        {
            "reciprocity": [1.0, 0.75, 0.75, 1.0, 1 / 3, 1.0, NAN, 1.0],
            "answered_back": [1.0, 0.75, 1.0, 1.0, 0.5, 1.0, NAN, 1.0],
        },
        index=pd.Index(TOY_USERS, dtype="string", name="user_id"),
    )
    pd.testing.assert_frame_equal(table, expected)


@pytest.mark.parametrize("seed", range(6))
def test_reciprocity_matches_networkx(seed):
    community = random_community(seed)
    ours = compute_reciprocity(community)
    graph = networkx_graph(community, kinds=COMMUNICATION_KINDS)
    for node in graph:
        succ, pred = set(graph.successors(node)), set(graph.predecessors(node))
        partners = succ | pred
        if not partners:
            assert np.isnan(ours.loc[node, "reciprocity"])
            continue
        r = nx.reciprocity(graph, node)
        assert ours.loc[node, "reciprocity"] == pytest.approx(r / (2 - r), abs=1e-12)
        assert ours.loc[node, "reciprocity"] == pytest.approx(
            len(succ & pred) / len(partners), abs=1e-12
        )
        if pred:
            assert ours.loc[node, "answered_back"] == pytest.approx(
                len(succ & pred) / len(pred), abs=1e-12
            )
        else:
            assert np.isnan(ours.loc[node, "answered_back"])


def test_self_loops_are_ignored():
    from influence.graph import Adjacency

    matrix = np.array([[5.0, 1.0], [0.0, 0.0]])
    table = reciprocity(Adjacency(matrix, ["a", "b"]))
    assert table["reciprocity"].tolist() == [0.0, 0.0]
    assert np.isnan(table.loc["a", "answered_back"])


def test_weights_do_not_matter(toy_community):
    adjacency = build_adjacency(toy_community, kinds=COMMUNICATION_KINDS)
    from influence.graph import Adjacency

    heavier = Adjacency(adjacency.matrix * 7.5, adjacency.users)
    pd.testing.assert_frame_equal(reciprocity(adjacency), reciprocity(heavier))
