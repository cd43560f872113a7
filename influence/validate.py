"""Validate the rankings against what a community itself recognises.

Stack Exchange publishes each user's reputation and each post's votes: ground
truth for "listened to" that ``influence`` must agree with *without having seen
it*. :func:`strip_ground_truth` removes from a community every signal the
ground truth is derived from; :func:`validate` scores the stripped community and
compares each axis, each listened-to metric and a set of simple baselines with
the ground truth (Spearman, Kendall, precision@k).

What is compared
----------------
Users
    the *active* users of the stripped community (at least one message) that
    have a ground-truth value. Active users at the floor of the ground truth
    (reputation 1) are included; users who never contributed are not (they all
    score nothing, and including them would reward telling active from
    inactive rather than ranking the active).
Scores (``group`` column of the table)
    ``axis``: ``listened_to_score``, ``talkative_score``, ``influence_score``;
    ``metric``: each listened-to metric alone; ``baseline``: post count
    (messages authored), in-degree and out-degree (distinct users who acted on
    the user, or that the user acted on, any interaction kind), plain PageRank
    on the interaction graph (our :func:`~influence.metrics.pagerank`,
    interactions in their own direction), networkx PageRank
    (``nx.pagerank(community.to_networkx())``), z-score and accepted answers;
    ``variant``: ``listened_to_score`` recomputed with every interaction
    crediting its target (no ExpertiseRank flip), to show the effect of the
    credit direction (:data:`influence.graph.CREDIT_DIRECTION`);
    ``ceiling``: against ``reputation``, when the unstripped messages carry
    scores, Stack Exchange's own recipe computed from the votes
    (:func:`vote_recipe`). It *sees the ground truth's inputs* and is not a
    contender: it says how much of the reputation the activity in the dump
    explains at all (the rest was earned elsewhere: association bonus, a meta
    site's parent), a ceiling no vote-free score can be expected to pass.
Measures
    Spearman's rho and Kendall's tau-b (:mod:`scipy.stats`), a missing score
    ranking lowest; precision@k = ``|top k by score & top k by ground truth| / k``,
    both tops ranked by value descending, ties broken by ``user_id`` ascending.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from influence.analysis import run_analysis
from influence.classify import (
    LISTENED_TO_WEIGHTS,
    ClassifyOptions,
    classify_users,
    log_standard_scores,
)
from influence.community import Community
from influence.errors import EmptyCommunityError, SchemaError
from influence.graph import build_adjacency
from influence.metrics import compute_metrics, pagerank

__all__ = [
    "AGAINST",
    "GROUND_TRUTH_INTERACTION_KINDS",
    "GROUND_TRUTH_USER_COLUMNS",
    "ValidationResult",
    "agreement",
    "calibrate_weights",
    "ground_truth",
    "precision_at_k",
    "strip_ground_truth",
    "validate",
    "vote_recipe",
]

#: Ground truths :func:`validate` knows.
AGAINST = ("reputation", "score")

#: User columns derived from votes, badges or attention (removed by :func:`strip_ground_truth`).
#: ``site_reputation`` / ``reputation`` are the ground truth itself; ``up_votes`` and
#: ``down_votes`` are the votes a user cast; ``views`` counts profile views (attention
#: that grows with reputation); badge counts are awarded largely for votes.
GROUND_TRUTH_USER_COLUMNS = (
    "site_reputation",
    "reputation",
    "up_votes",
    "down_votes",
    "views",
    "badges",
    "gold_badges",
    "silver_badges",
    "bronze_badges",
)

#: Interaction kinds that are votes (Stack Exchange ``Votes.xml`` rows with a voter;
#: likes and kudos elsewhere): removed by :func:`strip_ground_truth`.
GROUND_TRUTH_INTERACTION_KINDS = ("kudos",)

_GROUND_TRUTH_LABEL = {
    "reputation": "reputation published by the platform (Stack Exchange: Users.xml Reputation)",
    "score": "sum of the scores (votes) of the user's messages",
}

_LISTENED_METRICS = (
    "reputation",
    "in_reach",
    "accepted_answers",
    "answered_back",
    "propagation_speed",
    "self_proclamation",
)


def strip_ground_truth(community: Community, *, against: str = "reputation") -> Community:
    """Return the community without any signal the ground truth is derived from.

    Parameters
    ----------
    community : Community
    against : {"reputation", "score"}
        The ground truth to be validated against. Both are derived from votes,
        so the same signals are removed for both; the argument is checked so
        that a typo fails here rather than later.

    Returns
    -------
    Community
        A new community (the input is not modified) in which

        * ``messages["score"]`` is missing on every row (the column stays, it
          is canonical);
        * interactions of the kinds :data:`GROUND_TRUTH_INTERACTION_KINDS`
          (votes: Stack Exchange ``Votes.xml`` favourites and bounties) are
          removed;
        * users lose the columns :data:`GROUND_TRUTH_USER_COLUMNS` they have.

        Every other row and column is unchanged; ``read_stats`` gets a note.

    Raises
    ------
    ValueError
        When ``against`` is not one of :data:`AGAINST`.

    Notes
    -----
    Kept on purpose: accepted answers (``Posts.xml`` ``AcceptedAnswerId``: the
    asker's choice, not a vote count; the issue's own baseline) and the time
    of an accept (taken from the AcceptedByOriginator vote when ``Votes.xml``
    has it). Accept times move nothing in a whole-dump validation (no metric
    reads interaction times); with ``since``/``until`` they decide only
    whether an accept falls inside the window.

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a"], "author_id": ["ann", "bob"],
    ...     "thread_id": "q", "parent_id": [None, "q"], "kind": ["question", "answer"],
    ...     "score": [3.0, 7.0], "text_length": 1,
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 2, utc=True)})
    >>> users = pd.DataFrame({"user_id": ["ann", "bob"], "display_name": ["Ann", "Bob"],
    ...     "created_at": pd.to_datetime([None, None], utc=True),
    ...     "site_reputation": [31.0, 71.0]})
    >>> community = assemble(msgs, users=users, stats=ReadStats(), platform="t", name="t")
    >>> stripped = strip_ground_truth(community)
    >>> stripped.messages["score"].isna().all(), "site_reputation" in stripped.users
    (np.True_, False)
    >>> sorted(community.messages["score"].tolist())      # the input is untouched
    [3.0, 7.0]
    """
    _check_against(against)
    messages = community.messages.copy()
    messages["score"] = np.nan
    kinds = community.interactions["kind"].astype(str)
    interactions = community.interactions.loc[
        ~kinds.isin(GROUND_TRUTH_INTERACTION_KINDS).to_numpy()
    ].copy()
    users = community.users.drop(
        columns=[c for c in GROUND_TRUTH_USER_COLUMNS if c in community.users.columns]
    )
    read_stats = type(community.read_stats)()
    read_stats.merge(community.read_stats)
    read_stats.note(
        "validation: message scores, vote interactions and vote-, badge- and "
        "view-derived user columns removed before scoring"
    )
    return replace(
        community,
        messages=messages,
        interactions=interactions,
        users=users,
        read_stats=read_stats,
    )


def ground_truth(community: Community, *, against: str = "reputation") -> pd.Series:
    """The ground truth per user, from the *unstripped* community.

    Parameters
    ----------
    community : Community
    against : {"reputation", "score"}
        ``"reputation"``: the users' ``site_reputation`` column (or
        ``reputation``); ``"score"``: the summed ``score`` of each user's
        messages (0 for a user whose messages have no score).

    Returns
    -------
    Series
        float64 indexed by ``community.user_ids``, named ``"ground_truth"``;
        NaN where the platform gives no value for a user.

    Raises
    ------
    SchemaError
        When the community has no such ground truth (no reputation column,
        no score at all).

    Examples
    --------
    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> msgs = pd.DataFrame({"message_id": ["q", "a", "b"], "author_id": ["ann", "bob", "bob"],
    ...     "thread_id": "q", "parent_id": [None, "q", "q"], "text_length": 1,
    ...     "kind": ["question", "answer", "answer"], "score": [3.0, 7.0, None],
    ...     "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True)})
    >>> community = assemble(msgs, stats=ReadStats(), platform="t", name="t")
    >>> ground_truth(community, against="score").to_dict()
    {'ann': 3.0, 'bob': 7.0}
    >>> ground_truth(community)
    Traceback (most recent call last):
    ...
    influence.errors.SchemaError: users must have a site_reputation or reputation column ...
    """
    _check_against(against)
    users = community.user_ids
    if against == "reputation":
        column = next(
            (c for c in ("site_reputation", "reputation") if c in community.users.columns), None
        )
        if column is None or community.users[column].isna().all():
            raise SchemaError(
                "users must have a site_reputation or reputation column with values to "
                f"validate against reputation (got columns {list(community.users.columns)}); "
                "use against='score' when messages carry scores"
            )
        values = pd.to_numeric(community.users[column], errors="coerce").to_numpy(np.float64)
        truth = pd.Series(values, index=community.users["user_id"].astype(str).to_numpy())
        truth = truth[~truth.index.duplicated()].reindex(users.astype(str))
    else:
        messages = community.messages
        if "score" not in messages.columns or messages["score"].isna().all():
            raise SchemaError(
                "messages must have a score to validate against score (got none); "
                "use against='reputation' when users carry a reputation"
            )
        authored = messages.loc[messages["author_id"].notna()]
        score = pd.to_numeric(authored["score"], errors="coerce").fillna(0.0)
        truth = score.groupby(authored["author_id"].astype(str).to_numpy()).sum()
        truth = truth.reindex(users.astype(str)).fillna(0.0)
    return pd.Series(truth.to_numpy(np.float64), index=users, name="ground_truth")


def precision_at_k(scores: pd.Series, truth: pd.Series, k: int) -> float:
    """Share of the top ``k`` by ``scores`` that is also in the top ``k`` by ``truth``.

    Both tops rank by value descending, ties broken by index (user id)
    ascending; a missing score ranks lowest. NaN when fewer than ``k`` users.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c", "d"])
    >>> precision_at_k(pd.Series([4.0, 3, 2, 1], idx), pd.Series([1.0, 9, 8, 0], idx), 2)
    0.5
    """
    if len(scores) < k or k < 1:
        return float("nan")
    return len(set(_top(scores, k)) & set(_top(truth.reindex(scores.index), k))) / k


def _top(values: pd.Series, k: int) -> list:
    frame = pd.DataFrame(
        {"value": _filled(values).to_numpy(), "user_id": values.index.astype(str).to_numpy()}
    )
    frame = frame.sort_values(["value", "user_id"], ascending=[False, True], kind="stable")
    return frame["user_id"].head(k).tolist()


def _filled(values: pd.Series) -> pd.Series:
    floats = values.astype("float64")
    low = floats.min() - 1.0 if floats.notna().any() else 0.0
    return floats.fillna(low)


def agreement(
    scores: pd.Series, truth: pd.Series, *, k: Sequence[int] | int = (10, 25, 50)
) -> dict[str, float]:
    """Spearman, Kendall tau-b and precision@k of ``scores`` against ``truth``.

    Parameters
    ----------
    scores, truth : Series
        Indexed by user id; ``truth`` is aligned on ``scores.index``. A
        missing score ranks lowest.
    k : int or sequence of int

    Returns
    -------
    dict
        ``spearman``, ``kendall``, ``precision_at_<k>`` per ``k``; a
        correlation is NaN when either side is constant or has fewer than two
        users.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c", "d"])
    >>> out = agreement(pd.Series([4.0, 3, 2, 1], idx), pd.Series([1.0, 9, 8, 0], idx), k=2)
    >>> {name: round(value, 4) for name, value in out.items()}
    {'spearman': 0.4, 'kendall': 0.3333, 'precision_at_2': 0.5}
    """
    truth = truth.reindex(scores.index)
    x = _filled(scores).to_numpy()
    y = truth.to_numpy(np.float64)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        rho = tau = float("nan")
    else:
        rho = float(stats.spearmanr(x, y).statistic)
        tau = float(stats.kendalltau(x, y).statistic)
    out = {"spearman": rho, "kendall": tau}
    for size in _check_k(k):
        out[f"precision_at_{size}"] = precision_at_k(scores, truth, size)
    return out


@dataclass(frozen=True)
class ValidationResult:
    """The agreement of every score with the ground truth.

    Attributes
    ----------
    table : DataFrame
        One row per score (index ``score``): ``group`` (axis, metric,
        baseline, variant, ceiling), ``spearman``, ``kendall`` and ``precision_at_<k>``
        per ``k``; sorted by group, then by Spearman descending.
    against : str
        The ground truth (``"reputation"`` or ``"score"``).
    users : int
        Number of users compared (active with a ground-truth value).
    excluded : dict
        Users left out and why (``inactive``, ``no_ground_truth``).
    removed : dict
        What :func:`strip_ground_truth` took out of the input.
    weights : dict
        The listened-to weights used.
    name : str
        The community's name.
    scores : DataFrame
        Per compared user: the ground truth and every score (for plots).
    """

    table: pd.DataFrame
    against: str
    users: int
    excluded: dict
    removed: dict
    weights: dict
    name: str = ""
    k: tuple[int, ...] = (10, 25, 50)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready: every number a float (NaN as ``None``)."""
        rows = []
        for score, row in self.table.iterrows():
            entry = {"score": str(score), "group": str(row["group"])}
            for column in self.table.columns:
                if column != "group":
                    value = float(row[column])
                    entry[column] = None if np.isnan(value) else round(value, 6)
            rows.append(entry)
        return {
            "name": self.name,
            "against": self.against,
            "ground_truth": _GROUND_TRUTH_LABEL[self.against],
            "users": self.users,
            "excluded": dict(self.excluded),
            "removed": {k: list(v) for k, v in self.removed.items()},
            "k": list(self.k),
            "weights": dict(self.weights),
            "rows": rows,
        }

    def row(self, score: str) -> pd.Series:
        """The measures of one score, e.g. ``result.row("listened_to_score")``."""
        return self.table.loc[score]


def validate(
    community_or_path: Community | str | Path,
    *,
    against: str = "reputation",
    k: Sequence[int] | int = (10, 25, 50),
    options: ClassifyOptions | None = None,
    horizon: str | pd.Timedelta = "24h",
    format: str | None = None,
    on_error: str = "raise",
    mapping: Mapping[str, str] | None = None,
) -> ValidationResult:
    """Score a community without its ground truth and measure the agreement with it.

    Parameters
    ----------
    community_or_path : Community, str or Path
        A community, or a dump handed to :func:`influence.read` (with
        ``format``, ``on_error`` and ``mapping``).
    against : {"reputation", "score"}
        The ground truth (:func:`ground_truth`).
    k : int or sequence of int, default (10, 25, 50)
        The sizes of the tops for precision@k.
    options : ClassifyOptions, optional
        Axis weights and thresholds (default: the library defaults).
    horizon : str or Timedelta, default "24h"
        Propagation horizon.

    Returns
    -------
    ValidationResult

    Raises
    ------
    SchemaError
        When the community has no such ground truth.
    EmptyCommunityError
        When no active user has a ground-truth value.
    ValueError
        When ``against`` or ``k`` is invalid.

    Examples
    --------
    >>> result = validate("datasets/stackexchange-conlang-meta-2020")
    >>> result.users, result.against
    (65, 'reputation')
    >>> list(result.table.columns)
    ['group', 'spearman', 'kendall', 'precision_at_10', 'precision_at_25', 'precision_at_50']
    """
    _check_against(against)
    sizes = _check_k(k)
    if isinstance(community_or_path, Community):
        community = community_or_path
    else:
        from influence.sources import read

        community = read(community_or_path, format=format, on_error=on_error, mapping=mapping)
    options = options or ClassifyOptions()
    truth_all = ground_truth(community, against=against)
    stripped = strip_ground_truth(community, against=against)

    analysis = run_analysis(stripped, horizon=horizon, options=options)
    users = analysis.users.reindex(stripped.user_ids)
    active = users["messages"].fillna(0) > 0
    has_truth = truth_all.reindex(stripped.user_ids).notna()
    compared = stripped.user_ids[(active & has_truth).to_numpy()]
    if len(compared) == 0:
        raise EmptyCommunityError(
            "validation must compare at least one active user with a ground-truth value "
            f"(got {int(active.sum())} active users, none with a {against})"
        )
    truth = truth_all.reindex(compared)

    columns: dict[str, tuple[str, pd.Series]] = {}
    for axis in ("listened_to_score", "talkative_score", "influence_score"):
        columns[axis] = ("axis", users[axis])
    for metric in _LISTENED_METRICS:
        if metric in users.columns and users.loc[active, metric].notna().any():
            columns[metric] = ("metric", users[metric])
    for name, values in _baselines(stripped, users).items():
        columns[name] = ("baseline", values)
    columns["listened_to_score (all credit to target)"] = (
        "variant",
        _to_target_listened(stripped, users, options),
    )
    if against == "reputation" and community.messages["score"].notna().any():
        columns["vote recipe (sees the votes)"] = ("ceiling", vote_recipe(community))

    scores = pd.DataFrame({"ground_truth": truth})
    records = []
    for name, (group, values) in columns.items():
        values = values.reindex(compared).astype("float64")
        scores[name] = values
        records.append({"score": name, "group": group, **agreement(values, truth, k=sizes)})
    table = pd.DataFrame.from_records(records).set_index("score")
    order = {"axis": 0, "metric": 1, "baseline": 2, "variant": 3, "ceiling": 4}
    table = table.assign(_g=table["group"].map(order), _s=-table["spearman"].fillna(-2))
    table = table.sort_values(["_g", "_s"], kind="stable").drop(columns=["_g", "_s"])
    return ValidationResult(
        table=table,
        against=against,
        users=len(compared),
        excluded={
            "inactive": int((~active).sum()),
            "no_ground_truth": int((active & ~has_truth).sum()),
        },
        removed={
            "messages": ["score"],
            "interactions": [f"kind={kind}" for kind in GROUND_TRUTH_INTERACTION_KINDS],
            "users": [c for c in GROUND_TRUTH_USER_COLUMNS if c in community.users.columns],
        },
        weights=dict(analysis.weights["listened_to"]),
        name=community.name,
        k=sizes,
        scores=scores,
    )


def vote_recipe(community: Community) -> pd.Series:
    """Stack Exchange's reputation recipe, computed from the votes the dump carries.

    ``10 * (net score of the user's questions and answers) + 15 * (answers of
    theirs accepted by someone else) + 2 * (answers of others they accepted)``.

    Parameters
    ----------
    community : Community
        The *unstripped* community: message scores are the votes.

    Returns
    -------
    Series
        float64 indexed by ``community.user_ids``, named ``"vote_recipe"``.

    Notes
    -----
    This is what a user's reputation would be if it were earned only by the
    posts in the dump, with every vote worth 10 (up) or -10 (down; really -2)
    and without the +1 start, edits, bounties and the +100 association bonus
    given to members with 200 reputation on another Stack Exchange site. It is
    *not* a vote-free score: :func:`validate` reports it in the ``ceiling``
    group, as the agreement that a model knowing every vote would reach.
    Self-accepts earn nothing and are absent from the interactions already.

    Examples
    --------
    Ann's question (2 votes) got Bob's answer (3 votes), which she accepted;
    Cat's comment (5 votes) earns nothing:

    >>> from influence.sources._common import assemble
    >>> from influence.community import ReadStats
    >>> day = pd.to_datetime(["2024-01-01"] * 3, utc=True)
    >>> msgs = pd.DataFrame({"message_id": ["q", "a", "c"], "thread_id": "q",
    ...     "author_id": ["ann", "bob", "cat"], "parent_id": [None, "q", "a"],
    ...     "kind": ["question", "answer", "comment"], "score": [2.0, 3.0, 5.0],
    ...     "created_at": day, "text_length": 1})
    >>> accepts = pd.DataFrame({"kind": ["accept"], "source": ["ann"], "message_id": ["a"],
    ...     "target_message_id": ["a"], "created_at": day[:1]})
    >>> community = assemble(msgs, links=accepts, stats=ReadStats(), platform="t", name="t")
    >>> vote_recipe(community).to_dict()
    {'ann': 22.0, 'bob': 45.0, 'cat': 0.0}
    """
    users = community.user_ids
    messages = community.messages
    posts = messages.loc[
        messages["author_id"].notna().to_numpy()
        & messages["kind"].astype(str).isin(["question", "answer"]).to_numpy()
    ]
    score = pd.to_numeric(posts["score"], errors="coerce").fillna(0.0)
    votes = score.groupby(posts["author_id"].astype(str).to_numpy()).sum()
    interactions = community.interactions
    accept = interactions.loc[(interactions["kind"].astype(str) == "accept").to_numpy()]
    received = accept["target"].astype(str).value_counts()
    given = accept["source"].astype(str).value_counts()
    index = users.astype(str)
    recipe = (
        10.0 * votes.reindex(index).fillna(0.0).to_numpy()
        + 15.0 * received.reindex(index).fillna(0.0).to_numpy()
        + 2.0 * given.reindex(index).fillna(0.0).to_numpy()
    )
    return pd.Series(recipe.astype(np.float64), index=users, name="vote_recipe")


def _baselines(community: Community, users: pd.DataFrame) -> dict[str, pd.Series]:
    index = community.user_ids
    adjacency = build_adjacency(community)
    pattern = adjacency.without_self_loops().pattern()
    graph = community.to_networkx()
    nx_rank = pd.Series(nx.pagerank(graph, weight="weight"), dtype="float64")
    nx_rank.index = nx_rank.index.astype(str)
    return {
        "post count": users["messages"].fillna(0.0),
        "in-degree": pd.Series(np.asarray(pattern.sum(axis=0)).ravel(), index=index),
        "out-degree": pd.Series(np.asarray(pattern.sum(axis=1)).ravel(), index=index),
        "pagerank (plain)": pd.Series(pagerank(adjacency).to_numpy(), index=index),
        "pagerank (networkx)": pd.Series(nx_rank.reindex(index.astype(str)).to_numpy(), index),
        "z-score": users["z_score"],
        "accepted answers": users["accepted_answers"].fillna(0.0),
    }


def _to_target_listened(
    community: Community, users: pd.DataFrame, options: ClassifyOptions
) -> pd.Series:
    """``listened_to_score`` when every interaction credits its target.

    With every kind ``"to_target"`` the credit graph is the interaction graph
    itself, so the reputation is ``n * pagerank(build_adjacency(community))``.
    """
    metrics = users.loc[:, [c for c in users.columns if c in _METRIC_NAMES]].copy()
    adjacency = build_adjacency(community)
    metrics["reputation"] = pagerank(adjacency).to_numpy() * adjacency.n_users
    return classify_users(metrics, options)["listened_to_score"]


_METRIC_NAMES = frozenset(
    [
        "messages",
        "active_days",
        "messages_per_active_week",
        "threads_started",
        "threads_joined",
        "out_reach",
        *LISTENED_TO_WEIGHTS,
    ]
)


def calibrate_weights(
    communities: Iterable[Community],
    *,
    against: str = "reputation",
    metrics: Sequence[str] = _LISTENED_METRICS,
    grid: Sequence[float] = (0.0, 0.5, 1.0, 2.0),
    k: int = 25,
) -> pd.DataFrame:
    """Rank every listened-to weight vector of a small grid on training communities.

    The objective is the mean, over the training communities, of
    ``(spearman + precision@k) / 2`` of ``listened_to_score`` against the
    stripped ground truth. Use it leave-one-site-out: choose on some sites,
    report on the others with :func:`validate`.

    Parameters
    ----------
    communities : iterable of Community
        The training sites (unstripped: they are stripped here).
    metrics : sequence of str
        The listened-to metrics whose weights vary (others keep weight 0,
        except ``feedback``, which is absent once stripped).
    grid : sequence of float
        The weights tried for each metric (all combinations, all-zero skipped).
    k : int
        Precision@k in the objective.

    Returns
    -------
    DataFrame
        One row per weight vector: a column per metric, ``spearman``,
        ``precision_at_<k>`` (means over the communities) and ``objective``,
        sorted by objective descending (ties: the vector with fewer and
        smaller weights first).

    Notes
    -----
    Vectorised: the standard log scores of the metrics
    (:func:`influence.classify.log_standard_scores`, the axes' own aggregation)
    are computed once per community, every weight vector is a column of one
    matrix product (the axes' final rescaling to [0, 1] keeps the order).
    """
    _check_against(against)
    metrics = list(metrics)
    vectors = np.array(
        [w for w in itertools.product(grid, repeat=len(metrics)) if any(w)], dtype=np.float64
    )
    spearman = np.zeros(len(vectors))
    precision = np.zeros(len(vectors))
    count = 0
    for community in communities:
        truth_all = ground_truth(community, against=against)
        table = compute_metrics(strip_ground_truth(community, against=against))
        act = table.loc[table["messages"] > 0]
        truth = truth_all.reindex(act.index)
        act = act.loc[truth.notna().to_numpy()]
        truth = truth.loc[truth.notna()]
        standard = np.column_stack([log_standard_scores(act[m]).to_numpy() for m in metrics])
        scores = standard @ (vectors / vectors.sum(axis=1, keepdims=True)).T
        ranks = stats.rankdata(scores, axis=0)
        truth_rank = stats.rankdata(truth.to_numpy())
        spearman += _column_pearson(ranks, truth_rank)
        top_truth = set(_top(truth, k))
        order = np.lexsort((np.arange(len(act))[:, None].repeat(len(vectors), 1), -scores), axis=0)
        ids = act.index.astype(str).to_numpy()
        precision += np.array(
            [len(top_truth & set(ids[order[:k, j]])) / k for j in range(len(vectors))]
        )
        count += 1
    if count == 0:
        raise ValueError("communities must hold at least one community (got none)")
    out = pd.DataFrame(vectors, columns=metrics)
    out["spearman"] = spearman / count
    out[f"precision_at_{k}"] = precision / count
    out["objective"] = (out["spearman"] + out[f"precision_at_{k}"]) / 2
    out["_n"] = (vectors > 0).sum(axis=1)
    out["_sum"] = vectors.sum(axis=1)
    out = out.sort_values(["objective", "_n", "_sum"], ascending=[False, True, True], kind="stable")
    return out.drop(columns=["_n", "_sum"]).reset_index(drop=True)


def _column_pearson(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    centred = matrix - matrix.mean(axis=0)
    target = vector - vector.mean()
    denominator = np.sqrt((centred**2).sum(axis=0) * (target**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, centred.T @ target / denominator, np.nan)


def _check_against(against: str) -> None:
    if against not in AGAINST:
        raise ValueError(f"against must be one of {AGAINST} (got {against!r})")


def _check_k(k: Sequence[int] | int) -> tuple[int, ...]:
    sizes = (k,) if isinstance(k, int | np.integer) else tuple(k)
    if not sizes or any(int(s) != s or s < 1 for s in sizes):
        raise ValueError(f"k must be positive integers (got {k!r})")
    return tuple(sorted({int(s) for s in sizes}))
