"""Axes, segments and reasons on hand-made metric tables."""

import numpy as np
import pandas as pd
import pytest

from influence.classify import (
    LISTENED_TO_WEIGHTS,
    SEGMENTS,
    TALKATIVE_WEIGHTS,
    ClassifyOptions,
    axis_scores,
    classify_users,
    log_standard_scores,
    percentile_ranks,
)


def _metrics(**columns):
    index = pd.Index([f"u{i}" for i in range(len(next(iter(columns.values()))))], name="user_id")
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()}, index=index)


def test_percentile_ranks_ties_share_the_lowest_rank():
    # values 3, 1, 1, 7, NaN: NaN takes the lowest value (1), so ranks (min) are
    # 4, 1, 1, 5, 1 -> (r - 1) / 4
    out = percentile_ranks(pd.Series([3.0, 1.0, 1.0, 7.0, np.nan]))
    assert out.tolist() == [0.75, 0.0, 0.0, 1.0, 0.0]


def test_percentile_ranks_single_user_is_top():
    assert percentile_ranks(pd.Series([2.0])).tolist() == [1.0]


def test_log_standard_scores_by_hand():
    # values 0, e-1, e^2-1, NaN: signed log1p -> 0, 1, 2, and NaN takes the lowest (0).
    # g = (0, 1, 2, 0): mean 0.75, population variance (0.5625+0.0625+1.5625+0.5625)/4
    # = 0.6875, sd = 0.829156; z = (g - 0.75) / sd.
    e = np.e
    out = log_standard_scores(pd.Series([0.0, e - 1, e**2 - 1, np.nan]))
    sd = np.sqrt(0.6875)
    np.testing.assert_allclose(out, [-0.75 / sd, 0.25 / sd, 1.25 / sd, -0.75 / sd])
    # negative values keep their sign: g(-(e-1)) = -1, g(e-1) = 1 -> z = -1, 1
    np.testing.assert_allclose(log_standard_scores(pd.Series([-(e - 1), e - 1])), [-1.0, 1.0])
    # a constant metric says nothing about anyone
    assert log_standard_scores(pd.Series([3.0, 3.0, 3.0])).tolist() == [0.0, 0.0, 0.0]


def test_log_scores_keep_orders_of_magnitude_at_the_top():
    # Percentile ranks put 10 and 1000 one step apart; the log scale puts 1000 twice as
    # far from 0 as 10 (log1p: 0, 2.398, 6.909): the top stays the top by a margin.
    values = pd.Series([0.0, 0.0, 10.0, 1000.0])
    pct = percentile_ranks(values).tolist()
    assert pct[3] - pct[2] == pytest.approx(1 / 3)
    z = log_standard_scores(values)
    assert (z[3] - z[2]) > (z[2] - z[0])


def test_axis_scores_by_hand():
    # a = (0, e-1, e^2-1): g = (0, 1, 2), mean 1, sd sqrt(2/3): z_a = (-1, 0, 1) * 1.224745
    # b = (0, 0, e-1):     g = (0, 0, 1), mean 1/3, sd sqrt(2)/3: z_b = (-0.707107,
    #                      -0.707107, 1.414214)
    # weights a 1, b 3 -> 0.25, 0.75: s = 0.25 z_a + 0.75 z_b = (-0.306186 - 0.530330,
    # 0 - 0.530330, 0.306186 + 1.060660) = (-0.836516, -0.530330, 1.366846);
    # rescaled (s - min) / (max - min): (0, 0.306186 / 2.203362, 1) = (0, 0.138963, 1)
    e = np.e
    m = pd.DataFrame({"a": [0.0, e - 1, e**2 - 1], "b": [0.0, 0.0, e - 1]})
    score, used = axis_scores(m, {"a": 1, "b": 3, "absent": 5})
    assert used == {"a": 0.25, "b": 0.75}
    np.testing.assert_allclose(score, [0.0, 0.138963, 1.0], atol=1e-6)
    # one user is the top; equal users are all at 0
    assert axis_scores(m.iloc[:1], {"a": 1})[0].tolist() == [1.0]
    assert axis_scores(pd.DataFrame({"a": [1.0, 1.0]}), {"a": 1})[0].tolist() == [0.0, 0.0]


