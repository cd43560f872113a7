"""PageRank, HITS and k-core: ``influence`` against python-igraph on the same graph.

``python benchmarks/bench_graph.py --users 200000 --edges 2000000`` draws a
seeded heavy-tailed weighted directed graph of exactly ``--edges`` distinct
pairs (sources and targets from Zipf laws, so a few users carry most edges;
integer weights 1 to 5; no self-loops), then times, in this one process and on the same graph:

* ``influence.metrics.pagerank`` against ``Graph.pagerank(weights=...)`` (PRPACK);
* ``influence.metrics.hits`` against ``Graph.hub_score``/``authority_score``
  (ARPACK), both rescaled to sum 1 (``--tol`` is passed to ours: the default
  1e-12 is what agreement within 1e-8 needs; the library default 1e-10 stops
  earlier, about 1e-7 away on this graph);
* ``influence.metrics.core_number`` against ``Graph.coreness()`` on the
  undirected simple graph;

best of ``--repeat`` runs each, and the largest absolute difference of the
results (k-core must be equal). Building igraph's graph is not timed, nor is
the CSR matrix ours starts from.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from influence.graph import Adjacency
from influence.metrics import core_number, hits, pagerank


def heavy_tailed_graph(users: int, edges: int, seed: int = 0) -> Adjacency:
    """A weighted directed graph whose in- and out-degrees follow Zipf-like laws."""
    rng = np.random.default_rng(seed)
    rank = np.arange(1, users + 1, dtype=np.float64)
    out_weights = 1.0 / rank**0.8
    in_weights = 1.0 / rank**1.0
    out_weights /= out_weights.sum()
    in_weights /= in_weights.sum()
    out_perm, in_perm = rng.permutation(users), rng.permutation(users)
    keys = np.empty(0, dtype=np.int64)
    while keys.size < edges:  # draw until there are enough distinct pairs
        size = 2 * (edges - keys.size) + 1000
        source = out_perm[rng.choice(users, size=size, p=out_weights)]
        target = in_perm[rng.choice(users, size=size, p=in_weights)]
        pair = source.astype(np.int64) * users + target
        keys = np.unique(np.concatenate([keys, pair[source != target]]))
    keys = np.sort(rng.choice(keys, size=edges, replace=False))
    weight = rng.integers(1, 6, size=edges).astype(np.float64)
    matrix = sp.csr_array((weight, (keys // users, keys % users)), shape=(users, users))
    matrix.sum_duplicates()
    index = pd.Index([f"u{n}" for n in range(users)], dtype="string")
    return Adjacency(matrix, index)


def best(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    import igraph

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tol", type=float, default=1e-12, help="tol of pagerank and hits (library default 1e-10)"
    )
    args = parser.parse_args()

    adjacency = heavy_tailed_graph(args.users, args.edges, args.seed)
    matrix = adjacency.matrix
    coo = matrix.tocoo()
    graph = igraph.Graph(
        n=args.users, edges=np.column_stack([coo.row, coo.col]).tolist(), directed=True
    )
    graph.es["weight"] = coo.data.tolist()
    undirected = graph.as_undirected(mode="collapse")
    undirected.simplify()
    rows = []

    ours_t, ours = best(lambda: pagerank(adjacency, tol=args.tol).to_numpy(), args.repeat)
    theirs_t, theirs = best(lambda: np.array(graph.pagerank(weights="weight")), args.repeat)
    rows.append(("pagerank", ours_t, theirs_t, float(np.abs(ours - theirs).max())))

    # igraph warns that many scores are 0 (users nobody addresses): expected here
    warnings.filterwarnings("ignore", message="More than 30% of hub or authority")
    ours_t, ours = best(lambda: hits(adjacency, tol=args.tol), args.repeat)

    def igraph_hits():
        hub = np.array(graph.hub_score(weights="weight", scale=False))
        authority = np.array(graph.authority_score(weights="weight", scale=False))
        return hub / hub.sum(), authority / authority.sum()

    theirs_t, (hub, authority) = best(igraph_hits, args.repeat)
    difference = max(
        np.abs(ours["hub"].to_numpy() - hub).max(),
        np.abs(ours["authority"].to_numpy() - authority).max(),
    )
    rows.append(("hits", ours_t, theirs_t, float(difference)))

    ours_t, ours = best(lambda: core_number(adjacency).to_numpy(), args.repeat)
    theirs_t, theirs = best(lambda: np.array(undirected.coreness(), dtype=float), args.repeat)
    rows.append(("k-core", ours_t, theirs_t, float(np.abs(ours - theirs).max())))

    def igraph_core_from_directed():  # what a user must do: collapse to a simple graph first
        simple = graph.as_undirected(mode="collapse")
        simple.simplify()
        return np.array(simple.coreness(), dtype=float)

    theirs_t, theirs = best(igraph_core_from_directed, args.repeat)
    rows.append(
        (
            "k-core (igraph incl. as_undirected)",
            ours_t,
            theirs_t,
            float(np.abs(ours - theirs).max()),
        )
    )

    print(
        f"graph: {args.users:,} users, {matrix.nnz:,} distinct weighted edges "
        f"({args.edges:,} drawn), igraph {igraph.__version__}\n"
    )
    print("| metric | influence (s) | igraph (s) | ratio | max abs difference |")
    print("|---|---|---|---|---|")
    for name, ours_t, theirs_t, diff in rows:
        print(f"| {name} | {ours_t:.3f} | {theirs_t:.3f} | {ours_t / theirs_t:.2f} | {diff:.2e} |")
    print(json.dumps({"users": args.users, "edges": int(matrix.nnz), "rows": rows}))


if __name__ == "__main__":
    main()
