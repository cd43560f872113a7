"""The numpy classification and four I's against the plain pandas code they replaced.

Each fast path (``log_standard_scores``/``axis_scores`` on arrays, the shares
of the reasons computed for the labelled users only, the average-rank
percentiles, the one-sort sessions, the four I's computed in the metric
table's order beside ``classify_users``) must give the same values, to the
last bit, as the plain algorithm kept here as the reference: on random data
(Hypothesis) and on both shipped datasets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_classify import _reasons_reference, _top_share  # the plain reasons, shares

import influence
from influence.analysis import USERS_COLUMNS, _users_table, ranking_order
from influence.classify import (
    PARTICIPATION_WEIGHTS,
    SEGMENTS,
    ClassifyOptions,
    _top_shares,
    axis_scores,
    classify_users,
    log_standard_scores,
)
from influence.engagement import (
    _coarsest_unit,
    _mean_ranks,
    _percentiles,
    _sessions,
    add_engagement,
    compute_engagement,
)
from influence.metrics import compute_metrics
from influence.progress import watch_steps

DATASETS = ("stackexchange-cardano-2021", "stackexchange-conlang-meta-2020")


def _same_bits(got, expected) -> None:
    """Equal floats, NaN where NaN, and the same sign of every zero."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


# --- the plain algorithms (pandas, as the code was before) --------------------------------


def _plain_filled(values: pd.Series) -> pd.Series:
    floats = values.astype("float64")
    return floats.fillna(floats.min() if floats.notna().any() else 0.0)


def _plain_log_standard_scores(values: pd.Series) -> pd.Series:
    filled = _plain_filled(values)
    logged = np.sign(filled) * np.log1p(filled.abs())
    spread = float(logged.std(ddof=0)) if len(logged) else 0.0
    if not spread > 0:
        return pd.Series(0.0, index=values.index, dtype="float64")
    return ((logged - logged.mean()) / spread).astype("float64")


def _plain_axis_scores(metrics: pd.DataFrame, weights) -> tuple[pd.Series, dict]:
    used = {k: float(w) for k, w in weights.items() if k in metrics.columns and w > 0}
    total = sum(used.values())
    used = {k: w / total for k, w in used.items()}
    if len(metrics) <= 1:
        return pd.Series(1.0, index=metrics.index, dtype="float64"), used
    mean = sum(_plain_log_standard_scores(metrics[k]) * w for k, w in used.items())
    low, high = float(mean.min()), float(mean.max())
    if not high > low:
        return pd.Series(0.0, index=metrics.index, dtype="float64"), used
    return ((mean - low) / (high - low)).astype("float64"), used


def _plain_classify_users(metrics: pd.DataFrame, options: ClassifyOptions) -> pd.DataFrame:
    active = metrics["messages"].fillna(0) > 0
    relevant = set(options.talkative_weights) | set(options.listened_to_weights)
    relevant |= set(PARTICIPATION_WEIGHTS)
    candidates = metrics.loc[active, [c for c in metrics.columns if c in relevant]]
    act = candidates.loc[:, candidates.notna().any().to_numpy(bool)]
    top = act.apply(_top_share)
    talk, talk_w = _plain_axis_scores(act, options.talkative_weights)
    listen, listen_w = _plain_axis_scores(act, options.listened_to_weights)
    part, _ = _plain_axis_scores(act, PARTICIPATION_WEIGHTS)
    out = pd.DataFrame(index=metrics.index)
    out["talkative_score"] = talk.reindex(metrics.index)
    out["listened_to_score"] = listen.reindex(metrics.index)
    out["influence_score"] = np.sqrt(out["talkative_score"] * out["listened_to_score"])
    out["participation"] = part.reindex(metrics.index)
    q = 1 - options.top_share
    t_thr = float(talk.quantile(q)) if len(talk) else np.inf
    l_thr = float(listen.quantile(q)) if len(listen) else np.inf
    eligible = active & (metrics["messages"].fillna(0) >= options.min_messages)
    high_t = eligible & (out["talkative_score"] >= t_thr) & (out["talkative_score"] > 0)
    high_l = eligible & (out["listened_to_score"] >= l_thr) & (out["listened_to_score"] > 0)
    segment = np.select(
        [~active, high_t & high_l, high_l, high_t],
        ["inactive", "true_influencer", "listened_to", "talkative"],
        default="member",
    )
    out["segment"] = pd.Categorical(segment, categories=list(SEGMENTS))
    reasons = _reasons_reference(
        out["segment"][active], top, talk_w, listen_w, act, options.reasons
    )
    out["reasons"] = reasons.reindex(metrics.index).fillna("no contribution in the window")
    out["reasons"] = out["reasons"].astype("object")
    # what attrs must hold: the weights used, and the axis thresholds with the options
    out.attrs = {"weights": [talk_w, listen_w], "thresholds": [t_thr, l_thr, options]}
    return out


