"""The same analysis on a Dask cluster: distributed tables, the same metric definitions.

The canonical tables become Dask DataFrames (one partition per byte range, row
group, file or slice of rows) and every per-user aggregation of
:mod:`influence.metrics` is expressed as a distributed ``groupby``/``merge``:

* participation, reach, strength, explicit feedback: groupbys on the messages
  and interactions (distinct counts through ``drop_duplicates``);
* threads joined: a join of each message with the author of its thread's root;
* propagation: the reply cascades are built by joins, one per level of the reply
  trees (a Python loop over *levels*, never over messages), with the same
  cycle-safe rule as :func:`influence.metrics.propagation.compute_cascades`;
  first responses, people reached and medians are groupbys;
* the credit orientation of every interaction joins it with the kind of the
  message carrying it and applies :func:`influence.graph.credit_interactions`
  itself on each partition;
* self-proclamation runs :func:`~influence.metrics.compute_self_proclamation`
  on each partition of the users table.

The graph algorithms (PageRank, HITS, k-core, reciprocity) need the whole user
graph. Dask aggregates it into weighted user pairs (one row per pair that
interacted, whatever the number of messages); when that edge list fits in the
client's memory budget (``graph_memory``, default half of the memory available
on the client machine, at :data:`GRAPH_BYTES_PER_PAIR` bytes per pair: about 50
million distinct pairs on a machine with 20 GB free), it is brought to the
client and the in-process scipy functions of :mod:`influence.metrics` run on it
unchanged. Otherwise PageRank and HITS run as a distributed power iteration
(each step is a sparse matrix-vector product summed over the edge partitions,
the vectors of one float per user staying on the client), the k-core number as
the distributed h-index iteration of Lü et al. (2016), which converges to it
exactly, and reciprocity as groupbys on the pairs. The segments are then decided
by :func:`influence.classify.classify_users`, the same code as in-process.

Results equal the in-process engine: counts exactly, scores within 1e-9 (sums
are added in another order), the same segments.

References
----------
.. [1] Lü, L., Zhou, T., Zhang, Q.-M., Stanley, H. E. (2016). The H-index of a
   network node and its relation to degree and coreness. Nature Communications
   7, 10168.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

import numpy as np
import pandas as pd

from influence.analysis import FINISH_STEPS, Analysis, finish_analysis, window_or_raise
from influence.classify import ClassifyOptions
from influence.community import Community
from influence.errors import ConvergenceError, InfluenceError
from influence.graph import COMMUNICATION_KINDS, Adjacency, _adjacency, credit_interactions
from influence.metrics import METRIC_COLUMNS, compute_self_proclamation
from influence.metrics.propagation import _horizon_ns
from influence.metrics.reciprocity import reciprocity
from influence.metrics.reputation import pagerank
from influence.metrics.structure import core_number, hits
from influence.progress import step, step_plan

try:
    import dask
    import dask.dataframe as dd
    import distributed
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        'the dask engine needs the dask extra: pip install "influence[dask]"'
    ) from err

__all__ = [
    "CONNECT_TIMEOUT",
    "GRAPH_BYTES_PER_PAIR",
    "TIMEOUT_VARIABLE",
    "cluster_client",
    "compute_metrics_dask",
    "connect_timeout",
    "run_analysis_dask",
    "to_dask",
]

#: Client memory one distinct user pair of the aggregated graph takes when the
#: graph algorithms run in-process: the pandas edge list (two string ids and a
#: weight, about 150 bytes) and the CSR matrices and transposes of the three
#: graphs (about 50 bytes).
GRAPH_BYTES_PER_PAIR = 200
#: Rows per partition when a pandas table is sent to the cluster.
ROWS_PER_PARTITION = 500_000
#: The steps of :func:`compute_metrics_dask`, in order, as announced to
#: :func:`influence.progress.watch_steps` (``"graph"``: reciprocity, reputation,
#: HITS and cores; ``"reach"``: reach and strength).
DASK_METRIC_STEPS = (
    "tables",
    "participation",
    "graph",
    "reach",
    "feedback",
    "propagation",
    "self-proclamation",
)
#: Seconds to wait for the scheduler at a given address before giving up.
CONNECT_TIMEOUT = 5.0
#: Environment variable that overrides :data:`CONNECT_TIMEOUT` (seconds).
TIMEOUT_VARIABLE = "INFLUENCE_SCHEDULER_TIMEOUT"

_NS_PER_DAY = 86_400 * 10**9
_NS_PER_MINUTE = 60 * 10**9
_MESSAGE_COLUMNS = ("message_id", "author_id", "thread_id", "parent_id", "kind", "score", "t")
_INTERACTION_COLUMNS = ("source", "target", "kind", "message_id", "weight")
_PROFILE_COLUMNS = ("user_id", "about", "title", "website")


# ---------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------


def connect_timeout(timeout: float | None = None) -> float:
    """Seconds to wait for a scheduler: ``timeout``, else :data:`TIMEOUT_VARIABLE`, else 5.

    Raises
    ------
    InfluenceError
        When the value is not a number of seconds above 0.

    Examples
    --------
    >>> connect_timeout(2), connect_timeout()
    (2.0, 5.0)
    """
    raw = os.environ.get(TIMEOUT_VARIABLE) if timeout is None else timeout
    if raw is None or raw == "":
        return CONNECT_TIMEOUT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        where = "timeout" if timeout is not None else TIMEOUT_VARIABLE
        raise InfluenceError(f"{where} must be a number of seconds above 0 (got {raw!r})")
    return seconds


@contextlib.contextmanager
def cluster_client(
    client: distributed.Client | str | None = None,
    *,
    processes: bool = True,
    timeout: float | None = None,
) -> Iterator[distributed.Client]:
    """Yield a Dask client: the one given, one connected to an address, or a new local cluster.

    Parameters
    ----------
    client : Client, str or None
        A connected :class:`distributed.Client` (used as is, left open), a
        scheduler address such as ``"tcp://10.0.0.5:8786"`` (connected, closed
        on exit), or None: the current default client when there is one, else a
        :class:`distributed.LocalCluster` with one single-threaded worker per
        CPU core of this machine (closed on exit).
    processes : bool, default True
        For a new local cluster: workers in processes (True) or threads.
    timeout : float, optional
        Seconds to wait for the scheduler at an address (see :func:`connect_timeout`:
        default the environment variable ``INFLUENCE_SCHEDULER_TIMEOUT``, else 5).

    Raises
    ------
    InfluenceError
        When the scheduler cannot be reached within the timeout:
        ``cannot reach the Dask scheduler at ADDRESS (...)``.
    """
    if isinstance(client, distributed.Client):
        yield client
        return
    if isinstance(client, str):
        seconds = connect_timeout(timeout)
        try:
            connected = distributed.Client(client, timeout=seconds)
        except (OSError, TimeoutError, ValueError) as err:
            raise InfluenceError(
                f"cannot reach the Dask scheduler at {client} ({err}); check the address and "
                f"that `dask scheduler` runs there, or wait longer with {TIMEOUT_VARIABLE}="
                "SECONDS"
            ) from err
        try:
            yield connected
        finally:
            connected.close()
        return
    if client is not None:
        raise TypeError(
            f"client must be a distributed.Client, an address or None (got {type(client)!r})"
        )
    with contextlib.suppress(ValueError):
        yield distributed.default_client()
        return
    workers = os.cpu_count() or 1
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as local,
    ):
        yield local


def _compute(client: distributed.Client, *collections):
    """Compute dask collections on ``client``; a list of pandas/numpy results."""
    return client.compute(list(collections), sync=True)


def _persist(client: distributed.Client, collection):
    """Persist ``collection`` on the cluster and wait until it is there.

    Waiting keeps the client's graph submission (done in a background thread)
    from running while the next expressions are built: on Python 3.11,
    ``functools.cached_property`` takes a class-wide lock, and dask-expr objects
    built in two threads at once can deadlock on it.

    The collection is optimised first. A groupby aggregation over many
    partitions reports one output partition before optimisation but is
    optimised into a shuffle with several (dask 2026.8); persisting the
    unoptimised collection keeps the futures of all of them but the partition
    count of the first, so every later step would silently see only the first
    partition (tests/engines/test_dask.py, ``test_persisted_groupby_keeps_every_partition``).
    """
    persisted = client.persist(collection.optimize())
    distributed.wait(persisted)
    return persisted


def _workers(client: distributed.Client) -> int:
    return max(1, sum(client.nthreads().values()))


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _lean_messages(part: pd.DataFrame) -> pd.DataFrame:
    """The message columns the metrics use; ``t`` = nanoseconds since the epoch (UTC)."""
    naive = part["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    out = pd.DataFrame(
        {
            name: part[name].astype("string")
            for name in ("message_id", "author_id", "thread_id", "parent_id")
        }
    )
    out["kind"] = part["kind"].astype(str).astype("string")
    score = part["score"] if "score" in part.columns else pd.Series(np.nan, index=part.index)
    out["score"] = pd.to_numeric(score, errors="coerce").astype("float64")
    out["t"] = naive.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return out


def _lean_interactions(part: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {name: part[name].astype("string") for name in ("source", "target", "message_id")}
    )
    out["kind"] = part["kind"].astype(str).astype("string")
    out["weight"] = pd.to_numeric(part["weight"], errors="coerce").fillna(1.0).astype("float64")
    return out[list(_INTERACTION_COLUMNS)]


def _lean_users(part: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"user_id": part["user_id"].astype("string")})
    for name in _PROFILE_COLUMNS[1:]:
        values = part[name] if name in part.columns else pd.Series(pd.NA, index=part.index)
        out[name] = values.astype("string")
    return out


def to_dask(
    community: Community,
    *,
    npartitions: int | None = None,
    client: distributed.Client | None = None,
) -> SimpleNamespace:
    """The canonical tables of ``community`` as Dask DataFrames (only the columns metrics use).

    Parameters
    ----------
    community : Community
    npartitions : int, optional
        Partitions of the messages table; default one per
        :data:`ROWS_PER_PARTITION` rows (at least one). The interactions get as
        many, the users table proportionally fewer.
    client : distributed.Client, optional
        When given, each partition is made and sent to a worker (round robin)
        one at a time, so the client never holds more than one partition beside
        ``community``; the tables are then already on the cluster. Without it,
        the tables are embedded in the task graph (``from_pandas``), which keeps
        a copy of them on the client: fine for small tables and examples.

    Returns
    -------
    SimpleNamespace
        ``messages`` (``message_id``, ``author_id``, ``thread_id``,
        ``parent_id``, ``kind``, ``score``, ``t``: int64 nanoseconds UTC),
        ``interactions`` (``source``, ``target``, ``kind``, ``message_id``,
        ``weight``) and ``users`` (``user_id``, ``about``, ``title``, ``website``).

    Examples
    --------
    >>> from influence.sources import read
    >>> tables = to_dask(read("datasets/stackexchange-conlang-meta-2020"), npartitions=3)
    >>> tables.messages.npartitions, list(tables.interactions.columns)
    (3, ['source', 'target', 'kind', 'message_id', 'weight'])
    """
    rows = len(community.messages)
    parts = npartitions or max(1, -(-rows // ROWS_PER_PARTITION))
    with dask.config.set({"dataframe.convert-string": False}):
        return SimpleNamespace(
            messages=_partitioned(community.messages, _lean_messages, parts, client),
            interactions=_partitioned(community.interactions, _lean_interactions, parts, client),
            users=_partitioned(community.users, _lean_users, max(1, parts // 4), client),
        )


def _partitioned(frame: pd.DataFrame, lean, parts: int, client):
    """``lean(frame)`` as a Dask DataFrame of ``parts`` slices of rows; see :func:`to_dask`."""
    if client is None:
        return dd.from_pandas(lean(frame), npartitions=parts, sort=False)
    workers = sorted(client.scheduler_info(n_workers=-1)["workers"]) or [None]
    size = max(1, -(-len(frame) // parts))
    futures = []
    for number, begin in enumerate(range(0, max(len(frame), 1), size)):
        piece = lean(frame.iloc[begin : begin + size])
        target = workers[number % len(workers)]
        futures.append(
            client.scatter(piece, workers=None if target is None else [target], hash=False)
        )
        del piece
    return dd.from_delayed(futures, meta=lean(frame.iloc[:0]), verify_meta=False)


# ---------------------------------------------------------------------------
# Per-user aggregations
# ---------------------------------------------------------------------------


def _counts(series_or_frame, users: pd.Index) -> pd.Series:
    """A computed per-user result as float64 over ``users`` (0 for users absent)."""
    values = series_or_frame
    values.index = values.index.astype("string")
    return values.reindex(users).fillna(0.0).astype("float64")


def _size_by(frame, key: str):
    return frame.groupby(key).size()


def _participation(messages, users: pd.Index, client) -> pd.DataFrame:
    """:func:`influence.metrics.compute_participation`, as groupbys and one join."""
    authored = messages[messages["author_id"].notnull()]
    day = authored["t"] // _NS_PER_DAY
    flags = authored.assign(
        day=day,
        week=(day + 3) // 7,
        root=(authored["thread_id"] == authored["message_id"]).fillna(False).astype("int64"),
        question=(authored["kind"] == "question").fillna(False).astype("int64"),
        answer=(authored["kind"] == "answer").fillna(False).astype("int64"),
    )
    roots = messages[(messages["thread_id"] == messages["message_id"]).fillna(False)]
    roots = roots[["message_id", "author_id"]].rename(
        columns={"message_id": "thread_id", "author_id": "starter"}
    )
    threaded = authored[authored["thread_id"].notnull()][["author_id", "thread_id"]]
    threaded = threaded.merge(roots, on="thread_id", how="left")
    joined = threaded[~(threaded["starter"].fillna("") == threaded["author_id"]).fillna(False)]
    sums = flags.groupby("author_id")[["root", "question", "answer"]].sum()
    count = _size_by(authored, "author_id")
    days = _size_by(flags[["author_id", "day"]].drop_duplicates(), "author_id")
    weeks = _size_by(flags[["author_id", "week"]].drop_duplicates(), "author_id")
    threads = _size_by(joined[["author_id", "thread_id"]].drop_duplicates(), "author_id")
    sums, count, days, weeks, threads = _compute(client, sums, count, days, weeks, threads)
    count = _counts(count, users)
    active_weeks = _counts(weeks, users)
    with np.errstate(invalid="ignore", divide="ignore"):
        velocity = np.where(active_weeks > 0, count / active_weeks, 0.0)
    sums.index = sums.index.astype("string")
    sums = sums.reindex(users).fillna(0).astype("float64")
    return pd.DataFrame(
        {
            "messages": count,
            "active_days": _counts(days, users),
            "active_weeks": active_weeks,
            "messages_per_active_week": velocity,
            "threads_started": sums["root"],
            "threads_joined": _counts(threads, users),
            "questions": sums["question"],
            "answers": sums["answer"],
        },
        index=users,
    )


def _feedback(messages, interactions, users: pd.Index, client) -> pd.DataFrame:
    """:func:`influence.metrics.compute_explicit_feedback`, as groupbys."""
    authored = messages[messages["author_id"].notnull()]
    feedback = (
        authored.assign(score=authored["score"].fillna(0.0)).groupby("author_id")["score"].sum()
    )
    kudos = interactions[interactions["kind"] == "kudos"].groupby("target")["weight"].sum()
    accepts = _size_by(interactions[interactions["kind"] == "accept"], "target")
    any_score = messages["score"].notnull().sum()
    feedback, kudos, accepts, any_score = _compute(client, feedback, kudos, accepts, any_score)
    feedback = _counts(feedback, users) if any_score else pd.Series(np.nan, index=users)
    return pd.DataFrame(
        {
            "feedback": feedback.to_numpy(np.float64),
            "kudos_received": _counts(kudos, users).to_numpy(np.float64),
            "accepted_answers": _counts(accepts, users).to_numpy(np.float64),
        },
        index=users,
    )


def _self_proclamation_part(part: pd.DataFrame) -> pd.Series:
    ids = pd.Index(part["user_id"].drop_duplicates().to_numpy(), dtype="string", name="user_id")
    score = compute_self_proclamation(SimpleNamespace(users=part, user_ids=ids))
    return pd.Series(score.to_numpy(np.float64), index=ids.to_numpy(object), name="score")


def _self_proclamation(users_frame, users: pd.Index, client) -> pd.Series:
    """:func:`compute_self_proclamation` on every partition of the users table."""
    meta = pd.Series([], dtype="float64", name="score")
    (scores,) = _compute(client, users_frame.map_partitions(_self_proclamation_part, meta=meta))
    scores = scores[~scores.index.duplicated()]
    return _counts(scores, users).rename("self_proclamation")


# ---------------------------------------------------------------------------
# Propagation: cascades by joins
# ---------------------------------------------------------------------------


def _cascade_pairs(messages, client, max_depth: int | None):
    """Distinct (descendant, ancestor) message pairs of the reply forest, one join per level.

    The rule of :func:`influence.metrics.propagation._ancestor_pairs`: a chain
    stops at a root, when it comes back to its descendant, or when it meets the
    ancestor checkpointed at depths 1, 2, 4, ... (reply cycles terminate).
    """
    ids = messages[["message_id"]].rename(columns={"message_id": "parent_id"})
    parents = messages[messages["parent_id"].notnull()][["message_id", "parent_id"]]
    parents = _persist(client, parents.merge(ids, on="parent_id", how="inner"))
    (total,) = _compute(client, messages.map_partitions(len).sum())
    cap = int(total) if max_depth is None else int(max_depth)
    level = parents.rename(columns={"message_id": "descendant", "parent_id": "ancestor"})
    level = level.assign(checkpoint=level["ancestor"])
    found = []
    depth = 1
    while depth <= cap:
        level = _persist(client, level)
        (size,) = _compute(client, level.map_partitions(len).sum())
        if not size:
            break
        found.append(level[["descendant", "ancestor"]])
        if depth & (depth - 1) == 0:  # a power of two: checkpoint the ancestor
            level = level.assign(checkpoint=level["ancestor"])
        step = level.merge(parents, left_on="ancestor", right_on="message_id", how="inner")
        live = (step["parent_id"] != step["descendant"]) & (step["parent_id"] != step["checkpoint"])
        level = step[live.fillna(False)][["descendant", "parent_id", "checkpoint"]].rename(
            columns={"parent_id": "ancestor"}
        )
        depth += 1
    if not found:
        return None
    return dd.concat(found).drop_duplicates()


def _response_rows(part: pd.DataFrame, horizon_ns: int) -> pd.DataFrame:
    delay = part["t_d"].to_numpy(np.int64) - part["t_a"].to_numpy(np.int64)
    responder = part["responder"]
    other = responder.fillna("\x00responder").to_numpy(object) != part["owner"].fillna(
        "\x00owner"
    ).to_numpy(object)
    keep = responder.notna().to_numpy(bool) & other & (delay >= 0)
    out = part.loc[keep, ["ancestor", "owner", "responder"]].copy()
    out["delay"] = delay[keep]
    out["within"] = delay[keep] <= horizon_ns
    return out


def _propagation(
    messages, users: pd.Index, contributions: pd.Series, client, horizon_ns: int, max_depth
) -> pd.DataFrame:
    """:func:`influence.metrics.compute_propagation`, with the cascades built by joins."""
    hours = horizon_ns / (3_600 * 10**9)
    pairs = _cascade_pairs(messages, client, max_depth)
    if pairs is None:
        reach_sum = responded = people = pd.Series(dtype="float64")
        median = pd.Series(dtype="float64")
    else:
        attrs = messages[["message_id", "author_id", "t"]]
        rows = pairs.merge(
            attrs.rename(
                columns={"message_id": "descendant", "author_id": "responder", "t": "t_d"}
            ),
            on="descendant",
        ).merge(
            attrs.rename(columns={"message_id": "ancestor", "author_id": "owner", "t": "t_a"}),
            on="ancestor",
        )
        meta = pd.DataFrame(
            {
                "ancestor": pd.Series([], dtype="string"),
                "owner": pd.Series([], dtype="string"),
                "responder": pd.Series([], dtype="string"),
                "delay": pd.Series([], dtype="int64"),
                "within": pd.Series([], dtype="bool"),
            }
        )
        responses = _persist(client, rows.map_partitions(_response_rows, horizon_ns, meta=meta))
        del pairs, rows  # the workers free the cascades once the responses are made
        owned = responses[responses["owner"].notnull()]
        within = owned[owned["within"]]
        reach_sum = _size_by(within[["ancestor", "owner", "responder"]].drop_duplicates(), "owner")
        people = _size_by(within[["owner", "responder"]].drop_duplicates(), "owner")
        first = owned.groupby(["owner", "ancestor"])["delay"].min().reset_index()
        first = first.assign(minutes=first["delay"].astype("float64") / _NS_PER_MINUTE)
        responded = _size_by(first, "owner")
        median = first.groupby("owner")["minutes"].median()
        reach_sum, people, responded, median = _compute(
            client, reach_sum, people, responded, median
        )
    count = contributions.to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = _counts(reach_sum, users).to_numpy() / hours
        speed = np.where(count > 0, speed / count, np.nan)
        share = np.where(count > 0, _counts(responded, users).to_numpy() / count, np.nan)
    median.index = median.index.astype("string")
    return pd.DataFrame(
        {
            "propagation_speed": speed,
            "people_reached": _counts(people, users).to_numpy(np.float64),
            "first_response_minutes": median.reindex(users).to_numpy(np.float64),
            "responded_share": share,
        },
        index=users,
    )


# ---------------------------------------------------------------------------
# The user graph: pairs aggregated by Dask, algorithms in-process or distributed
# ---------------------------------------------------------------------------


def _credit_part(part: pd.DataFrame) -> pd.DataFrame:
    """:func:`credit_interactions` on one partition whose rows carry their message's kind."""
    carriers = pd.DataFrame({"message_id": part["message_id"], "kind": part["carrier"]}).dropna()
    oriented = credit_interactions(
        SimpleNamespace(messages=carriers), interactions=part[list(_INTERACTION_COLUMNS)]
    )
    return oriented[["source", "target", "weight"]]


