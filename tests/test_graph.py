"""Tests of influence.graph: Adjacency, build_adjacency, to_networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import TOY_USERS, networkx_graph, random_community

from influence.graph import COMMUNICATION_KINDS, Adjacency, build_adjacency, to_networkx


def _weights(adjacency: Adjacency) -> dict[tuple[str, str], float]:
    frame = adjacency.to_frame()
    return {
        (s, t): w
        for s, t, w in zip(
            frame["source"].tolist(),
            frame["target"].tolist(),
            frame["weight"].tolist(),
            strict=True,
        )
    }


def test_toy_adjacency_sums_weights_over_kinds(toy_community):
    adjacency = build_adjacency(toy_community)
    assert list(adjacency.users) == list(TOY_USERS)
    assert adjacency.users.name == "user_id"
    assert isinstance(adjacency.matrix, sp.csr_array)
    assert adjacency.matrix.dtype == np.float64
    # Hand-summed from the interactions listed in conftest's docstring.
    assert _weights(adjacency) == {
        ("ann", "bob"): 2.0,  # reply c1 + accept of a1
        ("ann", "cat"): 1.0,  # mention in c6
        ("ann", "dan"): 1.0,  # reply c6
        ("bob", "ann"): 2.0,  # replies a1 and c2
        ("bob", "cat"): 1.0,  # reply c8
        ("bob", "dan"): 2.0,  # reply r3 + kudos on a3
        ("cat", "ann"): 1.0,  # reply a2
        ("cat", "bob"): 1.0,  # reply r1
        ("cat", "dan"): 1.0,  # mention in r1
        ("cat", "eve"): 1.0,  # reply a4
        ("dan", "ann"): 1.0,  # reply c7
        ("dan", "bob"): 1.0,  # reply c3
        ("dan", "cat"): 2.0,  # reply r2 + quote in r2
        ("dan", "eve"): 1.0,  # reply a3
        ("eve", "bob"): 2.0,  # share s1 + reply r4
        ("eve", "cat"): 2.0,  # kudos of weight 2
        ("eve", "dan"): 2.0,  # reply c5 + accept of a3
        ("fay", "hal"): 2.0,  # reply r8 + mention
        ("hal", "fay"): 2.0,  # reply r7 + mention
    }
    assert adjacency.matrix.sum() == 27.0 + 1.0  # 27 interactions, one of weight 2
    gus = adjacency.users.get_loc("gus")
    assert adjacency.matrix[[gus], :].nnz == 0 and adjacency.matrix[:, [gus]].nnz == 0
    assert adjacency.matrix.diagonal().sum() == 0.0  # the self-reply c4 was dropped


def test_kinds_filter_and_user_subset(toy_community):
    communication = build_adjacency(toy_community, kinds=COMMUNICATION_KINDS)
    weights = _weights(communication)
    assert weights[("ann", "bob")] == 1.0  # accept left out
    assert ("eve", "cat") not in weights  # kudos left out
    assert communication.matrix.sum() == 23.0  # 28 - 2 accepts - kudos of weights 2 and 1
    accepts = build_adjacency(toy_community, kinds=["accept"])
    assert _weights(accepts) == {("ann", "bob"): 1.0, ("eve", "dan"): 1.0}
    sub = build_adjacency(toy_community, users=["eve", "bob", "zed"])
    assert list(sub.users) == ["eve", "bob", "zed"]
    assert sub.matrix.toarray().tolist() == [[0, 2, 0], [0, 0, 0], [0, 0, 0]]


def test_credit_graph_orientation(toy_community):
    credit = _weights(build_adjacency(toy_community, credit=True))
    # answers: the asker credits the answerer; everything else credits the target
    assert credit[("ann", "bob")] == 3.0  # answer a1 (flipped), comment c1, accept
    assert credit[("ann", "cat")] == 2.0  # answer a2 (flipped), mention in c6
    assert credit[("eve", "dan")] == 3.0  # answer a3 (flipped), comment c5, accept
    assert credit[("eve", "cat")] == 3.0  # kudos 2, answer a4 (flipped)
    assert ("bob", "ann") in credit and credit[("bob", "ann")] == 1.0  # only comment c2
    assert ("dan", "eve") not in credit and ("cat", "eve") not in credit
    assert sum(credit.values()) == 28.0


def test_inputs_not_mutated(toy_community):
    before = toy_community.interactions.copy()
    build_adjacency(toy_community, credit=True, kinds=["reply"])
    pd.testing.assert_frame_equal(toy_community.interactions, before)


def test_to_networkx_keeps_every_user_and_weight(toy_community):
    graph = to_networkx(build_adjacency(toy_community))
    assert sorted(graph.nodes) == list(TOY_USERS)
    assert graph.degree("gus") == 0
    assert graph["eve"]["cat"]["weight"] == 2.0
    assert graph.number_of_edges() == 19


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_random_graph_matches_networkx(seed):
    community = random_community(seed)
    adjacency = build_adjacency(community)
    expected = networkx_graph(community)
    got = to_networkx(adjacency)
    assert sorted(got.nodes) == sorted(expected.nodes)
    assert set(got.edges) == set(expected.edges)
    for u, v, w in expected.edges(data="weight"):
        assert got[u][v]["weight"] == pytest.approx(w, abs=1e-12)
    dense = nx.to_numpy_array(expected, nodelist=list(adjacency.users), weight="weight")
    np.testing.assert_allclose(adjacency.matrix.toarray(), dense, atol=1e-12)


def test_adjacency_rejects_bad_shapes():
    users = pd.Index(["a", "b"], dtype="string")
    with pytest.raises(ValueError, match=r"must be square with one row per user, 2 x 2 \(got"):
        Adjacency(sp.csr_array(np.zeros((3, 3))), users)
    with pytest.raises(ValueError, match=r"Adjacency.users must be unique \(got 1 repeated"):
        Adjacency(sp.csr_array(np.zeros((2, 2))), pd.Index(["a", "a"]))


def test_adjacency_normalises_inputs():
    adjacency = Adjacency(np.array([[0, 1], [0, 0]]), ["a", "b"])
    assert isinstance(adjacency.matrix, sp.csr_array)
    assert adjacency.matrix.dtype == np.float64
    assert adjacency.users.dtype == "string"
    assert adjacency.without_self_loops().matrix.nnz == 1
    looped = Adjacency(sp.csr_array(np.array([[3.0, 1.0], [0.0, 0.0]])), ["a", "b"])
    assert looped.without_self_loops().matrix.toarray().tolist() == [[0, 1], [0, 0]]
    assert looped.pattern().toarray().tolist() == [[1, 1], [0, 0]]


def test_zero_weight_pairs_stay_in_the_pattern():
    from influence.graph import _adjacency

    users = pd.Index(["a", "b"], dtype="string")
    adjacency = _adjacency(
        pd.Series(["a", "a"]), pd.Series(["b", "b"]), pd.Series([0.0, 0.0]), users
    )
    assert adjacency.matrix.nnz == 1 and adjacency.matrix.sum() == 0.0
    assert adjacency.pattern().sum() == 1.0


def _credit_reference(community, interactions=None) -> pd.DataFrame:
    """The string-key implementation of credit_interactions that the fast path replaced."""
    from influence.graph import CREDIT_DIRECTION

    frame = community.interactions if interactions is None else interactions
    out = frame.copy()
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


@pytest.mark.parametrize("seed", ["toy", 1, 2])
def test_credit_fast_path_equals_string_keys(seed, toy_community):
    from metrics.test_fast_paths import random_thread_community

    from influence.graph import _adjacency, credit_interactions

    community = toy_community if seed == "toy" else random_thread_community(seed)
    expected = _credit_reference(community)
    pd.testing.assert_frame_equal(credit_interactions(community), expected)
    subset = community.interactions.iloc[::2]
    pd.testing.assert_frame_equal(
        credit_interactions(community, interactions=subset), _credit_reference(community, subset)
    )
    reference = _adjacency(
        expected["source"], expected["target"], expected["weight"], community.user_ids
    )
    fast = build_adjacency(community, credit=True)
    assert (fast.matrix != reference.matrix).nnz == 0
    np.testing.assert_array_equal(fast.matrix.indices, reference.matrix.indices)


def test_positions_equal_get_indexer():
    from influence.graph import positions

    rng = np.random.default_rng(7)
    labels = pd.Index([f"u{i}" for i in range(50)], dtype="string")
    values = rng.choice(np.array([f"u{i}" for i in range(70)] + [None], dtype=object), 400)
    expected = labels.get_indexer(pd.Index(values, dtype="string"))
    for given in (pd.Series(values, dtype="string"), pd.Series(values, dtype=object), values):
        assert positions(given, labels).tolist() == expected.tolist()
    assert positions(pd.Series([], dtype="string"), labels).tolist() == []
    assert positions(pd.Series([None, None], dtype=object), labels).tolist() == [-1, -1]
    numbers = pd.Index([3, 1, 2])  # not text: the plain lookup
    assert positions(np.array([2, 9]), numbers).tolist() == [2, -1]
