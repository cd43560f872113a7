"""Whom to invite first: the members whose activity would reach the most people.

The community's response history gives, for every pair of members, how likely
one is to respond to the other (:func:`estimate_probabilities`). Under the
independent cascade model (Kempe, Kleinberg and Tardos 2003) a member's
contribution reaches each follower with that probability, and each follower
reached passes it on in turn. :func:`choose_invitees` picks the ``k`` members
whose cascades together reach the most people, with the CELF lazy greedy
algorithm (Leskovec et al. 2007); :func:`plan_invitations` compares that choice
with the top ``k`` by influence score and by degree, with confidence intervals.

Monte Carlo, vectorised: ``runs`` live-edge worlds (each edge kept with its
probability, from a seeded ``numpy.random.default_rng``) are stacked into one
sparse block graph of ``runs * n`` nodes; the people a seed reaches in every
world at once is a breadth-first search over that graph, one numpy gather per
level.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from influence.community import Community

__all__ = [
    "RESPONSE_KINDS",
    "InvitationPlan",
    "choose_invitees",
    "estimate_probabilities",
    "expected_reach",
    "plan_invitations",
]

#: Interaction kinds that are a response to someone's contribution.
RESPONSE_KINDS = ("reply", "quote", "share", "accept", "kudos")

#: z of the two-sided 95% normal confidence interval.
_Z95 = 1.959963984540054
#: Live-edge draws per chunk (bounds the memory of one ``rng.random`` call).
_CHUNK_DRAWS = 1 << 22


def estimate_probabilities(
    community: Community,
    *,
    kinds: Sequence[str] = RESPONSE_KINDS,
    method: str = "attention",
) -> pd.DataFrame:
    """Edge probabilities of the independent cascade, from who responded to whom.

    Parameters
    ----------
    community : Community
    kinds : sequence of str, default :data:`RESPONSE_KINDS`
        The interaction kinds that count as a response (mentions are not: being
        named is not responding).
    method : {"attention", "bernoulli"}, default "attention"
        How a count of responses becomes a probability (Notes).

    Returns
    -------
    DataFrame
        One row per influence edge, sorted by ``source`` then ``target``:
        ``source`` (the member responded to), ``target`` (the member who
        responded), ``responses`` (float: how many times), ``opportunities``
        (the denominator below) and ``probability`` (in (0, 1]).

    Notes
    -----
    With :math:`A_{v \\to u}` the responses of ``v`` to ``u``:

    * ``"attention"`` (default; the weighted cascade of Kempe et al. 2003 with
      counts): the share of ``v``'s responses that went to ``u``,
      :math:`p_{u,v} = A_{v \\to u} / \\sum_w A_{v \\to w}`. The
      probabilities into ``v`` sum to 1: whom ``v`` listens to.
    * ``"bernoulli"`` (Goyal, Bonchi and Lakshmanan 2010): the share of ``u``'s
      messages ``v`` responded to, :math:`p_{u,v} = \\min(1, A_{v \\to u} / A_u)`
      with :math:`A_u` the messages ``u`` wrote (the attention denominator
      when ``u`` wrote none, as in an edge list). Noisy for members with one or
      two messages: a single question with many answers gives probability 1
      to every answerer.

    Examples
    --------
    ann wrote 4 messages; bob responded to 2 of them and cy to 1; bob also
    responded to cy once:

    >>> from influence.sources.table import parse_table
    >>> msgs = pd.DataFrame({"message_id": list("12345678"),
    ...     "author_id": ["ann", "ann", "ann", "ann", "bob", "bob", "cy", "bob"],
    ...     "parent_id": [None, None, None, None, "1", "2", "3", "7"],
    ...     "created_at": pd.date_range("2024-01-01", periods=8, freq="h")})
    >>> estimate_probabilities(parse_table(msgs))
      source target  responses  opportunities  probability
    0    ann    bob        2.0            3.0     0.666667
    1    ann     cy        1.0            1.0     1.000000
    2     cy    bob        1.0            3.0     0.333333
    >>> estimate_probabilities(parse_table(msgs), method="bernoulli")["probability"].tolist()
    [0.5, 0.25, 1.0]
    """
    interactions = community.interactions
    chosen = interactions.loc[interactions["kind"].astype(str).isin(list(kinds)).to_numpy(bool)]
    pairs = pd.DataFrame(
        {
            "source": chosen["target"].astype(str).to_numpy(),
            "target": chosen["source"].astype(str).to_numpy(),
        }
    )
    pairs = pairs.loc[pairs["source"] != pairs["target"]]
    edges = pairs.groupby(["source", "target"], sort=True).size().rename("responses")
    edges = edges.astype(np.float64).reset_index()
    if method not in ("attention", "bernoulli"):
        raise ValueError(f"method must be 'attention' or 'bernoulli' (got {method!r})")
    made = edges.groupby("target")["responses"].sum()
    attention = made.reindex(edges["target"]).to_numpy(np.float64)
    if method == "bernoulli":
        written = community.messages["author_id"].dropna().astype(str).value_counts()
        messages = written.reindex(edges["source"]).fillna(0.0).to_numpy(np.float64)
        edges["opportunities"] = np.where(messages > 0, messages, attention)
    else:
        edges["opportunities"] = attention
    edges["probability"] = np.minimum(1.0, edges["responses"] / edges["opportunities"])
    edges["source"] = edges["source"].astype("string")
    edges["target"] = edges["target"].astype("string")
    return edges


def _neighbours(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Concatenated CSR rows ``rows`` (the out-neighbours of those nodes)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    total = int(counts.sum())
    if not total:
        return np.empty(0, dtype=indices.dtype)
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return indices[np.arange(total, dtype=np.int64) + shift]


class _Worlds:
    """``runs`` live-edge worlds of the cascade as one block graph; seeds spread in all."""

    def __init__(
        self,
        n: int,
        source: np.ndarray,
        target: np.ndarray,
        probability: np.ndarray,
        runs: int,
        rng: np.random.Generator,
    ) -> None:
        self.n, self.runs = n, runs
        self.offsets = np.arange(runs, dtype=np.int64) * n
        edges = max(len(source), 1)
        chunk = max(1, _CHUNK_DRAWS // edges)
        sources, targets = [], []
        for first in range(0, runs, chunk):  # a few chunks, each drawn at once
            count = min(chunk, runs - first)
            live = rng.random((count, len(source))) < probability
            world, edge = np.nonzero(live)
            base = (first + world).astype(np.int64) * n
            sources.append(base + source[edge])
            targets.append(base + target[edge])
        global_source = np.concatenate(sources) if sources else np.empty(0, np.int64)
        self.indices = np.concatenate(targets) if targets else np.empty(0, np.int64)
        # edges are sorted by source and worlds come in order: sources are sorted
        counts = np.bincount(global_source, minlength=runs * n)
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.covered = np.zeros(runs * n, dtype=bool)
        self._seen = np.zeros(runs * n, dtype=bool)

    def _reach(self, node: int) -> np.ndarray:
        """Nodes newly reached from ``node`` in every world (stopping at covered ones)."""
        frontier = node + self.offsets
        frontier = frontier[~self.covered[frontier]]
        seen = self._seen
        seen[frontier] = True
        found = [frontier]
        while frontier.size:  # one level of the search per pass, all worlds at once
            step = _neighbours(self.indptr, self.indices, frontier)
            step = step[~(seen[step] | self.covered[step])]
            frontier = np.unique(step)
            seen[frontier] = True
            found.append(frontier)
        reached = np.concatenate(found)
        seen[reached] = False
        return reached

    def gain(self, node: int) -> np.ndarray:
        """People ``node`` would newly reach, per world (int64, length ``runs``)."""
        return np.bincount(self._reach(node) // self.n, minlength=self.runs)

    def add(self, node: int) -> np.ndarray:
        """Make ``node`` a seed; return the people it newly reached, per world."""
        reached = self._reach(node)
        self.covered[reached] = True
        return np.bincount(reached // self.n, minlength=self.runs)

    def reset(self) -> None:
        self.covered[:] = False


@dataclass(frozen=True)
class _Graph:
    users: pd.Index  # node order: user ids, sorted
    source: np.ndarray
    target: np.ndarray
    probability: np.ndarray

    @classmethod
    def from_probabilities(cls, probabilities: pd.DataFrame) -> _Graph:
        for column in ("source", "target", "probability"):
            if column not in probabilities.columns:
                raise ValueError(
                    f"probabilities must have the columns source, target and probability "
                    f"(missing {column!r})"
                )
        p = probabilities["probability"].to_numpy(np.float64)
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueError(
                f"probabilities must be in [0, 1] (got {p[~((p >= 0) & (p <= 1))][0]})"
            )
        source = probabilities["source"].astype(str).to_numpy()
        target = probabilities["target"].astype(str).to_numpy()
        users = pd.Index(np.unique(np.concatenate([source, target])), dtype=object)
        s = users.get_indexer(source).astype(np.int64)
        t = users.get_indexer(target).astype(np.int64)
        order = np.lexsort((t, s))
        return cls(users, s[order], t[order], p[order])

    def worlds(self, runs: int, rng: np.random.Generator) -> _Worlds:
        return _Worlds(len(self.users), self.source, self.target, self.probability, runs, rng)


def _check_runs(runs: int) -> None:
    if int(runs) < 2:
        raise ValueError(f"runs must be at least 2 for a confidence interval (got {runs})")


def _summary(per_world: np.ndarray) -> dict:
    runs = per_world.size
    mean = float(per_world.mean())
    sd = float(per_world.std(ddof=1)) if runs > 1 else 0.0
    half = _Z95 * sd / math.sqrt(runs)
    return {
        "expected_reach": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "std": sd,
        "runs": int(runs),
    }


def _spread(graph: _Graph, worlds: _Worlds, seeds: Iterable[str]) -> np.ndarray:
    """People reached by ``seeds`` in each world (seeds included)."""
    worlds.reset()
    total = np.zeros(worlds.runs, dtype=np.int64)
    for user in dict.fromkeys(str(s) for s in seeds):  # k seeds
        position = graph.users.get_indexer([user])[0]
        total += worlds.add(int(position)) if position >= 0 else 1
    worlds.reset()
    return total


def expected_reach(
    probabilities: pd.DataFrame, seeds: Iterable[str], *, runs: int = 200, seed: int = 0
) -> dict:
    """Expected number of people an invitation of ``seeds`` reaches, with a 95% CI.

    Parameters
    ----------
    probabilities : DataFrame
        ``source``, ``target``, ``probability`` (:func:`estimate_probabilities`).
    seeds : iterable of str
        The members invited (unknown ones reach only themselves).
    runs : int, default 200
        Monte Carlo worlds.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: the same seed gives the same worlds
        (and the worlds of :func:`choose_invitees` with that seed).

    Returns
    -------
    dict
        ``expected_reach`` (mean over worlds of the people reached, seeds
        included), ``ci_low``, ``ci_high`` (mean +- 1.96 standard errors),
        ``std`` (over worlds) and ``runs``.

    Raises
    ------
    ValueError
        When ``runs`` is below 2 or a probability is outside [0, 1].

    Examples
    --------
    A chain ann -> bob -> cy with certain edges reaches everyone; with
    probability 1/2 per edge, :math:`1 + 1/2 + 1/4 = 1.75` people on average:

    >>> chain = pd.DataFrame({"source": ["ann", "bob"], "target": ["bob", "cy"],
    ...                       "probability": [1.0, 1.0]})
    >>> expected_reach(chain, ["ann"], runs=10)["expected_reach"]
    3.0
    >>> half = chain.assign(probability=0.5)
    >>> round(expected_reach(half, ["ann"], runs=20000, seed=1)["expected_reach"], 1)
    1.8
    """
    _check_runs(runs)
    graph = _Graph.from_probabilities(probabilities)
    worlds = graph.worlds(int(runs), np.random.default_rng(seed))
    return _summary(_spread(graph, worlds, seeds))


def _candidates(graph: _Graph, limit: int | None) -> np.ndarray:
    """Nodes that can reach someone, best direct reach first, at most ``limit``."""
    direct = np.bincount(graph.source, weights=graph.probability, minlength=len(graph.users))
    nodes = np.flatnonzero(direct > 0)
    if limit is not None and nodes.size > limit:
        order = np.lexsort((nodes, -direct[nodes]))  # ties: user id order
        nodes = np.sort(nodes[order[:limit]])
    return nodes


def choose_invitees(
    probabilities: pd.DataFrame,
    k: int,
    *,
    runs: int = 200,
    seed: int = 0,
    candidates: int | None = 1000,
    lazy: bool = True,
) -> pd.DataFrame:
    """The ``k`` members whose cascades together reach the most people (CELF).

    Parameters
    ----------
    probabilities : DataFrame
        ``source``, ``target``, ``probability`` (:func:`estimate_probabilities`).
    k : int
        How many members to invite.
    runs : int, default 200
        Monte Carlo worlds the choice is made on.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the worlds.
    candidates : int or None, default 1000
        Consider only this many members, those with the highest expected direct
        reach (sum of their out-probabilities); None: everyone who can reach
        someone.
    lazy : bool, default True
        CELF lazy evaluation; False recomputes every gain at every step (plain
        greedy, for checking: both choose the same members).

    Returns
    -------
    DataFrame
        One row per member chosen, in the order chosen: ``rank`` (1 = first),
        ``user_id``, ``marginal_reach`` (people the member adds to the ones
        before, on average over the worlds) and ``expected_reach`` (of the
        first ``rank`` members together). Fewer than ``k`` rows when fewer
        members can reach anyone. ``attrs["evaluations"]`` counts the spread
        evaluations made.

    Raises
    ------
    ValueError
        When ``k`` is negative, ``runs`` below 2, or a probability outside [0, 1].

    Notes
    -----
    The expected reach :math:`\\sigma(S)` of a seed set is monotone and
    submodular under the independent cascade, so greedy choice (add the member
    with the largest marginal gain :math:`\\sigma(S \\cup \\{v\\}) - \\sigma(S)`)
    reaches at least :math:`1 - 1/e \\approx 63\\%` of the best possible
    (Kempe et al. 2003). CELF keeps each member's last computed gain in a
    priority queue: by submodularity a gain only shrinks, so a member whose
    recomputed gain is still the largest is chosen without recomputing the others
    (Leskovec et al. 2007, often 700 times fewer evaluations). Ties go to the
    smaller user id. Reach counts the seeds themselves.

    References
    ----------
    D. Kempe, J. Kleinberg and E. Tardos, "Maximizing the spread of influence
    through a social network", KDD 2003.
    J. Leskovec, A. Krause, C. Guestrin, C. Faloutsos, J. VanBriesen and
    N. Glance, "Cost-effective outbreak detection in networks", KDD 2007.

    Examples
    --------
    Two stars: ann reaches 3 people for sure, bob 2, cy 1 (inside ann's star):

    >>> edges = pd.DataFrame({"source": ["ann", "ann", "ann", "bob", "bob", "cy"],
    ...     "target": ["a1", "a2", "cy", "b1", "b2", "a1"], "probability": 1.0})
    >>> choose_invitees(edges, 2, runs=4)
       rank user_id  marginal_reach  expected_reach
    0     1     ann             4.0             4.0
    1     2     bob             3.0             7.0
    """
    if int(k) < 0:
        raise ValueError(f"k must be at least 0 (got {k})")
    _check_runs(runs)
    graph = _Graph.from_probabilities(probabilities)
    worlds = graph.worlds(int(runs), np.random.default_rng(seed))
    pool = _candidates(graph, candidates)
    chosen: list[int] = []
    gains: list[float] = []
    evaluations = 0
    if lazy:
        heap = []
        for node in pool:  # the first round evaluates every candidate once
            heap.append((-float(worlds.gain(int(node)).mean()), int(node), 0))
        evaluations += len(heap)
        heapq.heapify(heap)
        while heap and len(chosen) < k:
            negative, node, stamp = heapq.heappop(heap)
            if stamp == len(chosen):
                worlds.add(node)
                chosen.append(node)
                gains.append(-negative)
            else:
                evaluations += 1
                heapq.heappush(heap, (-float(worlds.gain(node).mean()), node, len(chosen)))
    else:
        remaining = [int(n) for n in pool]
        while remaining and len(chosen) < k:
            values = [float(worlds.gain(node).mean()) for node in remaining]
            evaluations += len(values)
            best = int(np.argmax(values))  # first maximum: the smaller node
            node = remaining.pop(best)
            worlds.add(node)
            chosen.append(node)
            gains.append(values[best])
    out = pd.DataFrame(
        {
            "rank": np.arange(1, len(chosen) + 1, dtype=np.int64),
            "user_id": pd.array([graph.users[n] for n in chosen], dtype="string"),
            "marginal_reach": np.asarray(gains, dtype=np.float64),
        }
    )
    out["expected_reach"] = out["marginal_reach"].cumsum()
    out.attrs["evaluations"] = evaluations
    out.attrs["runs"] = int(runs)
    out.attrs["seed"] = seed
    return out


@dataclass(frozen=True)
class InvitationPlan:
    """Whom to invite first, and how that compares with simpler choices.

    Attributes
    ----------
    invitees : DataFrame
        The members chosen by CELF, in order: ``rank``, ``user_id``,
        ``display_name``, ``segment``, ``influence_score``, ``marginal_reach``,
        ``expected_reach`` (of the first ``rank`` members, on the worlds of the
        choice).
    comparison : DataFrame
        Indexed by ``strategy`` (``celf``, ``influence_score``, ``degree``):
        ``expected_reach``, ``ci_low``, ``ci_high``, ``std``, ``runs``,
        ``members`` (comma-separated ids) and ``shared_with_celf``, measured on
        fresh worlds independent of those the choice was made on.
    probabilities : DataFrame
        The edge probabilities used (:func:`estimate_probabilities`).
    parameters : dict
        ``k``, ``runs``, ``seed``, ``candidates``, ``evaluations``.
    """

    invitees: pd.DataFrame
    comparison: pd.DataFrame
    probabilities: pd.DataFrame
    parameters: dict


def _degree(community: Community) -> pd.Series:
    """Distinct people each member interacted with, either way."""
    pairs = community.interactions[["source", "target"]].astype(str)
    both = pd.concat(
        [pairs, pairs.rename(columns={"source": "target", "target": "source"})], ignore_index=True
    ).drop_duplicates()
    both = both.loc[both["source"] != both["target"]]
    return both.groupby("source").size().astype(np.float64)


def _top(values: pd.Series, k: int) -> list[str]:
    frame = pd.DataFrame({"user_id": values.index.astype(str), "value": values.to_numpy()})
    frame = frame.loc[frame["value"].notna()]
    frame = frame.sort_values(["value", "user_id"], ascending=[False, True], kind="stable")
    return frame["user_id"].head(k).tolist()


def plan_invitations(
    analysis,
    k: int,
    *,
    runs: int = 200,
    seed: int = 0,
    candidates: int | None = 1000,
    kinds: Sequence[str] = RESPONSE_KINDS,
    method: str = "attention",
) -> InvitationPlan:
    """Choose ``k`` members to invite with CELF and compare with simpler choices.

    Parameters
    ----------
    analysis : Analysis
        From :func:`influence.run_analysis` (its community and users table).
    k : int
        How many members to invite.
    runs, seed, candidates
        As for :func:`choose_invitees`; the comparison uses ``runs`` fresh worlds
        from ``numpy.random.default_rng([seed, 1])``, so that the CELF set is
        not judged on the worlds it was fitted to.
    kinds, method
        Interaction kinds counted as responses and how counts become
        probabilities (:func:`estimate_probabilities`).

    Returns
    -------
    InvitationPlan

    Examples
    --------
    >>> import influence
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> analysis = influence.run_analysis(community)
    >>> plan = plan_invitations(analysis, 3, runs=50, seed=7)
    >>> plan.invitees["rank"].tolist(), list(plan.comparison.index)
    ([1, 2, 3], ['celf', 'influence_score', 'degree'])
    """
    community = analysis.community
    probabilities = estimate_probabilities(community, kinds=kinds, method=method)
    chosen = choose_invitees(probabilities, k, runs=runs, seed=seed, candidates=candidates)
    users = analysis.users
    invitees = chosen.copy()
    ids = invitees["user_id"].astype(str).tolist()
    lookup = users.reindex(pd.Index(ids, dtype=users.index.dtype))
    invitees.insert(2, "display_name", lookup["display_name"].astype("string").to_numpy())
    invitees.insert(3, "segment", lookup["segment"].astype("string").to_numpy())
    invitees.insert(4, "influence_score", lookup["influence_score"].to_numpy(np.float64))
    strategies = {
        "celf": ids,
        "influence_score": _top(users["influence_score"], k),
        "degree": _top(_degree(community), k),
    }
    graph = _Graph.from_probabilities(probabilities)
    worlds = graph.worlds(int(runs), np.random.default_rng([seed, 1]))
    rows = []
    for members in strategies.values():  # three strategies
        stats = _summary(_spread(graph, worlds, members))
        stats["members"] = ", ".join(members)
        stats["shared_with_celf"] = len(set(members) & set(ids))
        rows.append(stats)
    comparison = pd.DataFrame(rows, index=pd.Index(list(strategies), name="strategy"))
    return InvitationPlan(
        invitees=invitees,
        comparison=comparison,
        probabilities=probabilities,
        parameters={
            "k": int(k),
            "runs": int(runs),
            "seed": seed,
            "candidates": candidates,
            "evaluations": chosen.attrs["evaluations"],
            "kinds": list(kinds),
            "method": method,
        },
    )