def _pairs(frame):
    """Summed weight per (source, target): the aggregated user graph."""
    return frame.groupby(["source", "target"])["weight"].sum().reset_index()


def _graph_pairs(messages, interactions):
    """The three weighted pair lists: all kinds, communication kinds, credit."""
    communication = interactions[interactions["kind"].isin(list(COMMUNICATION_KINDS))]
    carriers = messages[["message_id", "kind"]].rename(columns={"kind": "carrier"})
    carried = interactions.merge(carriers, on="message_id", how="left")
    meta = pd.DataFrame(
        {
            "source": pd.Series([], dtype="string"),
            "target": pd.Series([], dtype="string"),
            "weight": pd.Series([], dtype="float64"),
        }
    )
    credit = carried.map_partitions(_credit_part, meta=meta)
    return _pairs(interactions), _pairs(communication), _pairs(credit)


def _client_memory() -> int:
    """Bytes available on the client machine."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except (ImportError, OSError):  # pragma: no cover - psutil comes with distributed
        return 4 << 30


def _graph_in_process(
    everything: pd.DataFrame,
    communication: pd.DataFrame,
    credit: pd.DataFrame,
    users: pd.Index,
    *,
    alpha: float,
    tol: float,
    max_iter: int,
) -> pd.DataFrame:
    """The graph metrics from the aggregated pair lists, with the in-process scipy code."""

    def adjacency(pairs: pd.DataFrame) -> Adjacency:
        return _adjacency(pairs["source"], pairs["target"], pairs["weight"], users)

    graph = adjacency(everything)
    rank = pagerank(adjacency(credit), alpha=alpha, tol=tol, max_iter=max_iter)
    out = pd.concat(
        [
            core_number(graph),
            hits(graph, tol=tol, max_iter=max_iter),
            reciprocity(adjacency(communication)),
            (rank * float(len(users))).rename("reputation"),
        ],
        axis=1,
    )
    out.index = users
    return out


def _codes(part: pd.DataFrame, users: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": users.get_indexer(part["source"].astype("string").array).astype(np.int64),
            "col": users.get_indexer(part["target"].astype("string").array).astype(np.int64),
            "weight": part["weight"].to_numpy(np.float64),
        }
    )


def _product(part: pd.DataFrame, vector: np.ndarray, n: int, transpose: bool) -> np.ndarray:
    """One partition's share of ``W @ vector`` (or ``W.T @ vector`` when ``transpose``)."""
    row, col = part["row"].to_numpy(), part["col"].to_numpy()
    into, out_of = (col, row) if transpose else (row, col)
    weight = part["weight"].to_numpy(np.float64) * vector[out_of]
    return np.bincount(into, weights=weight, minlength=n)


