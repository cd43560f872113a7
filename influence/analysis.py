"""The whole analysis: window -> metrics -> classification -> the users table."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from influence._lookup import arrow_strings, positions
from influence._parallel import run_together
from influence.classify import ClassifyOptions, classify_users
from influence.community import Community, profile_urls
from influence.errors import EmptyCommunityError
from influence.metrics import METRIC_STEPS, compute_metrics
from influence.progress import step, step_plan

__all__ = ["USERS_COLUMNS", "Analysis", "analyze", "run_analysis"]

#: The leading columns of the users table, in order (DESIGN.md section 5).
USERS_COLUMNS = (
    "user_id",
    "display_name",
    "segment",
    "talkative_score",
    "listened_to_score",
    "influence_score",
    "participation",
    "out_reach",
    "reciprocity",
    "reputation",
    "self_proclamation",
    "propagation_speed",
    "messages",
    "reasons",
)
#: The steps of :func:`finish_analysis`, after the metrics, as announced to
#: :func:`influence.progress.watch_steps`.
FINISH_STEPS = ("classify", "engagement")


@dataclass(frozen=True)
class Analysis:
    """Everything one analysis produced, for reports and exports.

    Attributes
    ----------
    community : Community
        The community analysed (already restricted to the window).
    users : DataFrame
        The users table, indexed by ``user_id``, ranked by ``influence_score``.
    parameters : dict
        Every parameter used, JSON-ready.
    thresholds : dict
        The axis thresholds that decided the segments.
    weights : dict
        The normalised axis weights actually used.
    timings : dict
        Seconds per phase.
    """

    community: Community
    users: pd.DataFrame
    parameters: dict
    thresholds: dict
    weights: dict
    timings: dict = field(default_factory=dict)

    def segment_counts(self) -> dict[str, int]:
        """Number of users per segment, every segment listed."""
        counts = self.users["segment"].value_counts()
        return {str(k): int(counts.get(k, 0)) for k in self.users["segment"].cat.categories}

    def _repr_html_(self) -> str:
        """Jupyter view: segment counts, the quadrant chart, the top true influencers."""
        from influence.report.html import render_analysis_html  # presentation lives there

        return render_analysis_html(self)


@step_plan(METRIC_STEPS + FINISH_STEPS)  # see influence.progress; the Dask engine has its own
def run_analysis(
    community: Community,
    *,
    since=None,
    until=None,
    horizon: str | pd.Timedelta = "24h",
    options: ClassifyOptions | None = None,
    engine: str = "pandas",
    client=None,
    brand: Iterable[str] | None = None,
    profile_url: str | None = None,
) -> Analysis:
    """Compute the metrics, axes and segments of every user of ``community``.

    Parameters
    ----------
    community : Community
    since, until : str or Timestamp, optional
        Keep messages and interactions with ``since <= created_at < until``.
    engine : {"pandas", "dask"}, default "pandas"
        ``"dask"`` computes the same metrics on a Dask cluster
        (:func:`influence.engines.dask.run_analysis_dask`; the ``dask`` extra).
    client : distributed.Client or str, optional
        With ``engine="dask"``: a client or a scheduler address; default the
        current client, else a local cluster on this machine's cores.
    horizon : str or Timedelta
        Window after a contribution in which its cascade counts (default 24 h).
    options : ClassifyOptions, optional
        Thresholds, minimum activity and axis weights.
    brand : iterable of str, optional
        Brand, product or topic keywords: messages mentioning one weigh more in
        ``intimacy`` (:func:`influence.engagement.add_engagement`; give the same
        keywords to :func:`influence.read` so that messages carry ``brand_mention``).
    profile_url : str, optional
        A template such as ``"https://cardano.stackexchange.com/users/{user_id}"``
        for the ``profile_url`` column (the id percent-encoded), replacing the
        platform's own; for dumps without profile links (Stack Exchange, Discourse,
        Slack, mbox, tables). See :meth:`Community.with_profile_url`.

    Returns
    -------
    Analysis
        The users table ends with Forrester's four I's (``involvement``,
        ``interaction``, ``intimacy``, ``influence`` and their details, see
        :func:`influence.engagement.compute_engagement`).

    Raises
    ------
    EmptyCommunityError
        When no message is left in the window.
    ValueError
        When ``profile_url`` is not an http(s) URL with ``{user_id}``.
    """
    from influence.engines import check_engine

    if profile_url is not None:
        community = community.with_profile_url(profile_url)
    if check_engine(engine) == "dask":
        from influence.engines.dask import run_analysis_dask

        return run_analysis_dask(  # adds the four I's too
            community,
            client=client,
            since=since,
            until=until,
            horizon=horizon,
            options=options,
            brand=brand,
        )
    options = options or ClassifyOptions()
    horizon = pd.Timedelta(horizon)
    start = time.perf_counter()
    windowed = window_or_raise(community, since, until)
    metrics = compute_metrics(windowed, horizon=horizon)
    timings = {"metrics": time.perf_counter() - start}
    return finish_analysis(
        windowed,
        metrics,
        options=options,
        timings=timings,
        since=since,
        until=until,
        horizon=horizon,
        brand=brand,
    )


def window_or_raise(community: Community, since=None, until=None) -> Community:
    """The community in ``[since, until)``; EmptyCommunityError when no message is left.

    Shared by every engine, so that the window and its error are one rule.
    """
    windowed = community.window(since, until) if (since or until) else community
    if windowed.messages.empty:
        raise EmptyCommunityError(
            "community must have at least one message in the window "
            f"(got 0 of {len(community.messages)} messages"
            + (f" between {since} and {until}" if (since or until) else "")
            + ")"
        )
    return windowed


def finish_analysis(
    windowed: Community,
    metrics: pd.DataFrame,
    *,
    options: ClassifyOptions,
    timings: dict[str, float],
    since=None,
    until=None,
    horizon: pd.Timedelta,
    brand=None,
    extra_parameters: dict | None = None,
) -> Analysis:
    """From a metric table to the :class:`Analysis`: classify, users table, four I's.

    Shared by every engine (the metric table is the only thing engines compute
    differently). The four I's but the influence score need only the community
    and the metric table: they are computed in the metric table's order beside
    the classification (:func:`~influence._parallel.run_together`), then put in
    the users table's order.
    """
    from influence.engagement import (  # engagement builds on Analysis
        _engagement_table,
        _join_engagement,
        _member_engagement,
    )

    def classify() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
        start = time.perf_counter()
        classes = classify_users(metrics, options)
        timings["classify"] = time.perf_counter() - start
        return (classes, *_users_table(windowed, metrics, classes))

    def engage():  # what the four I's need besides the influence score, beside classify
        start = time.perf_counter()
        ids = windowed.user_ids
        messages = metrics["messages"].to_numpy(np.float64, na_value=np.nan)
        parts = _member_engagement(
            windowed,
            metrics.index,
            np.arange(len(ids)) if metrics.index is ids else positions(metrics.index, ids),
            # inactive exactly where classify_users says so: no message (or missing)
            active=np.nan_to_num(messages, nan=0.0) > 0,
            active_days=metrics["active_days"].to_numpy(np.float64, na_value=np.nan),
            messages=messages,
            brand=brand,
        )
        return parts, time.perf_counter() - start

    (classes, users, order), (parts, seconds) = run_together(
        [classify, engage], waiting=lambda k: step(FINISH_STEPS[k])
    )
    parameters = {
        "since": None if since is None else str(since),
        "until": None if until is None else str(until),
        "horizon": str(horizon),
        "top_share": options.top_share,
        "min_messages": options.min_messages,
        "talkative_weights": dict(options.talkative_weights),
        "listened_to_weights": dict(options.listened_to_weights),
        **(extra_parameters or {}),
    }
    analysis = Analysis(
        community=windowed,
        users=users,
        parameters=parameters,
        thresholds=classes.attrs["thresholds"],
        weights=classes.attrs["weights"],
        timings=timings,
    )
    start = time.perf_counter()
    four = _engagement_table(parts, users["influence_score"], order)
    analysis = _join_engagement(analysis, four)
    analysis.timings["engagement"] = seconds + time.perf_counter() - start
    return analysis


def _users_table(
    community: Community, metrics: pd.DataFrame, classes: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The users table, and the positions of its rows among the rows of ``metrics``."""
    profile = community.users.set_index("user_id")
    table = classes.join(metrics)
    table["display_name"] = profile["display_name"].reindex(table.index)
    if community.profile_url:
        table["profile_url"] = profile_urls(community.profile_url, table.index)
    table.index.name = "user_id"
    lead = [c for c in USERS_COLUMNS if c != "user_id"]
    rest = [c for c in table.columns if c not in lead]
    table = table[lead + rest]
    order = ranking_order(table["influence_score"], table.index)
    return table.iloc[order], order