def test_axes_are_rescaled_weighted_means_of_log_scores():
    # 5 active users; talkative uses messages (w 1) and out_reach (w 1.5) only here.
    # messages e-1, ..., e^5-1 and out_reach the reverse: g_m = (1..5), g_o = (5..1),
    # z_m = (g_m - 3) / sqrt(2) = -z_o; s = (z_m + 1.5 z_o) / 2.5 = -0.2 z_m,
    # decreasing in messages: rescaled to (1, 0.75, 0.5, 0.25, 0).
    # reputation (0, 0, 0, 0, 9): only u4 stands out -> listened (0, 0, 0, 0, 1).
    g = np.arange(1.0, 6.0)
    m = _metrics(messages=np.expm1(g), out_reach=np.expm1(6 - g), reputation=[0, 0, 0, 0, 9])
    opts = ClassifyOptions(
        talkative_weights={"messages": 1, "out_reach": 1.5},
        listened_to_weights={"reputation": 1},
        min_messages=1,
    )
    out = classify_users(m, opts)
    np.testing.assert_allclose(out["talkative_score"], [1, 0.75, 0.5, 0.25, 0], atol=1e-12)
    np.testing.assert_allclose(out["listened_to_score"], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(
        out["influence_score"], np.sqrt(out["talkative_score"] * out["listened_to_score"])
    )
    assert out.attrs["weights"]["talkative"] == {"messages": 0.4, "out_reach": 0.6}


def test_segments_cover_every_case_and_minimum_activity():
    # u0..u9 active, u10 inactive. top_share 0.3 -> 70th percentile thresholds.
    # One metric per axis: the axis is log1p(value) rescaled to [0, 1] (standardising
    # one metric does not change its order or proportions). Reputation sorted: .1 .2 .3
    # .4 .5 .6 .7 7 8 9 (u1, u4..u9, u3, u2, u0); quantile .7 sits at position 6.3, 0.3
    # of the way from log1p(.7) = 0.530628 to log1p(7) = 2.079442: 0.995272; rescaled
    # (0.995272 - log1p(.1)) / (log1p(9) - log1p(.1)) = 0.899962 / 2.207275 = 0.407725
    # -> high: u0, u2, u3. Messages likewise -> high: u0, u1, u9.
    msgs = [20, 18, 1, 2, 3, 4, 5, 6, 7, 8, 0]
    rep = [9, 0.1, 8, 7, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0]
    m = _metrics(messages=msgs, reputation=rep)
    opts = ClassifyOptions(
        top_share=0.3,
        min_messages=2,
        talkative_weights={"messages": 1},
        listened_to_weights={"reputation": 1},
    )
    out = classify_users(m, opts)
    seg = out["segment"].astype(str).tolist()
    # u0: top messages and top reputation -> true influencer
    # u1: top messages, low reputation -> talkative
    # u2: second reputation but 1 message < min_messages -> member
    # u3: third reputation, 2 messages -> listened_to; u9: third in messages -> talkative
    talk_thr, listen_thr = (
        out.attrs["thresholds"]["talkative_score"],
        out.attrs["thresholds"]["listened_to_score"],
    )
    assert talk_thr == pytest.approx(np.quantile(out["talkative_score"].iloc[:10], 0.7))
    assert seg[0] == "true_influencer"
    assert seg[1] == "talkative"
    assert seg[2] == "member"
    assert listen_thr == pytest.approx(0.407725, abs=1e-6)
    assert seg[3] == "listened_to"
    assert seg[9] == "talkative"
    assert seg[4:9] == ["member"] * 5
    assert seg[10] == "inactive"
    assert np.isnan(out["talkative_score"].iloc[10])
    assert out["reasons"].iloc[10] == "no contribution in the window"
    assert list(out["segment"].cat.categories) == list(SEGMENTS)


def test_reasons_name_the_metrics_and_their_rank():
    m = _metrics(messages=[10, 1, 1, 1], reputation=[5, 1, 0, 0])
    out = classify_users(
        m,
        ClassifyOptions(
            top_share=0.25,
            min_messages=2,
            talkative_weights={"messages": 1},
            listened_to_weights={"reputation": 1},
        ),
    )
    # u0 is alone at the top of both: share 1/4 -> "top 25%"
    assert out.loc["u0", "segment"] == "true_influencer"
    assert out.loc["u0", "reasons"] == "top 25% messages, top 25% reputation"
    assert out.loc["u1", "reasons"] == ""


def test_missing_metric_is_left_out_and_weights_renormalised():
    m = _metrics(messages=[3, 4, 5], reputation=[1, 2, 3], feedback=[np.nan] * 3)
    out = classify_users(m, ClassifyOptions(min_messages=1))
    assert "feedback" not in out.attrs["weights"]["listened_to"]
    assert sum(out.attrs["weights"]["listened_to"].values()) == pytest.approx(1.0)


def test_input_is_not_mutated():
    m = _metrics(messages=[3, 4, 5], reputation=[1, 2, 3])
    before = m.copy()
    classify_users(m)
    pd.testing.assert_frame_equal(m, before)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_share": 0}, "top_share must be between 0 and 1 (got 0)"),
        ({"top_share": 1.5}, "top_share must be between 0 and 1 (got 1.5)"),
        ({"min_messages": 0}, "min_messages must be at least 1 (got 0)"),
        ({"talkative_weights": {"messages": -1}}, "talkative weights must be finite"),
        ({"listened_to_weights": {"reputation": 0}}, "listened_to weights must be finite"),
    ],
)
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ClassifyOptions(**kwargs)