class _DistributedMatrix:
    """A weighted edge list partitioned on the cluster, for matrix-vector products."""

    def __init__(self, pairs, users: pd.Index, client) -> None:
        meta = pd.DataFrame(
            {
                "row": pd.Series([], dtype="int64"),
                "col": pd.Series([], dtype="int64"),
                "weight": pd.Series([], dtype="float64"),
            }
        )
        frame = pairs.map_partitions(_codes, users, meta=meta)
        frame = frame[(frame["row"] >= 0) & (frame["col"] >= 0)]
        self.parts = _persist(client, frame).to_delayed()
        self.client = client
        self.n = len(users)

    def dot(self, vector: np.ndarray, *, transpose: bool = False) -> np.ndarray:
        shared = self.client.scatter(vector, broadcast=True)
        tasks = [dask.delayed(_product)(part, shared, self.n, transpose) for part in self.parts]
        total = np.zeros(self.n)
        for piece in self.client.compute(tasks, sync=True):
            total += piece
        return total

    def row_sums(self) -> np.ndarray:
        return self.dot(np.ones(self.n))


def _pagerank_distributed(matrix: _DistributedMatrix, *, alpha, tol, max_iter) -> np.ndarray:
    """:func:`influence.metrics.pagerank` (uniform jump), each product on the cluster."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")
    n = matrix.n
    if n == 0:
        return np.zeros(0)
    jump = np.full(n, 1.0 / n)
    strength = matrix.row_sums()
    dangling = strength == 0
    inverse = np.divide(1.0, strength, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    error = np.inf
    for _ in range(max_iter):
        previous = x
        x = alpha * (
            matrix.dot(previous * inverse, transpose=True) + previous[dangling].sum() * jump
        )
        x += (1.0 - alpha) * jump
        error = np.abs(x - previous).sum()
        if error < n * tol:
            return x
    raise ConvergenceError(
        f"pagerank must converge within max_iter={max_iter} iterations (got an L1 change of "
        f"{error:.3g} > {n * tol:.3g} at the last one); raise max_iter or tol"
    )


def _hits_distributed(matrix: _DistributedMatrix, *, positive: bool, tol, max_iter):
    """:func:`influence.metrics.hits`, each product on the cluster."""
    n = matrix.n
    if n == 0 or not positive:
        return np.zeros(n), np.zeros(n)
    authority = np.full(n, 1.0 / n)
    error = np.inf
    for _ in range(max_iter):
        previous = authority
        authority = matrix.dot(matrix.dot(previous), transpose=True)
        authority /= authority.sum()
        error = np.abs(authority - previous).sum()
        if error < n * tol:
            hub = matrix.dot(authority)
            return hub / hub.sum(), authority
    raise ConvergenceError(
        f"hits must converge within max_iter={max_iter} iterations (got an L1 change of "
        f"{error:.3g} > {n * tol:.3g} at the last one); raise max_iter or tol"
    )


def _h_index_part(part: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """Per user ``u`` of the partition: the h-index of its neighbours' current values."""
    value = values[part["v"].to_numpy()]
    order = np.lexsort((-value, part["u"].to_numpy()))
    u = part["u"].to_numpy()[order]
    value = value[order]
    rank = pd.Series(u).groupby(u).cumcount().to_numpy() + 1
    h = pd.Series(np.minimum(value, rank)).groupby(u).max()
    return pd.DataFrame({"u": h.index.to_numpy(np.int64), "h": h.to_numpy(np.int64)})


