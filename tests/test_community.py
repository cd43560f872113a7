"""Community and ReadStats: validation, the read = kept + dropped invariant, windows."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influence.community import Community, ReadStats
from influence.errors import InfluenceError, SchemaError
from influence.schema import empty_interactions, empty_messages, empty_users


def _messages(times):
    n = len(times)
    return pd.DataFrame(
        {
            "message_id": [str(i) for i in range(n)],
            "author_id": ["a"] * n,
            "thread_id": ["0"] * n,
            "parent_id": [None] * n,
            "created_at": pd.to_datetime(times, utc=True),
            "kind": ["post"] * n,
            "platform": ["table"] * n,
            "topic": [None] * n,
            "score": [None] * n,
            "text_length": [1] * n,
        }
    )


@given(
    st.lists(
        st.tuples(
            st.integers(0, 50),
            st.dictionaries(
                st.sampled_from(["malformed", "duplicate_id", "self_interaction"]),
                st.integers(0, 20),
            ),
        )
    )
)
def test_read_stats_invariant_holds_over_any_records(records):
    stats = ReadStats()
    for kept, dropped in records:
        stats.record("f", "messages", read=kept + sum(dropped.values()), kept=kept, dropped=dropped)
    total = stats.total("messages")
    assert total["read"] == total["kept"] + total["dropped"]
    frame = stats.to_frame()
    assert (frame["read"] >= frame["kept"]).all()


def test_read_stats_refuses_counts_that_do_not_add_up():
    with pytest.raises(
        InfluenceError,
        match=r"read_stats for f/messages must satisfy read = "
        r"kept \+ dropped \(got read=3, kept=1, dropped=1\)",
    ):
        ReadStats().record("f", "messages", read=3, kept=1, dropped={"x": 1})


def test_read_stats_merge_and_notes():
    a, b = ReadStats(), ReadStats()
    a.record("f", "messages", read=2, kept=2)
    b.record("f", "messages", read=3, kept=1, dropped={"malformed": 2})
    b.note("Votes.xml absent")
    a.merge(b)
    assert a.total("messages") == {"read": 5, "kept": 3, "dropped": 2}
    assert a.dropped() == {"malformed": 2}
    assert a.to_dict()["notes"] == ["Votes.xml absent"]


def test_community_validates_and_copies():
    messages = _messages(["2024-01-01", "2024-02-01"])
    c = Community(messages, empty_interactions(), empty_users())
    assert str(c.messages["created_at"].dtype) == "datetime64[ns, UTC]"
    messages.loc[0, "author_id"] = "changed"
    assert c.messages.loc[0, "author_id"] == "a"
    assert list(c.user_ids) == ["a"]


def test_community_refuses_missing_columns():
    with pytest.raises(
        SchemaError,
        match=r"messages must have the columns .* \(missing "
        r"\['kind'\]",
    ):
        Community(empty_messages().drop(columns="kind"), empty_interactions(), empty_users())


def test_community_refuses_duplicate_message_ids():
    messages = _messages(["2024-01-01", "2024-02-01"]).assign(message_id=["1", "1"])
    with pytest.raises(SchemaError, match=r"messages\.message_id must be unique"):
        Community(messages, empty_interactions(), empty_users())


def test_window_keeps_half_open_interval_and_users():
    c = Community(
        _messages(["2024-01-01", "2024-02-01", "2024-03-01"]), empty_interactions(), empty_users()
    )
    w = c.window("2024-02-01", "2024-03-01")
    assert w.messages["message_id"].tolist() == ["1"]
    assert len(c.window(until="2024-01-01").messages) == 0
    assert "3 " not in repr(w)
    assert "Community" in w._repr_html_()