def _same_attrs(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    talk_w, listen_w = expected.attrs["weights"]
    assert got.attrs["weights"] == {"talkative": talk_w, "listened_to": listen_w}
    t_thr, l_thr, options = expected.attrs["thresholds"]
    assert got.attrs["thresholds"] == {
        "talkative_score": t_thr,
        "listened_to_score": l_thr,
        "top_share": options.top_share,
        "min_messages": options.min_messages,
    }


def _plain_percentile(values: pd.Series, active: np.ndarray) -> np.ndarray:
    out = np.full(len(values), np.nan)
    ranked = values[active].astype("float64").fillna(0.0).rank(pct=True, method="average")
    out[active] = ranked.to_numpy(np.float64)
    return out


def _plain_mean_rank(components: dict[str, pd.Series], active: np.ndarray) -> np.ndarray:
    ranks = [pd.Series(_plain_percentile(v, active)) for v in components.values()]
    return pd.concat(ranks, axis=1).mean(axis=1, skipna=False).to_numpy(np.float64)


def _plain_sessions(author: np.ndarray, times: np.ndarray, gap: pd.Timedelta, n: int):
    """Sort by author and time (pandas); a session starts after a gap or a new author."""
    frame = pd.DataFrame({"author": author, "time": times})
    frame = frame[frame["author"] >= 0].sort_values(["author", "time"], kind="stable")
    who, when = frame["author"].to_numpy(), frame["time"].to_numpy("datetime64[ns]")
    new = np.ones(len(frame), dtype=bool)
    new[1:] = (who[1:] != who[:-1]) | ((when[1:] - when[:-1]) > gap.to_timedelta64())
    return np.bincount(who[new], minlength=n).astype("float64")


# --- random data ---------------------------------------------------------------------------

# few distinct values (ties), zeros of both signs, missing and infinite values
_VALUES = st.lists(
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 2.5, 7.0, -3.0, 1e9, np.nan, np.inf, -np.inf])
    | st.floats(-1e6, 1e6),
    min_size=0,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_VALUES, st.randoms(use_true_random=False))
def test_percentiles_equal_pandas_average_ranks(values, rng):
    values = np.array(values, dtype=float)
    active = np.array([rng.random() < 0.8 for _ in values], dtype=bool)
    _same_bits(_percentiles(values, active), _plain_percentile(pd.Series(values), active))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(0, 40), st.randoms(use_true_random=False))
def test_mean_ranks_equal_the_pandas_row_mean(k, n, rng):
    columns = {
        f"c{j}": np.array([rng.choice([0.0, 1.0, 2.0, np.nan, rng.random()]) for _ in range(n)])
        for j in range(k)
    }
    active = np.array([rng.random() < 0.7 for _ in range(n)], dtype=bool)
    series = {key: pd.Series(v) for key, v in columns.items()}
    _same_bits(_mean_ranks(columns, active), _plain_mean_rank(series, active))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf, as in pandas
@settings(max_examples=100, deadline=None)
@given(_VALUES)
def test_log_standard_scores_equal_pandas(values):
    series = pd.Series(values, dtype="float64")
    _same_bits(log_standard_scores(series), _plain_log_standard_scores(series))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 30), st.randoms(use_true_random=False))
def test_axis_scores_equal_pandas(n, rng):
    pick = [0.0, 1.0, 3.0, 40.0, np.nan]
    table = pd.DataFrame(
        {c: [rng.choice(pick) * rng.choice([1, 1.5]) for _ in range(n)] for c in "abc"}
    )
    table["c"] = table["c"].fillna(0.0)
    weights = {"a": 1.0, "b": 2.5, "c": 0.5, "absent": 3.0}
    score, used = axis_scores(table, weights)
    plain, plain_used = _plain_axis_scores(table, weights)
    _same_bits(score, plain)
    assert used == plain_used