def test_default_weights_are_documented_metrics():
    assert set(TALKATIVE_WEIGHTS) >= {"messages", "out_reach"}
    assert set(LISTENED_TO_WEIGHTS) >= {"reputation", "propagation_speed", "self_proclamation"}


def _top_share(values):
    """The plain share of users at or above each value (pandas rank), the reference."""
    floats = values.astype("float64")
    filled = floats.fillna(floats.min() if floats.notna().any() else 0.0)
    return filled.rank(method="min", ascending=False).astype("float64") / len(filled)


def _reasons_reference(segment, top, talk_w, listen_w, values, limit):
    """The plain ``_reasons`` (long table, sort, groupby, join) the numpy one replaced."""
    from influence.classify import _LABELS

    reasons = pd.Series("", index=segment.index, dtype="object")
    axes = {
        "true_influencer": list(dict.fromkeys([*listen_w, *talk_w])),
        "listened_to": list(listen_w),
        "talkative": list(talk_w),
    }
    for label, columns in axes.items():
        users = segment.index[(segment == label).to_numpy()]
        if not len(users):
            continue
        shares = top.loc[users, columns].where(values.loc[users, columns] > 0)
        shares = shares.where(shares <= 0.25)
        long = shares.stack().dropna().rename("share").reset_index()
        long.columns = ["user_id", "metric", "share"]
        long = long.sort_values(["user_id", "share", "metric"], kind="stable")
        long = long.groupby("user_id", sort=False).head(limit)
        percent = np.maximum(np.ceil(long["share"].to_numpy() * 100), 1).astype(int)
        long["text"] = [
            f"top {p}% {_LABELS.get(m, m)}" for p, m in zip(percent, long["metric"], strict=True)
        ]
        joined = long.groupby("user_id", sort=False)["text"].agg(", ".join)
        reasons.loc[joined.index] = joined
    return reasons


@pytest.mark.parametrize(("seed", "limit"), [(0, 4), (1, 2), (2, 0), (3, 9)])
def test_reasons_and_scores_equal_the_label_lookups(seed, limit):
    from influence.classify import _reasons

    rng = np.random.default_rng(seed)
    n = 600
    # few distinct values: ties in shares, zeros, missing values, inactive users
    columns = {c: rng.integers(0, 6, n) * rng.random(n).round(1) for c in TALKATIVE_WEIGHTS}
    columns |= {c: rng.integers(0, 4, n).astype(float) for c in LISTENED_TO_WEIGHTS}
    metrics = _metrics(**columns)
    metrics["messages"] = rng.integers(0, 5, n).astype(float)
    metrics.iloc[::17, 2] = np.nan
    metrics.index = pd.Index(rng.permutation(metrics.index.to_numpy()), name="user_id")
    options = ClassifyOptions(top_share=0.3, min_messages=2, reasons=limit)
    out = classify_users(metrics, options)
    active = metrics["messages"] > 0
    act = metrics.loc[active, [c for c in metrics.columns if metrics.loc[active, c].notna().any()]]
    top = act.apply(_top_share)
    weights = out.attrs["weights"]
    args = (out["segment"], top, weights["talkative"], weights["listened_to"], act, limit)
    expected = _reasons_reference(*args)
    codes = out["segment"].cat.codes.to_numpy()
    arrays = {c: act[c].to_numpy() for c in act}
    rows = np.flatnonzero(active.to_numpy())
    got = _reasons(codes, weights["talkative"], weights["listened_to"], arrays, limit, rows)
    got = pd.Series(got, index=metrics.index, dtype="object")
    pd.testing.assert_series_equal(got, expected)
    assert bool((got != "").sum() > 10) == (limit > 0)
    talk, _ = axis_scores(act, weights["talkative"])
    np.testing.assert_array_equal(
        out["talkative_score"].to_numpy(), talk.reindex(metrics.index).to_numpy()
    )