def _core_distributed(everything, users: pd.Index, client) -> np.ndarray:
    """k-core numbers by the h-index iteration (Lü et al. 2016), neighbours on the cluster.

    Starting from the degrees of the undirected simple graph without loops, each
    user's value is replaced by the h-index of its neighbours' values until
    nothing changes; the fixed point is the core number.
    """
    n = len(users)
    meta = pd.DataFrame({"u": pd.Series([], dtype="int64"), "v": pd.Series([], dtype="int64")})

    def undirected(part: pd.DataFrame) -> pd.DataFrame:
        codes = _codes(part, users)
        row, col = codes["row"].to_numpy(), codes["col"].to_numpy()
        keep = (row >= 0) & (col >= 0) & (row != col)
        row, col = row[keep], col[keep]
        return pd.DataFrame({"u": np.concatenate([row, col]), "v": np.concatenate([col, row])})

    neighbours = everything.map_partitions(undirected, meta=meta).drop_duplicates()
    neighbours = _persist(client, neighbours.shuffle("u"))
    (degree,) = _compute(client, neighbours.groupby("u").size())
    values = np.zeros(n, dtype=np.int64)
    values[degree.index.to_numpy(np.int64)] = degree.to_numpy(np.int64)
    hmeta = pd.DataFrame({"u": pd.Series([], dtype="int64"), "h": pd.Series([], dtype="int64")})
    while True:
        shared = client.scatter(values, broadcast=True)
        (h,) = _compute(client, neighbours.map_partitions(_h_index_part, shared, meta=hmeta))
        updated = values.copy()
        updated[h["u"].to_numpy(np.int64)] = h["h"].to_numpy(np.int64)
        if np.array_equal(updated, values):
            return values.astype(np.float64)
        values = updated