@settings(max_examples=100, deadline=None)
@given(_VALUES.filter(lambda v: not all(np.isnan(v))), st.randoms(use_true_random=False))
def test_top_shares_equal_pandas_min_ranks(values, rng):
    values = np.array(values, dtype=float)
    at = np.array(sorted(rng.sample(range(len(values)), rng.randint(0, len(values)))), dtype=int)
    expected = _top_share(pd.Series(values)).to_numpy()[at]
    _same_bits(_top_shares(values, at), expected)


def _random_metrics(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = set(ClassifyOptions().talkative_weights) | set(ClassifyOptions().listened_to_weights)
    table = {c: rng.integers(0, 6, n) * rng.random(n).round(1) for c in sorted(columns)}
    table["messages"] = rng.integers(0, 6, n).astype(float)
    table["extra"] = rng.random(n)  # not a metric of any axis
    metrics = pd.DataFrame(table, index=pd.Index([f"u{i}" for i in range(n)], name="user_id"))
    metrics.iloc[::7, 3] = np.nan
    metrics.iloc[::5, 0] = np.nan
    metrics["feedback"] = np.nan  # missing for everyone: left out
    metrics.loc[metrics.index[::11], "messages"] = np.nan  # missing: inactive
    return metrics


@pytest.mark.parametrize(
    ("seed", "options"),
    [
        (0, ClassifyOptions()),
        (1, ClassifyOptions(top_share=0.3, min_messages=1, reasons=9)),
        (2, ClassifyOptions(top_share=0.5, min_messages=2, reasons=0)),
        (3, ClassifyOptions(top_share=0.2, reasons=2, talkative_weights={"messages": 1})),
    ],
)
def test_classify_users_equals_the_pandas_classification(seed, options):
    metrics = _random_metrics(seed, 700)
    got = classify_users(metrics, options)
    expected = _plain_classify_users(metrics, options)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    _same_attrs(got, expected)
    assert (got["reasons"].str.startswith("top ")).sum() > (0 if options.reasons else -1)


def test_classify_users_on_no_and_one_active_user():
    for n_active in (0, 1):
        metrics = _random_metrics(4, 5)
        metrics["messages"] = [3.0] * n_active + [0.0] * (5 - n_active)
        got = classify_users(metrics)
        expected = _plain_classify_users(metrics, ClassifyOptions())
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        _same_attrs(got, expected)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 6), st.integers(0, 4000)), max_size=80),
    st.sampled_from([1, 1_000, 1_000_000, 1_000_000_000, 60_000_000_000]),
    st.sampled_from(["0s", "1ms", "90s", "30min", "1D", "-1s"]),
    st.booleans(),
)
def test_sessions_equal_the_sorting_reference(pairs, unit, gap, wide):
    author = np.array([a for a, _ in pairs], dtype=np.int64)
    stamps = np.array([t for _, t in pairs], dtype=np.int64) * unit + 1_700_000_000 * 10**9
    if wide and len(stamps):  # spanning 1700..2200: too wide for one key, the plain way
        stamps[0] = np.datetime64("1700-01-01", "ns").astype(np.int64)
        stamps[-1] = np.datetime64("2200-01-01", "ns").astype(np.int64)
    times = stamps.view("datetime64[ns]")
    n = 7
    got = _sessions(author, times, pd.Timedelta(gap), n)
    _same_bits(got, _plain_sessions(author, times, pd.Timedelta(gap), n))


def test_coarsest_unit_is_exact():
    assert _coarsest_unit(np.array([0, 2 * 10**9]))[0] == 10**9
    assert _coarsest_unit(np.array([0, 1_500_000_000]))[0] == 10**6
    assert _coarsest_unit(np.array([0, 10**9] + [7] * 1500))[0] == 1  # past the quick check
    assert _coarsest_unit(np.array([0, 10**9] + [3_000] * 1500))[0] == 1_000


# --- the shipped datasets --------------------------------------------------------------------


