"""Topic influence: the same model, scored within each topic."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import toy_links, toy_messages, toy_users

from influence.analysis import run_analysis
from influence.classify import ClassifyOptions
from influence.community import ReadStats
from influence.errors import SchemaError
from influence.sources._common import assemble
from influence.topics import TOPIC_COLUMNS, score_topics, split_by_topic

CARDANO = "datasets/stackexchange-cardano-2021"


@pytest.fixture
def toy_topics():
    # threads q1 and q2 are about python, p1 about cats; s1, p2, p3, ghost have no topic
    messages = toy_messages()
    topic = {"q1": "python", "q2": "python", "p1": "cats"}
    messages["topic"] = messages["thread_id"].map(topic)
    return assemble(
        messages,
        links=toy_links(),
        users=toy_users(),
        stats=ReadStats(),
        platform="toy",
        name="toy",
    )


def test_split_by_topic_counts(toy_topics):
    parts = split_by_topic(toy_topics)
    assert list(parts) == ["python", "cats"]  # 14 messages, then 7
    python, cats = parts["python"], parts["cats"]
    assert len(python.messages) == 14 and len(cats.messages) == 7
    # python: 11 replies (a1 a2 c1 c2 c3 a3 c5 a4 c8 c6 c7), accepts a1 a3, kudos a2 a3,
    # mention c6 -> 16; cats: replies r1 r2 r3 r4, mention r1, quote r2 -> 6
    assert len(python.interactions) == 16 and len(cats.interactions) == 6
    # users: the people of the topic only (gus, fay, hal are in neither)
    assert sorted(cats.users["user_id"]) == ["bob", "cat", "dan", "eve"]
    assert python.name == "toy:python"


def test_scores_are_the_model_run_on_each_topic(toy_topics):
    options = ClassifyOptions(top_share=0.25, min_messages=2)
    table = score_topics(toy_topics, options=options)
    assert list(table.columns) == list(TOPIC_COLUMNS)
    for topic, part in split_by_topic(toy_topics).items():
        expected = run_analysis(part, options=options).users
        expected = expected[expected["segment"] != "inactive"]
        got = table[table["topic"] == topic].set_index("user_id")
        assert got.index.tolist() == expected.index.tolist()  # ranking kept
        pd.testing.assert_series_equal(
            got["influence_score"], expected["influence_score"], check_names=False,
            check_index_type=False,
        )  # fmt: skip
        assert got["segment"].astype(str).tolist() == expected["segment"].astype(str).tolist()
        assert got["topic_rank"].tolist() == list(range(1, len(got) + 1))
        assert (got["topic_members"] == len(got)).all()
    # messages per topic: bob wrote a1 c2 c8 in python, p1 r3 in cats
    bob = table[table["user_id"] == "bob"].set_index("topic")["messages"]
    assert bob.to_dict() == {"python": 3.0, "cats": 2.0}


def test_separator_and_minimum(toy_topics):
    messages = toy_topics.messages.assign(
        topic=toy_topics.messages["topic"].where(
            toy_topics.messages["thread_id"] != "q2", "python;data"
        )
    )
    community = toy_topics.__class__(messages, toy_topics.interactions, toy_topics.users)
    parts = split_by_topic(community, separator=";")
    assert {t: len(c.messages) for t, c in parts.items()} == {"python": 14, "cats": 7, "data": 7}
    table = score_topics(community, separator=";", min_topic_messages=8)
    assert table["topic"].unique().tolist() == ["python"]


def test_window_and_empty(toy_topics):
    table = score_topics(toy_topics, since="2024-01-09")
    assert table["topic"].unique().tolist() == ["python"]  # only q2's thread is left
    empty = score_topics(toy_topics, min_topic_messages=100)
    assert empty.empty and list(empty.columns) == list(TOPIC_COLUMNS)


def test_missing_column_is_an_error(toy_topics):
    with pytest.raises(SchemaError, match="messages must have a 'tags' column to score by topic"):
        score_topics(toy_topics, column="tags")


def test_cardano_has_topic_specific_influencers():
    import influence

    community = influence.read(CARDANO)
    table = score_topics(community, column="tags", separator=";", min_topic_messages=100)
    segments = table.groupby("user_id")["segment"].agg(lambda s: set(s.astype(str)))
    # someone is a true influencer in one topic and a plain member in another
    assert any({"true_influencer", "member"} <= s for s in segments)
    assert table.groupby("topic")["topic_rank"].min().eq(1).all()