def _graph_distributed(
    everything, communication, credit, users: pd.Index, client, *, alpha, tol, max_iter
) -> pd.DataFrame:
    """The graph metrics without bringing the edge list to the client."""
    graph = _DistributedMatrix(everything, users, client)
    (positive,) = _compute(client, (everything["weight"] > 0).any())
    hub, authority = _hits_distributed(graph, positive=bool(positive), tol=tol, max_iter=max_iter)
    rank = _pagerank_distributed(
        _DistributedMatrix(credit, users, client), alpha=alpha, tol=tol, max_iter=max_iter
    )
    loops = communication[communication["source"] != communication["target"]]
    mutual = loops.merge(
        loops[["source", "target"]].rename(columns={"source": "target", "target": "source"}),
        on=["source", "target"],
        how="inner",
    )
    out_degree, in_degree, mutual = _compute(
        client, _size_by(loops, "source"), _size_by(loops, "target"), _size_by(mutual, "source")
    )
    out_degree, in_degree, mutual = (
        _counts(out_degree, users),
        _counts(in_degree, users),
        _counts(mutual, users),
    )
    partners = out_degree + in_degree - mutual
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(partners > 0, mutual / partners, np.nan)
        back = np.where(in_degree > 0, mutual / in_degree, np.nan)
    return pd.DataFrame(
        {
            "core_number": _core_distributed(everything, users, client),
            "hub": hub,
            "authority": authority,
            "reciprocity": share,
            "answered_back": back,
            "reputation": rank * float(len(users)),
        },
        index=users,
    )