def ranking_order(scores: pd.Series, ids: pd.Index) -> np.ndarray:
    """Positions of the users by score, highest first (missing as -1), then by id.

    The order of ``sort_values([score, user_id], ascending=[False, True])``
    (ids are unique, so there are no ties), from one ``lexsort`` on numbers:
    the ids are ranked once by Arrow's sort (by code point, as pandas), not
    compared as Python strings.

    Examples
    --------
    >>> ranking_order(pd.Series([0.5, None, 0.5, 0.9]), pd.Index(["b", "c", "a", "d"])).tolist()
    [3, 2, 0, 1]
    """
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[pc.sort_indices(arrow_strings(ids)).to_numpy()] = np.arange(len(ids))
    return np.lexsort((id_rank, -scores.fillna(-1.0).to_numpy(dtype=np.float64)))


def analyze(community: Community | str | Path, **options) -> pd.DataFrame:
    """Score every member and return the users table.

    Parameters
    ----------
    community : Community, str or Path
        A community, or a path handed to :func:`influence.read`.
    **options
        ``since``, ``until``, ``horizon``, ``options`` (a
        :class:`~influence.classify.ClassifyOptions`), ``engine``, ``client`` and
        ``brand``, as for :func:`run_analysis` (``brand`` also goes to
        :func:`influence.read` when ``community`` is a path). With
        ``engine="dask"`` a path is read by the cluster's workers (Stack Exchange
        XML by byte ranges). ``sentiment=False`` (with a path) reads without
        scoring the texts (:func:`influence.read`): faster, and ``intimacy`` is empty.

    Returns
    -------
    DataFrame
        Indexed by ``user_id``, ranked by ``influence_score`` (then ``user_id``);
        columns :data:`USERS_COLUMNS` first, then every other metric, then the
        four I's of engagement.

    Examples
    --------
    >>> import influence
    >>> users = influence.analyze("datasets/stackexchange-conlang-meta-2020")
    >>> list(users.columns[:5])
    ['display_name', 'segment', 'talkative_score', 'listened_to_score', 'influence_score']
    >>> bool((users["segment"] == "true_influencer").any())
    True
    """
    sentiment = options.pop("sentiment", True)
    if not isinstance(community, Community) and options.get("engine") == "dask":
        from influence.engines._partitions import read_partitioned
        from influence.engines.dask import cluster_client

        with cluster_client(options.pop("client", None)) as client:
            community = read_partitioned(
                community, client=client, brand=options.get("brand"), sentiment=sentiment
            )
            return run_analysis(community, client=client, **options).users
    if not isinstance(community, Community):
        from influence.sources import read

        community = read(community, brand=options.get("brand"), sentiment=sentiment)
    return run_analysis(community, **options).users