def _plain_compute_engagement(community, users) -> pd.DataFrame:
    """compute_engagement without sentiment columns, the plain way (for the columns that
    the fast path computes differently: sessions, views, reactions, percentiles)."""
    from influence.engagement import REACTION_KINDS

    active = (users["segment"] != "inactive").to_numpy(bool)
    messages = community.messages
    author = messages["author_id"].astype("string")
    codes_author = pd.Index(users.index.astype(str)).get_indexer(author.fillna("\0"))
    times = messages["created_at"].to_numpy("datetime64[ns]")
    sessions = pd.Series(
        _plain_sessions(codes_author, times, pd.Timedelta("30min"), len(users)), index=users.index
    )
    presence = {"active_days": users["active_days"], "sessions": sessions}
    if "views" in community.users.columns:
        profile = community.users.set_index(community.users["user_id"].astype(str))
        views = pd.to_numeric(profile["views"], errors="coerce").astype("float64")
        views = pd.Series(views.reindex(users.index.astype(str)).to_numpy(), index=users.index)
        if views[active].notna().any():
            presence["views"] = views
    interactions = community.interactions
    kinds = interactions["kind"].astype(str).isin(REACTION_KINDS)
    given = interactions.loc[kinds, "source"].astype(str).value_counts()
    given = pd.Series(given.reindex(users.index.astype(str)).fillna(0.0).to_numpy(), users.index)
    contribution = {"messages": users["messages"]}
    if float(given[active].sum()) > 0:
        contribution["reactions_given"] = given
    return pd.DataFrame(
        {
            "involvement": _plain_mean_rank(presence, active),
            "interaction": _plain_mean_rank(contribution, active),
            "sessions": sessions.to_numpy(),
            "reactions_given": given.to_numpy(),
            **({"views": presence["views"].to_numpy()} if "views" in presence else {}),
        },
        index=users.index,
    )


@pytest.fixture(scope="module", params=DATASETS)
def shipped(request):
    community = influence.read(f"datasets/{request.param}")
    return community, compute_metrics(community)


def test_the_shipped_datasets_are_classified_as_by_pandas(shipped):
    _, metrics = shipped
    options = ClassifyOptions()
    got = classify_users(metrics, options)
    pd.testing.assert_frame_equal(got, _plain_classify_users(metrics, options), check_exact=True)
    assert (got["segment"] == "true_influencer").sum() > 0


@pytest.mark.parametrize("threads", ["1", "2"])
def test_the_analysis_equals_classify_then_the_public_four_is(shipped, threads, monkeypatch):
    # finish_analysis computes the four I's in the metric table's order, beside
    # classify_users; the public path computes them on the finished users table
    monkeypatch.setenv("INFLUENCE_THREADS", threads)
    community, metrics = shipped
    steps = []
    with watch_steps(lambda name, k, n: steps.append(name)):
        analysis = influence.run_analysis(community)
    assert steps[-2:] == ["classify", "engagement"]
    classes = classify_users(metrics, ClassifyOptions())
    users, _ = _users_table(community, metrics, classes)
    plain = add_engagement(
        influence.analysis.Analysis(community, users, dict(analysis.parameters), {}, {})
    )
    pd.testing.assert_frame_equal(analysis.users, plain.users, check_exact=True)
    assert analysis.parameters == plain.parameters
    assert analysis.users.attrs == plain.users.attrs == {}
    # and the public four I's against the plain pandas computation, member by member
    four = compute_engagement(community, users.iloc[::-1])
    expected = _plain_compute_engagement(community, users.iloc[::-1])
    for column in expected.columns:
        _same_bits(four[column], expected[column])
    active = users["segment"] != "inactive"
    assert (active == (metrics["messages"].reindex(users.index).fillna(0) > 0)).all()


def test_the_users_table_is_ranked_as_by_the_id_sort(shipped):
    # the users table is the plain table put in ranking_order, and says so
    community, metrics = shipped
    assert metrics.index is community.user_ids
    classes = classify_users(metrics)
    table, order = _users_table(community, metrics, classes)
    plain = classes.join(metrics)
    plain["display_name"] = community.users.set_index("user_id")["display_name"].reindex(
        plain.index
    )
    lead = [c for c in USERS_COLUMNS if c != "user_id"]
    plain = plain[lead + [c for c in plain.columns if c not in lead]]
    expected = ranking_order(plain["influence_score"], plain.index)
    np.testing.assert_array_equal(order, expected)
    pd.testing.assert_frame_equal(table, plain.iloc[expected], check_exact=True)
