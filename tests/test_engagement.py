"""Forrester's four I's (influence.engagement) on a community small enough to check by hand.

Members a, b, c write; d is known but inactive::

    id  author  time (2024-01-..)  parent  sentiment  mentions the brand
    m1  a       01 09:00           -        0.6       yes
    m2  b       01 09:10           m1      -0.4       no
    m3  a       01 09:20           m2       0.2       no
    m4  a       02 10:00           m2       -         no
    m5  c       02 10:05           m4       0.0       no

    kudos: b -> author of m1 (a)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import influence
from influence.community import ReadStats
from influence.engagement import add_engagement, compute_engagement
from influence.sources._common import assemble

_ROWS = [
    ("m1", "a", "2024-01-01 09:00", None, 0.6, True),
    ("m2", "b", "2024-01-01 09:10", "m1", -0.4, False),
    ("m3", "a", "2024-01-01 09:20", "m2", 0.2, False),
    ("m4", "a", "2024-01-02 10:00", "m2", np.nan, False),
    ("m5", "c", "2024-01-02 10:05", "m4", 0.0, False),
]


def tiny(*, sentiment: bool = True, kudos: bool = True):
    frame = pd.DataFrame(
        _ROWS, columns=["message_id", "author_id", "created_at", "parent_id", "sentiment", "brand"]
    )
    messages = pd.DataFrame(
        {
            "message_id": frame["message_id"],
            "author_id": frame["author_id"],
            "thread_id": "m1",
            "parent_id": frame["parent_id"],
            "created_at": pd.to_datetime(frame["created_at"], utc=True),
            "kind": "post",
            "platform": "table",
            "topic": None,
            "score": np.nan,
            "text_length": 10,
        }
    )
    if sentiment:
        messages["sentiment"] = frame["sentiment"]
        messages["brand_mention"] = frame["brand"]
    links = None
    if kudos:
        links = pd.DataFrame(
            {
                "kind": ["kudos"],
                "source": ["b"],
                "source_message_id": [None],
                "target": [None],
                "target_message_id": ["m1"],
                "message_id": ["m1"],
                "created_at": pd.to_datetime(["2024-01-01 12:00"], utc=True),
                "weight": [1.0],
            }
        )
    users = pd.DataFrame(
        {"user_id": ["a", "b", "c", "d"], "display_name": ["A", "B", "C", "D"]}
    ).assign(created_at=pd.NaT)
    return assemble(
        messages, links=links, users=users, stats=ReadStats(), platform="table", name="tiny"
    )


@pytest.fixture
def analysis():
    return influence.run_analysis(tiny(), options=influence.ClassifyOptions(min_messages=1))


def test_involvement_by_hand(analysis):
    four = compute_engagement(analysis.community, analysis.users)
    # active days a 2, b 1, c 1 -> percentile ranks 1.0, 0.5, 0.5 (b and c share ranks 1, 2)
    # sessions (30 min gap): a 2 (09:00 + 09:20, then 02 10:00), b 1, c 1 -> same ranks
    assert four.loc[["a", "b", "c"], "sessions"].tolist() == [2.0, 1.0, 1.0]
    assert four.loc[["a", "b", "c"], "involvement"].tolist() == [1.0, 0.5, 0.5]
    assert math.isnan(four.loc["d", "involvement"])


def test_interaction_by_hand(analysis):
    four = compute_engagement(analysis.community, analysis.users)
    # messages a 3, b 1, c 1 -> 1.0, 0.5, 0.5; reactions given a 0, b 1, c 0 -> 0.5, 1.0, 0.5
    assert four.loc[["a", "b", "c"], "reactions_given"].tolist() == [0.0, 1.0, 0.0]
    assert four.loc[["a", "b", "c"], "interaction"].tolist() == [0.75, 0.75, 0.5]


def test_intimacy_by_hand(analysis):
    four = compute_engagement(analysis.community, analysis.users, brand_weight=3.0)
    # a: m1 0.6 about the brand (weight 3), m3 0.2, m4 no sentiment -> (1.8 + 0.2) / 4 = 0.5
    assert four.loc["a", "intimacy"] == pytest.approx(0.5)
    assert four.loc["a", "sentiment"] == pytest.approx(0.4)  # (0.6 + 0.2) / 2
    assert four.loc["a", "brand_sentiment"] == pytest.approx(0.6)
    assert four.loc[["a", "b", "c"], "brand_messages"].tolist() == [1.0, 0.0, 0.0]
    assert four.loc[["a", "b", "c"], "sentiment_messages"].tolist() == [2.0, 1.0, 1.0]
    assert four.loc["b", "intimacy"] == pytest.approx(-0.4)
    assert four.loc["c", "intimacy"] == 0.0
    assert math.isnan(four.loc["d", "intimacy"])
    equal = compute_engagement(analysis.community, analysis.users, brand_weight=1.0)
    assert equal.loc["a", "intimacy"] == pytest.approx(0.4)


def test_influence_is_the_influence_score(analysis):
    four = compute_engagement(analysis.community, analysis.users)
    pd.testing.assert_series_equal(
        four["influence"], analysis.users["influence_score"], check_names=False
    )


def test_without_sentiment_intimacy_is_missing_and_explained():
    analysis = influence.run_analysis(
        tiny(sentiment=False), options=influence.ClassifyOptions(min_messages=1)
    )
    four = compute_engagement(analysis.community, analysis.users)
    assert four["intimacy"].isna().all()
    assert "intimacy needs the sentiment of each message" in four.attrs["notes"][0]


def test_text_column_is_scored():
    community = tiny(sentiment=False)
    messages = community.messages.assign(text=["I love it", "This is awful", "great", "", "ok"])
    community = influence.Community(
        messages=messages,
        interactions=community.interactions,
        users=community.users,
        read_stats=community.read_stats,
        platform="table",
        name="tiny",
    )
    analysis = influence.run_analysis(community, options=influence.ClassifyOptions(min_messages=1))
    four = compute_engagement(analysis.community, analysis.users, brand=["love"])
    assert four.loc["a", "intimacy"] > 0 and four.loc["b", "intimacy"] < 0
    assert four.loc["a", "brand_messages"] == 1.0


def test_no_reactions_leave_interaction_to_messages():
    analysis = influence.run_analysis(
        tiny(kudos=False), options=influence.ClassifyOptions(min_messages=1)
    )
    four = compute_engagement(analysis.community, analysis.users)
    assert four.loc[["a", "b", "c"], "interaction"].tolist() == [1.0, 0.5, 0.5]
    assert any("messages only" in note for note in four.attrs["notes"])


def test_views_join_involvement_when_present():
    community = tiny()
    users = community.users.assign(views=[10.0, 30.0, 20.0, 5.0])
    community = influence.Community(
        messages=community.messages,
        interactions=community.interactions,
        users=users,
        read_stats=community.read_stats,
        platform="table",
        name="tiny",
    )
    analysis = influence.run_analysis(community, options=influence.ClassifyOptions(min_messages=1))
    four = compute_engagement(analysis.community, analysis.users)
    # views a 10, b 30, c 20 -> 1/3, 1, 2/3; involvement a (1 + 1 + 1/3) / 3
    assert four.loc["a", "involvement"] == pytest.approx(7 / 9)
    assert four.loc["b", "involvement"] == pytest.approx(2 / 3)


def test_add_engagement_does_not_modify_the_analysis(analysis):
    before = analysis.users.copy()
    richer = add_engagement(analysis, brand=["brick"])
    pd.testing.assert_frame_equal(analysis.users, before)
    columns = list(richer.users.columns)
    first = columns.index("involvement")
    assert columns[first : first + 4] == [
        "involvement",
        "interaction",
        "intimacy",
        "influence",
    ]
    assert richer.parameters["engagement"]["brand"] == ["brick"]
    # run_analysis already added the four I's, without brand; that stays as it was
    assert analysis.parameters["engagement"]["brand"] is None


def _sessions_reference(messages: pd.DataFrame, gap: pd.Timedelta) -> pd.Series:
    """The plain way: sort by author and time, a session starts after a gap or a new author."""
    known = messages.loc[messages["author_id"].notna(), ["author_id", "created_at"]]
    known = known.sort_values(["author_id", "created_at"], kind="stable")
    author = known["author_id"].astype(str).to_numpy()
    times = known["created_at"].to_numpy("datetime64[ns]")
    new = np.ones(len(known), dtype=bool)
    if len(known) > 1:
        new[1:] = (author[1:] != author[:-1]) | ((times[1:] - times[:-1]) > gap.to_timedelta64())
    return pd.Series(new, index=author).groupby(level=0).sum().astype("float64")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sessions_equal_the_sorting_reference(seed):
    from influence.engagement import _sessions

    rng = np.random.default_rng(seed)
    n = 500
    authors = np.array([f"u{i}" for i in range(30)] + [None] * 3, dtype=object)
    minutes = rng.integers(0, 60 * 24 * 5, n)
    minutes[:50] = minutes[50:100]  # equal times
    messages = pd.DataFrame(
        {
            "author_id": pd.array(rng.choice(authors, n), dtype="string"),
            "created_at": pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(minutes, "min"),
        }
    )
    codes, names = pd.factorize(messages["author_id"].array)  # -1: no author
    times = messages["created_at"].to_numpy("datetime64[ns]")
    for gap in ("30min", "0s", "1D"):
        expected = _sessions_reference(messages, pd.Timedelta(gap))
        counts = _sessions(codes, times, pd.Timedelta(gap), len(names))
        got = pd.Series(counts, index=pd.Index(names).astype(str)).sort_index()
        pd.testing.assert_series_equal(got, expected)
    assert _sessions(codes[:0], times[:0], pd.Timedelta("30min"), 0).size == 0


def test_percentile_is_nan_outside_the_active_members():
    from influence.engagement import _percentiles

    values = np.array([3.0, np.nan, 1.0, 3.0, 7.0])
    active = np.array([True, True, False, True, True])
    ranks = _percentiles(values, active)
    # active: e=3, d=0 (missing), b=3, a=7 -> ranks 2.5, 1, 2.5, 4 over 4
    np.testing.assert_array_equal(ranks, [0.625, 0.25, np.nan, 0.625, 1.0])


def test_counts_by_position_equal_the_string_lookups():
    # the plain per-id lookups compute_engagement replaced, on a real dump with views
    community = influence.read("datasets/stackexchange-conlang-meta-2020")
    analysis = influence.run_analysis(community)
    users = analysis.users.iloc[::-1]  # any order of the members
    four = compute_engagement(analysis.community, users)
    keys = users.index.astype(str)
    messages = analysis.community.messages
    sessions = _sessions_reference(messages, pd.Timedelta("30min")).reindex(keys).fillna(0.0)
    interactions = analysis.community.interactions
    kinds = interactions["kind"].astype(str).isin(["kudos", "accept"])
    given = interactions.loc[kinds, "source"].astype(str).value_counts()
    profile = analysis.community.users.set_index(analysis.community.users["user_id"].astype(str))
    views = pd.to_numeric(profile["views"], errors="coerce").reindex(keys)
    np.testing.assert_array_equal(four["sessions"].to_numpy(), sessions.to_numpy())
    np.testing.assert_array_equal(
        four["reactions_given"].to_numpy(), given.reindex(keys).fillna(0.0).to_numpy()
    )
    np.testing.assert_array_equal(four["views"].to_numpy(), views.to_numpy(float))
    assert given.sum() > 0 and views.notna().sum() > 0
