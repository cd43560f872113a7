"""Reputation: the credit graph, our PageRank against networkx and igraph, feedback."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import TOY_USERS, random_community, toy_messages

from influence.community import Community
from influence.errors import ConvergenceError
from influence.graph import Adjacency, build_adjacency, to_networkx
from influence.metrics.reputation import (
    CREDIT_DIRECTION,
    compute_explicit_feedback,
    compute_reputation,
    credit_interactions,
    pagerank,
)

INDEX = pd.Index(TOY_USERS, dtype="string", name="user_id")


def test_credit_direction_table_is_complete():
    from influence.schema import INTERACTION_KINDS

    assert {kind for kind, _ in CREDIT_DIRECTION} == set(INTERACTION_KINDS)
    assert CREDIT_DIRECTION[("reply", "answer")] == "to_source"
    assert all(d == "to_target" for key, d in CREDIT_DIRECTION.items() if key[1] == "*")


def test_credit_interactions_flip_only_answers(toy_community):
    credit = credit_interactions(toy_community)
    flipped = credit.loc[credit["credit"] == "to_source", "message_id"].tolist()
    assert sorted(flipped) == ["a1", "a2", "a3", "a4"]
    original = toy_community.interactions
    same = credit["credit"] == "to_target"
    assert (credit.loc[same, "source"] == original.loc[same, "source"]).all()
    assert (credit.loc[~same, "source"] == original.loc[~same, "target"]).all()
    assert "credit" not in toy_community.interactions.columns  # input untouched


def test_toy_reputation(toy_community):
    # Credit graph (giver -> receiver, weights), from test_graph:
    #   ann -> bob 3, cat 2, dan 1      bob -> ann 1, dan 2, cat 1
    #   cat -> dan 1, bob 1             dan -> bob 1, cat 2, ann 1
    #   eve -> cat 3, bob 2, dan 3      fay -> hal 2, hal -> fay 2
    #   gus: dangling (no credit given); eve and gus receive no credit.
    # With n = 8, alpha = 0.85 and x the PageRank (sum 1):
    #   x_gus = (0.15 + 0.85 x_gus) / 8  =>  x_gus = 0.15 / 7.15; x_eve = x_gus
    #   x_fay = x_gus + 0.85 x_hal and x_fay = x_hal  =>  x_fay = x_gus / 0.15
    # reputation = 8 x: eve = gus = 1.2 / 7.15, fay = hal = 8 / 7.15.
    reputation = compute_reputation(toy_community, tol=1e-13)
    assert reputation.name == "reputation"
    assert reputation.index.equals(INDEX)
    assert reputation["eve"] == pytest.approx(1.2 / 7.15, abs=1e-9)
    assert reputation["gus"] == pytest.approx(1.2 / 7.15, abs=1e-9)
    assert reputation["fay"] == pytest.approx(8 / 7.15, abs=1e-9)
    assert reputation["hal"] == reputation["fay"]  # the tie
    assert reputation.sum() == pytest.approx(8.0)
    # ann, bob, cat, dan: the linear system (I - 0.85 P^T) x = b solved densely
    weights = build_adjacency(toy_community, credit=True).matrix.toarray()
    strength = weights.sum(axis=1)
    transition = np.divide(
        weights, strength[:, None], out=np.zeros_like(weights), where=strength[:, None] > 0
    )
    dangling = (strength == 0).astype(float)
    google = 0.85 * (transition + np.outer(dangling, np.full(8, 1 / 8))) + 0.15 / 8
    values, vectors = np.linalg.eig(google.T)
    stationary = np.real(vectors[:, np.argmax(np.real(values))])
    stationary = 8 * stationary / stationary.sum()
    np.testing.assert_allclose(reputation.to_numpy(), stationary, atol=1e-8)
    # dan (credited by ann, bob, cat and most by eve) leads; bob (a1, accept) next
    ranking = reputation.sort_values(ascending=False, kind="stable").index.tolist()
    assert ranking[:2] == ["dan", "bob"]


def test_toy_explicit_feedback(toy_community):
    # scores: ann q1 5; bob a1 10 + p1 2; cat a2 3 + a4 0; dan c3 1 + a3 4; eve q2 2;
    # fay p2 1; hal p3 1; gus nothing (0); the deleted author's messages count for nobody
    # kudos: eve -> cat weight 2, bob -> dan 1; accepts: a1 (bob), a3 (dan)
    expected = pd.DataFrame(
        {
            "feedback": [5, 12, 3, 5, 2, 1, 0, 1],
            "kudos_received": [0, 0, 2, 1, 0, 0, 0, 0],
            "accepted_answers": [0, 1, 0, 1, 0, 0, 0, 0],
        },
        index=INDEX,
    ).astype("float64")
    pd.testing.assert_frame_equal(compute_explicit_feedback(toy_community), expected)


def test_feedback_is_nan_without_any_score(toy_community):
    messages = toy_messages().assign(score=np.nan)
    community = Community(
        messages=messages, interactions=toy_community.interactions, users=toy_community.users
    )
    assert compute_explicit_feedback(community)["feedback"].isna().all()


def _random_adjacency(seed: int) -> Adjacency:
    return build_adjacency(random_community(seed))


@pytest.mark.parametrize("seed", range(8))
def test_pagerank_matches_networkx(seed):
    adjacency = _random_adjacency(seed)
    graph = to_networkx(adjacency)
    assert any(graph.out_degree(n) == 0 for n in graph)  # dangling and isolated users
    assert any(graph.degree(n) == 0 for n in graph)
    expected = pd.Series(nx.pagerank(graph, alpha=0.85, tol=1e-12, weight="weight"))
    ours = pagerank(adjacency)
    expected = expected.reindex(ours.index.astype(str))
    assert np.abs(ours.to_numpy() - expected.to_numpy()).max() < 1e-6

    # same ranking, ties broken by user id
    def ranking(scores):
        frame = pd.DataFrame({"s": np.round(scores.to_numpy(), 9), "u": scores.index.astype(str)})
        return frame.sort_values(["s", "u"], ascending=[False, True])["u"].tolist()

    assert ranking(ours) == ranking(expected)
    assert ours.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(4))
def test_personalized_pagerank_matches_networkx(seed):
    adjacency = _random_adjacency(seed)
    rng = np.random.default_rng(seed)
    jump = pd.Series(rng.random(adjacency.n_users), index=adjacency.users.astype(str))
    ours = pagerank(adjacency, alpha=0.7, personalization=jump)
    expected = nx.pagerank(
        to_networkx(adjacency), alpha=0.7, personalization=jump.to_dict(), tol=1e-12
    )
    assert np.abs(ours.to_numpy() - pd.Series(expected)[ours.index.astype(str)]).max() < 1e-6
    by_array = pagerank(adjacency, alpha=0.7, personalization=jump.to_numpy())
    pd.testing.assert_series_equal(ours, by_array)


@pytest.mark.parametrize("seed", range(4))
def test_pagerank_matches_igraph(seed):
    ig = pytest.importorskip("igraph")
    adjacency = _random_adjacency(seed)
    coo = adjacency.matrix.tocoo()
    graph = ig.Graph(
        n=adjacency.n_users,
        edges=list(zip(coo.row.tolist(), coo.col.tolist(), strict=True)),
        directed=True,
    )
    expected = np.array(graph.pagerank(weights=coo.data.tolist(), damping=0.85))
    assert np.abs(pagerank(adjacency).to_numpy() - expected).max() < 1e-6
    reset = np.random.default_rng(seed).random(adjacency.n_users)
    expected = np.array(
        graph.personalized_pagerank(weights=coo.data.tolist(), damping=0.85, reset=reset.tolist())
    )
    got = pagerank(adjacency, personalization=reset).to_numpy()
    assert np.abs(got - expected).max() < 1e-6


def test_pagerank_raises_when_not_converged(toy_community):
    with pytest.raises(
        ConvergenceError, match=r"pagerank must converge within max_iter=1 iterations \(got"
    ):
        compute_reputation(toy_community, max_iter=1)


def test_pagerank_rejects_bad_arguments():
    adjacency = Adjacency(sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]])), ["a", "b"])
    with pytest.raises(ValueError, match=r"alpha must be between 0 and 1 \(got 1.5\)"):
        pagerank(adjacency, alpha=1.5)
    with pytest.raises(ValueError, match=r"personalization must have one value per user, 2"):
        pagerank(adjacency, personalization=np.ones(3))
    with pytest.raises(ValueError, match=r"personalization must be finite, non-negative"):
        pagerank(adjacency, personalization=np.zeros(2))
    with pytest.raises(ValueError, match=r"personalization must be indexed by known users"):
        pagerank(adjacency, personalization=pd.Series({"zed": 1.0}))


def test_pagerank_edge_cases():
    empty = Adjacency(sp.csr_array((0, 0)), pd.Index([], dtype="string"))
    assert pagerank(empty).empty
    # no edge at all: uniform; a single dangling pair: uniform too
    lonely = Adjacency(sp.csr_array((3, 3)), ["a", "b", "c"])
    np.testing.assert_allclose(pagerank(lonely).to_numpy(), [1 / 3] * 3)
