"""Axes, segments and reasons on hand-made metric tables."""

import numpy as np
import pandas as pd
import pytest

from influence.classify import (
    LISTENED_TO_WEIGHTS,
    SEGMENTS,
    TALKATIVE_WEIGHTS,
    ClassifyOptions,
    classify_users,
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


def test_axes_are_weighted_means_of_percentiles():
    # 5 active users; talkative uses messages (w 1) and out_reach (w 1.5) only here.
    m = _metrics(messages=[1, 2, 3, 4, 5], out_reach=[5, 4, 3, 2, 1], reputation=[0, 0, 0, 0, 9])
    opts = ClassifyOptions(
        talkative_weights={"messages": 1, "out_reach": 1.5},
        listened_to_weights={"reputation": 1},
        min_messages=1,
    )
    out = classify_users(m, opts)
    # messages pct: 0, .25, .5, .75, 1 ; out_reach pct: 1, .75, .5, .25, 0
    expected = (
        np.array([0, 0.25, 0.5, 0.75, 1]) * 1 + np.array([1, 0.75, 0.5, 0.25, 0]) * 1.5
    ) / 2.5
    np.testing.assert_allclose(out["talkative_score"], expected)
    np.testing.assert_allclose(out["listened_to_score"], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(
        out["influence_score"], np.sqrt(out["talkative_score"] * out["listened_to_score"])
    )
    assert out.attrs["weights"]["talkative"] == {"messages": 0.4, "out_reach": 0.6}


def test_segments_cover_every_case_and_minimum_activity():
    # u0..u9 active, u10 inactive. top_share 0.3 -> 70th percentile thresholds.
    # reputation pct (r-1)/9: u0 1, u2 8/9, u3 7/9, u9 6/9; threshold = quantile .7 of
    # {0, 1/9, ..., 1} = 6.3/9 = .7 -> high: u0, u2, u3.
    # messages pct: u0 1, u1 8/9, u9 7/9, u8 6/9 -> high: u0, u1, u9.
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
    assert listen_thr == pytest.approx(0.7)
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
