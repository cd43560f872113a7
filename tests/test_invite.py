"""Whom to invite: edge probabilities, Monte Carlo reach, CELF against exhaustive search."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from influence.analysis import run_analysis
from influence.invite import (
    choose_invitees,
    estimate_probabilities,
    expected_reach,
    plan_invitations,
)


def edges(rows):
    return pd.DataFrame(rows, columns=["source", "target", "probability"])


def exact_reach(probabilities: pd.DataFrame, seeds) -> float:
    """Expected reach by enumerating every live-edge world (2**edges of them)."""
    rows = list(probabilities.itertuples(index=False))
    total = 0.0
    for live in itertools.product([False, True], repeat=len(rows)):
        weight = math.prod(r.probability if on else 1 - r.probability
                           for r, on in zip(rows, live, strict=True))  # fmt: skip
        graph = nx.DiGraph()
        graph.add_nodes_from(seeds)
        graph.add_edges_from((r.source, r.target) for r, on in zip(rows, live, strict=True) if on)
        reached = set(seeds).union(*(nx.descendants(graph, s) for s in seeds))
        total += weight * len(reached)
    return total


def test_probabilities_of_the_toy(toy_community):
    table = estimate_probabilities(toy_community).set_index(["source", "target"])
    # responses (reply, quote, share, accept, kudos) made by dan: c3 -> bob, r2 -> cat,
    # quote r2 -> cat, a3 -> eve, c7 -> ann: 5 in all, 2 of them to cat
    assert table.loc[("cat", "dan"), "responses"] == 2.0
    assert table.loc[("cat", "dan"), "probability"] == pytest.approx(2 / 5)
    assert table.loc[("ann", "dan"), "probability"] == pytest.approx(1 / 5)
    # mentions are not responses: ann mentioned cat in c6 but answered dan there
    assert ("cat", "ann") not in table.index
    into_dan = table.xs("dan", level="target")["probability"].sum()
    assert into_dan == pytest.approx(1.0)  # attention: the probabilities into dan sum to 1
    bernoulli = estimate_probabilities(toy_community, method="bernoulli")
    bernoulli = bernoulli.set_index(["source", "target"])
    # cat wrote a2 r1 r6 a4 (4 messages); dan responded to cat twice -> 2 / 4
    assert bernoulli.loc[("cat", "dan"), "probability"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="method must be 'attention' or 'bernoulli'"):
        estimate_probabilities(toy_community, method="magic")


def test_edge_list_without_messages_uses_attention():
    from conftest import random_community

    table = estimate_probabilities(random_community(3, n=20))
    sums = table.groupby("target")["probability"].sum()
    np.testing.assert_allclose(sums, 1.0)


def test_monte_carlo_matches_the_exact_expectation():
    # a -> b -> c, a -> c, c -> d: exact expectation by enumerating the 16 worlds
    graph = edges([("a", "b", 0.5), ("b", "c", 0.4), ("a", "c", 0.3), ("c", "d", 0.9)])
    exact = exact_reach(graph, ["a"])
    # by hand: P(c) = 1 - (1 - 0.3)(1 - 0.5*0.4) = 0.44; 1 + 0.5 + 0.44 + 0.9*0.44
    assert exact == pytest.approx(1 + 0.5 + 0.44 + 0.396)
    result = expected_reach(graph, ["a"], runs=20000, seed=5)
    assert result["ci_low"] <= exact <= result["ci_high"]
    assert abs(result["expected_reach"] - exact) < 4 * result["std"] / math.sqrt(20000)
    assert result["runs"] == 20000
    # same seed, same worlds, same answer; unknown seeds reach themselves only
    assert expected_reach(graph, ["a"], runs=500, seed=1) == expected_reach(
        graph, ["a"], runs=500, seed=1
    )
    assert expected_reach(graph, ["zed"], runs=10)["expected_reach"] == 1.0
    assert expected_reach(graph, ["a", "zed"], runs=10, seed=2)["expected_reach"] >= 2.0


def random_graph(seed: int, n: int = 8, p: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    rows = [(f"v{u}", f"v{v}", float(rng.choice([0.1, 0.3, 0.6, 1.0]))) for u, v in graph.edges]
    return edges(rows)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_celf_chooses_what_plain_greedy_chooses(seed):
    graph = random_graph(seed, n=14, p=0.2)
    lazy = choose_invitees(graph, 4, runs=64, seed=seed)
    plain = choose_invitees(graph, 4, runs=64, seed=seed, lazy=False)
    pd.testing.assert_frame_equal(lazy, plain)
    assert lazy.attrs["evaluations"] <= plain.attrs["evaluations"]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_celf_against_exhaustive_search(seed, k):
    graph = random_graph(seed)
    runs = 64
    chosen = choose_invitees(graph, k, runs=runs, seed=seed)
    # the reported reach is the reach of the set on the same worlds
    value = expected_reach(graph, chosen["user_id"], runs=runs, seed=seed)["expected_reach"]
    assert chosen["expected_reach"].iloc[-1] == pytest.approx(value)
    nodes = sorted(set(graph["source"]) | set(graph["target"]))
    best = max(
        expected_reach(graph, subset, runs=runs, seed=seed)["expected_reach"]
        for subset in itertools.combinations(nodes, k)
    )
    assert value >= (1 - 1 / math.e) * best - 1e-9  # the greedy guarantee
    if k == 1:
        assert value == pytest.approx(best)  # one seed: greedy is exhaustive


def test_celf_finds_the_optimum_where_the_top_hub_is_a_trap():
    # hub h reaches x1..x4 (5 with itself); p reaches x1..x3 + y (5), q reaches z1..z4 (5):
    # with k = 2 the best pair is {h, q} (10) or {p, q}; h then p would give only 6 + ...
    graph = edges(
        [("h", f"x{i}", 1.0) for i in range(1, 5)]
        + [("p", f"x{i}", 1.0) for i in range(1, 4)]
        + [("p", "y", 1.0)]
        + [("q", f"z{i}", 1.0) for i in range(1, 5)]
    )
    chosen = choose_invitees(graph, 2, runs=4)
    assert chosen["user_id"].tolist() == ["h", "q"]  # ties: smaller id first
    assert chosen["marginal_reach"].tolist() == [5.0, 5.0]
    nodes = sorted(set(graph["source"]) | set(graph["target"]))
    best = max(exact_reach(graph, pair) for pair in itertools.combinations(nodes, 2))
    assert chosen["expected_reach"].iloc[-1] == best == 10.0


def test_fewer_candidates_than_k_and_the_candidate_pool():
    graph = edges([("a", "b", 1.0), ("c", "d", 0.5)])
    chosen = choose_invitees(graph, 5, runs=8)
    assert chosen["user_id"].tolist() == ["a", "c"]  # b and d reach nobody
    pooled = choose_invitees(graph, 5, runs=8, candidates=1)
    assert pooled["user_id"].tolist() == ["a"]  # best direct reach: 1.0 against 0.5
    assert choose_invitees(graph, 0, runs=8).empty


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: choose_invitees(g, -1), r"k must be at least 0 \(got -1\)"),
        (lambda g: choose_invitees(g, 1, runs=1), r"runs must be at least 2"),
        (lambda g: expected_reach(g.assign(probability=1.5), ["a"]), "probabilities must be in"),
        (lambda g: expected_reach(g.drop(columns="probability"), ["a"]), "missing 'probability'"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(edges([("a", "b", 1.0)]))


def test_plan_invitations_on_the_toy(toy_community):
    analysis = run_analysis(toy_community)
    plan = plan_invitations(analysis, 2, runs=300, seed=11)
    assert plan.invitees["rank"].tolist() == [1, 2]
    assert list(plan.invitees.columns) == [
        "rank",
        "user_id",
        "display_name",
        "segment",
        "influence_score",
        "marginal_reach",
        "expected_reach",
    ]
    comparison = plan.comparison
    assert list(comparison.index) == ["celf", "influence_score", "degree"]
    assert (comparison["ci_low"] <= comparison["expected_reach"]).all()
    assert (comparison["expected_reach"] <= comparison["ci_high"]).all()
    assert comparison.loc["celf", "shared_with_celf"] == 2
    # degree: bob, cat and dan each interacted with 4 people; ties by id -> bob, cat
    assert comparison.loc["degree", "members"] == "bob, cat"
    again = plan_invitations(analysis, 2, runs=300, seed=11)
    pd.testing.assert_frame_equal(plan.comparison, again.comparison)
    assert plan.parameters["evaluations"] >= 2 and plan.parameters["seed"] == 11


def test_superfans_invite_command(tmp_path):
    from click.testing import CliRunner

    from influence.cli import main

    args = ["superfans", "datasets/stackexchange-conlang-meta-2020", "--invite", "3"]
    args += ["--runs", "20", "--seed", "4", "--no-progress"]
    first = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a.csv")])
    assert first.exit_code == 0, first.output
    assert "Expected reach of 3 invitations (20 runs, seed 4, 95% CI):" in first.stderr
    assert "top by degree" in first.stderr
    again = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b.csv")])
    a, b = (tmp_path / "a.csv").read_text(), (tmp_path / "b.csv").read_text()
    assert a == b  # the seed makes it reproducible
    assert a.splitlines()[0] == (
        "rank,user_id,display_name,segment,influence_score,marginal_reach,expected_reach"
    )
    assert len(a.splitlines()) == 4 and again.stderr == first.stderr
    bad = CliRunner().invoke(main, [*args[:-5], "--runs", "1"])
    assert bad.exit_code == 2 and "--runs" in bad.output