def _reach_and_strength(everything, communication, users: pd.Index, client) -> pd.DataFrame:
    """:func:`compute_reach` and :func:`compute_strength` as groupbys on the user pairs."""
    talk = communication[communication["source"] != communication["target"]]
    loops = everything[everything["source"] != everything["target"]]
    out_reach, in_reach, out_strength, in_strength = _compute(
        client,
        _size_by(talk, "source"),
        _size_by(talk, "target"),
        loops.groupby("source")["weight"].sum(),
        loops.groupby("target")["weight"].sum(),
    )
    return pd.DataFrame(
        {
            "out_reach": _counts(out_reach, users),
            "in_reach": _counts(in_reach, users),
            "out_strength": _counts(out_strength, users),
            "in_strength": _counts(in_strength, users),
        },
        index=users,
    )


# ---------------------------------------------------------------------------
# The metric table and the analysis
# ---------------------------------------------------------------------------


def _user_ids(tables, client) -> pd.Index:
    """``Community.user_ids``: users, authors and interaction ends, distinct and sorted."""
    parts = [
        tables.users["user_id"],
        tables.messages["author_id"].dropna(),
        tables.interactions["source"],
        tables.interactions["target"],
    ]
    distinct = [part.drop_duplicates() for part in parts]
    computed = _compute(client, *distinct)
    ids = pd.concat(computed, ignore_index=True).astype("string")
    ids = ids.drop_duplicates().sort_values()
    return pd.Index(ids.to_numpy(), dtype="string", name="user_id")


@step_plan(DASK_METRIC_STEPS)  # a part of run_analysis_dask's plan when called from there
def compute_metrics_dask(
    tables,
    *,
    client: distributed.Client,
    horizon: str | pd.Timedelta = "24h",
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
    graph_memory: int | None = None,
) -> pd.DataFrame:
    """The metric table of :func:`influence.metrics.compute_metrics`, computed on a cluster.

    Parameters
    ----------
    tables : SimpleNamespace
        ``messages``, ``interactions`` and ``users`` as Dask DataFrames, as from
        :func:`to_dask`.
    client : distributed.Client
    horizon, alpha, tol, max_iter
        As for :func:`influence.metrics.compute_metrics`.
    graph_memory : int, optional
        Client memory budget, in bytes, for the aggregated user graph; default
        half of the memory available on this machine. When the distinct user
        pairs times :data:`GRAPH_BYTES_PER_PAIR` exceed it, the graph metrics
        run distributed instead of in-process.

    Returns
    -------
    DataFrame
        Indexed by the user ids (name ``"user_id"``), the float64 columns of
        :data:`influence.metrics.METRIC_COLUMNS`; ``attrs["graph"]`` says where
        the graph algorithms ran (``"in-process"`` or ``"distributed"``) and how
        many distinct pairs the graph has.
    """
    horizon_ns = _horizon_ns(horizon)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1 (got {alpha!r})")
    step("tables")
    messages = _persist(client, tables.messages)
    interactions = _persist(client, tables.interactions)
    users = _user_ids(tables, client)

    step("participation")
    participation = _participation(messages, users, client)
    step("graph")
    everything, communication, credit = (
        _persist(client, frame) for frame in _graph_pairs(messages, interactions)
    )
    (pair_count,) = _compute(client, everything.map_partitions(len).sum())
    budget = _client_memory() // 2 if graph_memory is None else int(graph_memory)
    in_process = int(pair_count) * GRAPH_BYTES_PER_PAIR <= budget
    options = {"alpha": alpha, "tol": tol, "max_iter": max_iter}
    if in_process:
        graph = _graph_in_process(
            *_compute(client, everything, communication, credit), users, **options
        )
    else:
        graph = _graph_distributed(everything, communication, credit, users, client, **options)
    step("reach")
    structure = _reach_and_strength(everything, communication, users, client)
    del everything, communication, credit  # the workers free the pairs before the cascades
    answers, questions = participation["answers"], participation["questions"]
    total = answers + questions
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(total > 0, (answers - questions) / np.sqrt(total), np.nan)
    step("feedback")
    feedback = _feedback(messages, interactions, users, client)
    step("propagation")
    propagation = _propagation(
        messages, users, participation["messages"], client, horizon_ns, max_depth=None
    )
    step("self-proclamation")
    proclamation = _self_proclamation(tables.users, users, client)
    parts = [
        participation,
        structure,
        graph,
        pd.Series(z, index=users, name="z_score"),
        feedback,
        propagation,
        proclamation,
    ]
    table = pd.concat(parts, axis=1).loc[:, list(METRIC_COLUMNS)].astype("float64")
    table.index = users
    table.index.name = "user_id"
    table.attrs["graph"] = {
        "where": "in-process" if in_process else "distributed",
        "pairs": int(pair_count),
        "budget_bytes": int(budget),
    }
    return table


@step_plan(("cluster", *DASK_METRIC_STEPS, *FINISH_STEPS))  # see influence.progress
def run_analysis_dask(
    community: Community,
    *,
    client: distributed.Client | str | None = None,
    since=None,
    until=None,
    horizon: str | pd.Timedelta = "24h",
    options: ClassifyOptions | None = None,
    npartitions: int | None = None,
    graph_memory: int | None = None,
    brand: Iterable[str] | None = None,
) -> Analysis:
    """:func:`influence.analysis.run_analysis` with the metrics computed on a Dask cluster.

    Parameters
    ----------
    community : Community
        The community to score (see :func:`influence.engines._partitions.read_partitioned`
        to read a dump with the cluster).
    client : Client, str or None
        Where to compute (see :func:`cluster_client`): a client, a scheduler
        address, or None for the default client or a new local cluster.
    since, until, horizon, options, brand
        As for :func:`~influence.analysis.run_analysis` (the four I's of engagement
        are computed in process, from the tables already gathered).
    npartitions : int, optional
        Partitions of the tables (see :func:`to_dask`).
    graph_memory : int, optional
        See :func:`compute_metrics_dask`.

    Returns
    -------
    Analysis
        The same as the in-process engine (counts equal, scores within 1e-9,
        the same segments), ``parameters["engine"] == "dask"``.

    Raises
    ------
    EmptyCommunityError
        When no message is left in the window.

    Examples
    --------
    >>> import distributed
    >>> from influence.sources import read
    >>> community = read("datasets/stackexchange-conlang-meta-2020")
    >>> with distributed.Client(n_workers=1, dashboard_address=":0") as client:
    ...     analysis = run_analysis_dask(community, client=client)
    >>> analysis.segment_counts()["true_influencer"] > 0
    True
    """
    options = options or ClassifyOptions()
    horizon = pd.Timedelta(horizon)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    windowed = window_or_raise(community, since, until)
    step("cluster")
    with cluster_client(client) as connected:
        if npartitions is None:
            rows = len(windowed.messages)
            npartitions = max(
                min(_workers(connected), max(1, rows // 10_000)),
                -(-rows // ROWS_PER_PARTITION),
            )
        tables = to_dask(windowed, npartitions=npartitions, client=connected)
        metrics = compute_metrics_dask(
            tables, client=connected, horizon=horizon, graph_memory=graph_memory
        )
    timings["metrics"] = time.perf_counter() - start
    return finish_analysis(
        windowed,
        metrics,
        options=options,
        timings=timings,
        since=since,
        until=until,
        horizon=horizon,
        brand=brand,
        extra_parameters={"engine": "dask", "graph": metrics.attrs.get("graph")},
    )
