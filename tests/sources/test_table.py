"""The table reader: message tables and edge lists in CSV, TSV, Parquet and JSON Lines.

Every fixture is written into ``tmp_path`` by the test that uses it; expected
values are worked out by hand in the comments.
"""

import bz2
import gzip
import lzma
import re
import string
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influence.errors import InfluenceDataWarning, SourceError
from influence.sources.table import parse_table, read_table, sniff

UTC = "UTC"


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    data = content.encode("utf-8") if isinstance(content, str) else content
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".bz2"):
        data = bz2.compress(data)
    elif name.endswith(".xz"):
        data = lzma.compress(data)
    elif name.endswith(".zst"):
        data = pytest.importorskip("zstandard").ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def _entry(community, source: str, table: str) -> dict:
    for entry in community.read_stats.to_dict()["entries"]:
        if entry["source"] == source and entry["table"] == table:
            return entry
    raise KeyError((source, table))


def _pairs(community) -> list[tuple]:
    frame = community.interactions
    return list(zip(frame["source"], frame["target"], frame["kind"].astype(str), strict=True))


def _stamp(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


# --------------------------------------------------------------------------- message tables

POSTS = (
    "id,author,created_utc,parent_id,score,text,lang\n"
    "1,ann,1700000000,,3,hello,en\n"
    "2,bob,1700000060,1,,hé!,fr\n"
    "3,ann,1700000120,2,-1,,en\n"
    "4,,1700000180,1,0,gone,en\n"
)
POSTS_MAP = {"message_id": "id", "author_id": "author", "created_at": "created_utc"}


def test_csv_with_mapping_and_epoch_seconds(tmp_path):
    community = read_table(_write(tmp_path, "posts.csv", POSTS), mapping=POSTS_MAP)
    messages = community.messages
    assert messages["message_id"].tolist() == ["1", "2", "3", "4"]
    assert messages["author_id"].tolist() == ["ann", "bob", "ann", pd.NA]
    # 1700000000 s is 2023-11-14 22:13:20 UTC; the others follow a minute apart.
    assert messages["created_at"].tolist() == [
        _stamp("2023-11-14 22:13:20"),
        _stamp("2023-11-14 22:14:20"),
        _stamp("2023-11-14 22:15:20"),
        _stamp("2023-11-14 22:16:20"),
    ]
    assert messages["thread_id"].tolist() == ["1", "1", "1", "1"]
    assert messages["parent_id"].tolist() == [pd.NA, "1", "2", "1"]
    assert messages["kind"].astype(str).tolist() == ["post", "reply", "reply", "reply"]
    assert messages["platform"].astype(str).tolist() == ["table"] * 4
    np.testing.assert_array_equal(messages["score"].to_numpy(), [3.0, np.nan, -1.0, 0.0])
    # "hé!" is three characters (four bytes); the text itself is not kept.
    assert messages["text_length"].tolist() == [5, 3, 0, 4]
    assert "text" not in messages.columns
    assert messages["lang"].tolist() == ["en", "fr", "en", "en"]
    # 2 replies to 1 (bob -> ann), 3 to 2 (ann -> bob), 4 has a deleted author.
    assert _pairs(community) == [("bob", "ann", "reply"), ("ann", "bob", "reply")]
    assert community.users["user_id"].tolist() == ["ann", "bob"]
    assert community.platform == "table"
    assert community.name == "posts.csv"
    assert _entry(community, "posts.csv", "messages") == {
        "source": "posts.csv",
        "table": "messages",
        "read": 4,
        "kept": 4,
        "dropped": {},
    }
    derived = _entry(community, "(derived)", "interactions")
    assert (derived["read"], derived["kept"], derived["dropped"]) == (3, 2, {"deleted_author": 1})


def test_tsv_and_csv_give_the_same_community(tmp_path):
    from_csv = read_table(_write(tmp_path, "posts.csv", POSTS), mapping=POSTS_MAP)
    from_tsv = read_table(
        _write(tmp_path, "posts.tsv", POSTS.replace(",", "\t")), mapping=POSTS_MAP
    )
    pd.testing.assert_frame_equal(from_csv.messages, from_tsv.messages)
    pd.testing.assert_frame_equal(from_csv.interactions, from_tsv.interactions)


@pytest.mark.parametrize("name", ["posts.csv.gz", "posts.csv.bz2", "posts.csv.xz", "posts.csv.zst"])
def test_compressed_csv(tmp_path, name):
    plain = read_table(_write(tmp_path, "posts.csv", POSTS), mapping=POSTS_MAP)
    packed = read_table(_write(tmp_path, name, POSTS), mapping=POSTS_MAP)
    pd.testing.assert_frame_equal(plain.messages, packed.messages)
    assert packed.name == name
    assert _entry(packed, name, "messages")["kept"] == 4


def test_ids_stay_exactly_as_written(tmp_path):
    text = "message_id,author_id,created_at,parent_id\n007,NA,2024-01-01,\n7,null,2024-01-02,007\n"
    community = read_table(_write(tmp_path, "ids.csv", text))
    assert community.messages["message_id"].tolist() == ["007", "7"]
    assert community.messages["author_id"].tolist() == ["NA", "null"]
    assert community.messages["parent_id"].tolist() == [pd.NA, "007"]
    assert _pairs(community) == [("null", "NA", "reply")]


def test_timestamps_iso_with_offsets_epoch_seconds_and_milliseconds(tmp_path):
    # All four are 2024-01-01 00:00:00 UTC.
    text = (
        "message_id,author_id,created_at\n"
        "a,u,2024-01-01T01:00:00+01:00\n"
        "b,u,1704067200\n"
        "c,u,1704067200000\n"
        "d,u,2024-01-01 00:00:00\n"
        "e,u,2023-12-31T19:00:00-05:00\n"
    )
    community = read_table(_write(tmp_path, "times.csv", text))
    assert community.messages["created_at"].tolist() == [_stamp("2024-01-01")] * 5
    assert str(community.messages["created_at"].dtype) == "datetime64[ns, UTC]"


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "message_id": pa.array([10, 11, 12], pa.int64()),
            "user": pa.array(["ann", "bob", None]),
            "parent_id": pa.array([None, 10, 11], pa.int64()),
            "created_at": pa.array(
                [1704067200000, 1704067260000, 1704067320000], pa.timestamp("ms", tz="UTC")
            ),
            "score": pa.array([1.5, None, 2.0]),
        }
    )
    path = tmp_path / "posts.parquet"
    pq.write_table(table, path)
    community = read_table(path, mapping={"author_id": "user"})
    messages = community.messages
    assert messages["message_id"].tolist() == ["10", "11", "12"]
    assert messages["parent_id"].tolist() == [pd.NA, "10", "11"]
    assert messages["thread_id"].tolist() == ["10", "10", "10"]
    assert messages["created_at"].tolist() == [
        _stamp("2024-01-01 00:00"),
        _stamp("2024-01-01 00:01"),
        _stamp("2024-01-01 00:02"),
    ]
    np.testing.assert_array_equal(messages["score"].to_numpy(), [1.5, np.nan, 2.0])
    assert _pairs(community) == [("bob", "ann", "reply")]


def test_parquet_errors_name_the_row(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "message_id": ["1", "2"],
            "author_id": ["ann", "bob"],
            "created_at": ["2024-01-01", "2024-01-02"],
            "score": ["5", "many"],
        }
    )
    path = tmp_path / "posts.parquet"
    pq.write_table(table, path)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == f"{path}:row 2: score must be a number (got 'many')"


NDJSON = (
    '{"message_id": "a1", "author_id": "u1", "created_at": "2024-03-01T12:00:00+02:00",'
    ' "mentions": ["u2", "@u3"]}\n'
    "\n"
    '{"message_id": "a2", "author_id": "u2", "created_at": 1709287260000, "parent_id": "a1",'
    ' "mentions": "u1; u3,u3"}\n'
)


@pytest.mark.parametrize("name", ["posts.ndjson", "posts.jsonl.gz", "posts.json"])
def test_json_lines_with_mentions(tmp_path, name):
    community = read_table(_write(tmp_path, name, NDJSON))
    messages = community.messages
    assert messages["message_id"].tolist() == ["a1", "a2"]
    # 12:00+02:00 is 10:00 UTC; 1709287260000 ms is 2024-03-01 10:01:00 UTC.
    assert messages["created_at"].tolist() == [
        _stamp("2024-03-01 10:00"),
        _stamp("2024-03-01 10:01"),
    ]
    assert messages["thread_id"].tolist() == ["a1", "a1"]
    assert "mentions" not in messages.columns
    # a1 (u1) mentions u2 and u3 (the "@" is dropped); a2 (u2) replies to u1 and
    # mentions u1 and u3 (u3 twice in one message counts once).
    assert _pairs(community) == [
        ("u1", "u2", "mention"),
        ("u1", "u3", "mention"),
        ("u2", "u1", "mention"),
        ("u2", "u3", "mention"),
        ("u2", "u1", "reply"),
    ]
    assert community.users["user_id"].tolist() == ["u1", "u2", "u3"]


def test_mentions_column_in_csv_with_deleted_author_and_self_mention(tmp_path):
    text = (
        "message_id,author_id,created_at,mentions\n"
        "1,ann,2024-01-01,bob cat\n"
        "2,,2024-01-02,ann\n"
        "3,bob,2024-01-03,bob;;ann\n"
        "4,cat,2024-01-04,\n"
    )
    community = read_table(_write(tmp_path, "m.csv", text))
    # 1: ann -> bob, ann -> cat; 2: deleted author, dropped; 3: bob -> bob self,
    # dropped; bob -> ann.
    assert _pairs(community) == [
        ("ann", "bob", "mention"),
        ("ann", "cat", "mention"),
        ("bob", "ann", "mention"),
    ]
    derived = _entry(community, "(derived)", "interactions")
    assert derived["dropped"] == {"deleted_author": 1, "self_interaction": 1}
    assert derived["read"] == derived["kept"] + sum(derived["dropped"].values())


def test_display_names_and_kinds(tmp_path):
    text = (
        "message_id,author_id,created_at,display_name,kind,topic,text_length\n"
        "1,ann,2024-01-02,Ann B.,Question,python,12\n"
        "2,ann,2024-01-01,Ann,,,\n"
        "3,bob,2024-01-03,,answer, rust ,0\n"
    )
    community = read_table(_write(tmp_path, "k.csv", text))
    users = community.users
    # ann's latest message carries "Ann B."; bob never gave a name.
    assert users["user_id"].tolist() == ["ann", "bob"]
    assert users["display_name"].tolist() == ["Ann B.", pd.NA]
    messages = community.messages  # sorted by time: 2, 1, 3
    assert messages["message_id"].tolist() == ["2", "1", "3"]
    assert messages["kind"].astype(str).tolist() == ["post", "question", "answer"]
    assert messages["topic"].tolist() == [pd.NA, "python", "rust"]
    assert messages["text_length"].tolist() == [0, 12, 0]


# --------------------------------------------------------------------------- threads


def test_thread_ids_follow_parent_chains_unknown_parents_and_cycles():
    #   1 <- 2 <- 3            thread 1
    #   99 (absent) <- 4 <- 5  thread 99: replies to a missing message share it
    #   6 <-> 7, 8 -> 6        a 2-cycle; its earliest message is 6
    #   9 -> 1 with thread T   an explicit thread wins
    #   10 -> 10               a message replying to itself
    ids = [str(i) for i in range(1, 11)]
    frame = pd.DataFrame(
        {
            "message_id": ids,
            "author_id": ["u" + i for i in ids],
            "created_at": [f"2024-01-{int(i):02d}" for i in ids],
            "parent_id": ["", "1", "2", "99", "4", "7", "6", "6", "1", "10"],
            "thread_id": ["", "", "", "", "", "", "", "", "T", ""],
        }
    )
    with pytest.warns(InfluenceDataWarning, match="4 messages of <table> have a parent_id chain"):
        community = parse_table(frame)
    threads = community.messages.set_index("message_id")["thread_id"].to_dict()
    assert threads == {
        "1": "1",
        "2": "1",
        "3": "1",
        "4": "99",
        "5": "99",
        "6": "6",
        "7": "6",
        "8": "6",
        "9": "T",
        "10": "10",
    }
    assert any("parent_id chain that loops" in note for note in community.read_stats.notes)
    derived = _entry(community, "(derived)", "interactions")
    # 9 replies: 4 -> 99 is to an unknown message, 10 -> 10 is a self-reply.
    assert (derived["read"], derived["kept"]) == (9, 7)
    assert derived["dropped"] == {"reply_to_unknown_message": 1, "self_interaction": 1}


def _reference_threads(ids, parents, order):
    """Follow each chain one step at a time (the obvious, slow way)."""
    known = dict(zip(ids, parents, strict=True))
    rank = {message: position for position, message in enumerate(order)}
    out = {}
    loops = {}
    for message in ids:
        seen = []
        current = message
        while current in known and current not in seen:
            seen.append(current)
            if known[current] is None:
                break
            current = known[current]
        if current not in known:  # the chain left the table: that id is the root
            out[message] = current
        elif known[current] is None:
            out[message] = current
        else:  # a loop: remember the cycle it enters
            start = seen.index(current)
            loops[message] = frozenset(seen[start:])
    for message, cycle in loops.items():
        members = [m for m, c in loops.items() if c == cycle]
        out[message] = min(members, key=rank.__getitem__)
    return out


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.one_of(st.none(), st.integers(0, n + 2)), min_size=n, max_size=n),
            st.permutations(list(range(n))),
        )
    )
)
def test_thread_roots_match_a_step_by_step_reference(case):
    count, parent_numbers, time_order = case
    ids = [f"m{i}" for i in range(count)]
    parents = [None if p is None else f"m{p}" for p in parent_numbers]  # m{n}.. are absent
    created = [pd.Timestamp("2024-01-01", tz=UTC) + pd.Timedelta(minutes=t) for t in time_order]
    frame = pd.DataFrame(
        {"message_id": ids, "author_id": "u", "created_at": created, "parent_id": parents}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfluenceDataWarning)
        community = parse_table(frame)
    order = [ids[i] for i in np.argsort(time_order)]
    expected = _reference_threads(ids, parents, order)
    got = community.messages.set_index("message_id")["thread_id"].to_dict()
    assert got == expected


# --------------------------------------------------------------------------- edge lists


def test_edge_list_with_kind_weight_and_thread(tmp_path):
    text = (
        "source,target,created_at,kind,weight,thread_id\n"
        "ann,bob,2024-01-01T00:00:00Z,reply,2,t1\n"
        "bob,ann,2024-01-01T01:00:00Z,,,\n"
        "ann,ann,2024-01-01T02:00:00Z,mention,1,\n"
        "cat,ann,2024-01-01T03:00:00Z,Accept,0.5,t1\n"
    )
    community = read_table(_write(tmp_path, "edges.csv", text))
    messages = community.messages
    # One synthetic post per row, authored by the source.
    assert messages["message_id"].tolist() == ["e1", "e2", "e3", "e4"]
    assert messages["author_id"].tolist() == ["ann", "bob", "ann", "cat"]
    assert messages["thread_id"].tolist() == ["t1", "e2", "e3", "t1"]
    assert messages["kind"].astype(str).tolist() == ["post"] * 4
    interactions = community.interactions
    # ann -> ann is a self-interaction and is dropped.
    assert _pairs(community) == [
        ("ann", "bob", "reply"),
        ("bob", "ann", "reply"),
        ("cat", "ann", "accept"),
    ]
    assert interactions["weight"].tolist() == [2.0, 1.0, 0.5]
    assert interactions["message_id"].tolist() == ["e1", "e2", "e4"]
    assert interactions["thread_id"].tolist() == ["t1", "e2", "t1"]
    assert interactions["created_at"].tolist() == [
        _stamp("2024-01-01 00:00"),
        _stamp("2024-01-01 01:00"),
        _stamp("2024-01-01 03:00"),
    ]
    derived = _entry(community, "(derived)", "interactions")
    assert (derived["read"], derived["kept"], derived["dropped"]) == (
        4,
        3,
        {"self_interaction": 1},
    )


def test_edge_list_without_time_kind_or_weight_warns(tmp_path):
    path = _write(tmp_path, "pairs.tsv", "from\tto\nann\tbob\nbob\tcat\n")
    with pytest.warns(InfluenceDataWarning, match="no created_at column"):
        community = read_table(path, mapping={"source": "from", "target": "to"})
    assert _pairs(community) == [("ann", "bob", "reply"), ("bob", "cat", "reply")]
    assert community.interactions["weight"].tolist() == [1.0, 1.0]
    assert community.interactions["created_at"].tolist() == [_stamp("1970-01-01")] * 2
    assert any("time-based metrics" in note for note in community.read_stats.notes)
    assert _entry(community, "pairs.tsv", "messages")["kept"] == 2


def test_edge_list_bad_kind_and_weight(tmp_path):
    path = _write(
        tmp_path, "e.csv", "source,target,created_at,kind\na,b,2024-01-01,\nb,a,2024-01-02,like\n"
    )
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == (
        f"{path}:3: kind must be one of ['reply', 'mention', 'share', 'quote', 'accept', "
        "'kudos'] (got 'like')"
    )
    path = _write(tmp_path, "w.csv", "source,target,created_at,weight\na,b,2024-01-01,-1\n")
    with pytest.raises(
        SourceError, match=re.escape(f"{path}:2: weight must be a number >= 0 (got '-1')")
    ):
        read_table(path)
    path = _write(tmp_path, "t.csv", "source,target,created_at\na,,2024-01-01\n")
    with pytest.raises(
        SourceError, match=re.escape(f"{path}:2: target must be present (got missing)")
    ):
        read_table(path)


def test_edge_list_skip_counts(tmp_path):
    text = (
        "source,target,created_at,weight\n"
        "a,b,2024-01-01,1\n"
        ",b,2024-01-02,1\n"
        "a,c,soon,1\n"
        "c,a,2024-01-04,x\n"
    )
    with pytest.warns(InfluenceDataWarning, match=r"\(e\.csv: 3 malformed\)"):
        community = read_table(_write(tmp_path, "e.csv", text), on_error="skip")
    entry = _entry(community, "e.csv", "messages")
    assert (entry["read"], entry["kept"], entry["dropped"]) == (4, 1, {"malformed": 3})
    # The kept row keeps its own row number in its synthetic id.
    assert community.messages["message_id"].tolist() == ["e1"]


# --------------------------------------------------------------------------- errors


def test_missing_required_columns_lists_missing_and_present(tmp_path):
    path = _write(tmp_path, "posts.csv", "id,user,when\n1,ann,2024-01-01\n")
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == (
        f"{path}: table must have the columns ['message_id', 'author_id', 'created_at'] "
        "(missing ['message_id', 'author_id', 'created_at']; present ['id', 'user', 'when']); "
        "map them with --map CANONICAL=COLUMN"
    )
    with pytest.raises(SourceError) as info:
        read_table(path, mapping={"message_id": "id"})
    assert str(info.value) == (
        f"{path}: table must have the columns ['message_id', 'author_id', 'created_at'] "
        "(missing ['author_id', 'created_at']; present ['message_id', 'user', 'when']); "
        "map them with --map CANONICAL=COLUMN"
    )


def test_mapping_errors(tmp_path):
    path = _write(tmp_path, "posts.csv", "message_id,user,created_at\n1,ann,2024-01-01\n")
    with pytest.raises(SourceError) as info:
        read_table(path, mapping={"author_id": "author"})
    assert str(info.value) == (
        f"{path}: --map author_id=author: column 'author' must be present in the table "
        "(got columns ['message_id', 'user', 'created_at'])"
    )
    with pytest.raises(SourceError) as info:
        read_table(path, mapping={"user_id": "user"})
    assert str(info.value).startswith(
        f"{path}: --map user_id=user: the canonical name must be one of ['message_id', "
        "'author_id', 'created_at', 'thread_id',"
    )
    assert str(info.value).endswith("'weight'] (got 'user_id')")


def test_mapping_one_column_to_two_names_and_replacing_a_column(tmp_path):
    text = "message_id,author_id,user,created_at\n1,x,ann,2024-01-01\n2,y,bob,2024-01-02\n"
    community = read_table(
        _write(tmp_path, "p.csv", text), mapping={"author_id": "user", "thread_id": "message_id"}
    )
    assert community.messages["author_id"].tolist() == ["ann", "bob"]
    assert community.messages["thread_id"].tolist() == ["1", "2"]
    assert "user" not in community.messages.columns
    assert community.read_stats.notes == [
        "column 'author_id' of p.csv was replaced by column 'user' (--map author_id=user)"
    ]


def test_bad_timestamp_names_the_line(tmp_path):
    text = "message_id,author_id,created_at\n1,ann,2024-01-01\n2,bob,yesterday\n"
    path = _write(tmp_path, "posts.csv", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == (
        f"{path}:3: created_at must be an ISO 8601 time or Unix epoch (got 'yesterday')"
    )
    assert info.value.line == 3


def test_duplicate_id_names_both_lines(tmp_path):
    text = (
        "message_id,author_id,created_at\n"
        "1,ann,2024-01-01\n"
        "42,bob,2024-01-02\n"
        "5,cat,2024-01-03\n"
        "42,dan,2024-01-04\n"
    )
    path = _write(tmp_path, "posts.csv", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert (
        str(info.value) == f"{path}:5: message_id must be unique (got '42' again, first on line 3)"
    )


def test_the_first_bad_row_is_reported(tmp_path):
    # Line 4 has a bad time, line 6 a missing id: line 4 comes first.
    text = (
        "message_id,author_id,created_at\n"
        "1,a,2024-01-01\n"
        "2,a,2024-01-02\n"
        "3,a,2024-13-45\n"
        "4,a,2024-01-04\n"
        ",a,2024-01-05\n"
    )
    path = _write(tmp_path, "posts.csv", text)
    with pytest.raises(SourceError, match=re.escape(f"{path}:4: created_at must be")):
        read_table(path)


def test_score_and_text_length_must_be_numbers(tmp_path):
    path = _write(tmp_path, "s.csv", "message_id,author_id,created_at,score\n1,a,2024-01-01,lots\n")
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == f"{path}:2: score must be a number (got 'lots')"
    path = _write(
        tmp_path, "t.csv", "message_id,author_id,created_at,text_length\n1,a,2024-01-01,2.5\n"
    )
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == f"{path}:2: text_length must be a whole number >= 0 (got '2.5')"


def test_line_numbers_count_physical_lines(tmp_path):
    # A quoted field spans lines 2-3 and line 4 is blank: the bad row is on line 5.
    text = 'message_id,author_id,created_at,text\n1,ann,2024-01-01,"two\nlines"\n\n2,bob,never,x\n'
    path = _write(tmp_path, "posts.csv", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert info.value.line == 5
    # In JSON Lines, a blank line is skipped but still counted.
    text = (
        '{"message_id": "1", "author_id": "a", "created_at": "2024-01-01"}\n'
        "\n"
        '{"message_id": "1", "author_id": "b", "created_at": "2024-01-02"}\n'
    )
    path = _write(tmp_path, "posts.ndjson", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert (
        str(info.value) == f"{path}:3: message_id must be unique (got '1' again, first on line 1)"
    )


def test_skip_mode_drops_and_counts(tmp_path):
    text = (
        "message_id,author_id,created_at,parent_id\n"
        ",ann,2024-01-01,\n"  # malformed: no id
        "1,ann,2024-01-02,\n"
        "2,bob,not a time,1\n"  # malformed: bad time
        "3,,2024-01-04,1\n"  # kept: deleted author
        "1,cat,2024-01-05,\n"  # duplicate of line 3
        "4,cat,2024-01-06,2\n"  # kept: its parent was dropped
    )
    with pytest.warns(InfluenceDataWarning, match=r"posts\.csv: 2 malformed; posts\.csv: 1 dup"):
        community = read_table(_write(tmp_path, "posts.csv", text), on_error="skip")
    entry = _entry(community, "posts.csv", "messages")
    assert entry["read"] == 6
    assert entry["kept"] == 3
    assert entry["dropped"] == {"duplicate_id": 1, "malformed": 2}
    assert entry["read"] == entry["kept"] + sum(entry["dropped"].values())
    assert community.messages["message_id"].tolist() == ["1", "3", "4"]
    assert community.messages["author_id"].tolist() == ["ann", pd.NA, "cat"]
    # 3 -> 1 has a deleted author; 4 -> 2 points at a dropped message.
    assert community.interactions.empty
    derived = _entry(community, "(derived)", "interactions")
    assert derived["dropped"] == {"deleted_author": 1, "reply_to_unknown_message": 1}


def test_invalid_utf8_names_the_line(tmp_path):
    data = b"message_id,author_id,created_at\n1,ann,2024-01-01\n2,b\xe9b,2024-01-02\n"
    path = _write(tmp_path, "latin1.csv", data)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}:3: text must be UTF-8 (got byte 0xe9")
    assert isinstance(info.value.__cause__, UnicodeDecodeError)
    data = (
        b'{"message_id": "1", "author_id": "ann", "created_at": "2024-01-01"}\n'
        b'{"message_id": "2", "author_id": "b\xe9b"}\n'
    )
    path = _write(tmp_path, "latin1.jsonl", data)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}:2: text must be UTF-8 (got byte 0xe9")


def test_malformed_json_line_names_the_line(tmp_path):
    text = (
        '{"message_id": "1", "author_id": "a", "created_at": "2024-01-01"}\n\n{"message_id": 2,\n'
    )
    path = _write(tmp_path, "posts.ndjson", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}:3: line must be a JSON object (got invalid JSON: ")
    assert info.value.__cause__ is not None
    path = _write(tmp_path, "list.ndjson", '{"message_id": "1"}\n[1, 2]\n')
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert str(info.value) == f"{path}:2: line must be a JSON object (got a JSON list)"


def test_malformed_csv_names_the_line(tmp_path):
    text = "message_id,author_id,created_at\n1,ann,2024-01-01\n2,bob,2024-01-02,extra\n"
    path = _write(tmp_path, "posts.csv", text)
    with pytest.raises(SourceError) as info:
        read_table(path)
    assert (
        str(info.value)
        == f"{path}:3: CSV must be well-formed (got Expected 3 fields in line 3, saw 4)"
    )


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("posts.parquet", b"PAR1 this is not parquet PAR1", "Parquet"),
        ("posts.csv.gz", b"not gzip at all", "CSV"),
        ("posts.ndjson.gz", b"not gzip at all", "JSON Lines"),
    ],
)
def test_corrupt_files(tmp_path, name, content, what):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(
        SourceError, match=re.escape(f"{path}: file must be readable as {what} (got ")
    ):
        read_table(path)


def test_on_error_must_be_raise_or_skip(tmp_path):
    with pytest.raises(ValueError, match="on_error must be 'raise' or 'skip'"):
        read_table(_write(tmp_path, "p.csv", POSTS), on_error="ignore")


# --------------------------------------------------------------------------- empty input


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", ""),
        ("empty.ndjson", "\n\n"),
        ("empty.parquet", ""),
        ("empty.csv.gz", ""),
        ("header.csv", "message_id,author_id,created_at\n"),
        ("header.tsv", "source\ttarget\n"),
    ],
)
def test_empty_files_give_an_empty_community(tmp_path, name, content):
    community = read_table(_write(tmp_path, name, content))
    assert len(community.messages) == 0
    assert len(community.interactions) == 0
    assert _entry(community, name, "messages")["read"] == 0


def test_header_only_still_checks_the_columns(tmp_path):
    path = _write(tmp_path, "header.csv", "id,user\n")
    with pytest.raises(SourceError, match="missing \\['message_id', 'author_id', 'created_at'\\]"):
        read_table(path)


# --------------------------------------------------------------------------- detection and purity


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", "x\n", True),
        ("a.TSV", "x\n", True),
        ("a.tab", "x\n", True),
        ("a.parquet", "", True),
        ("a.pq", "", True),
        ("a.ndjson", "", True),
        ("a.jsonl", "", True),
        ("a.csv.gz", "x\n", True),
        ("a.jsonl.bz2", "{}\n", True),
        ("a.json", '\n  {"id": 1}\n', True),
        ("a.json.gz", '{"id": 1}\n', True),
        ("a.json", '[{"id": 1}]', False),
        ("a.txt", "x\n", False),
        ("Posts.xml", "<posts/>", False),
    ],
)
def test_sniff(tmp_path, name, content, expected):
    assert sniff(_write(tmp_path, name, content)) is expected


def test_sniff_rejects_folders_and_missing_files(tmp_path):
    assert sniff(tmp_path) is False
    assert sniff(tmp_path / "absent.csv") is False


def test_unknown_suffix_is_read_by_content(tmp_path):
    as_csv = read_table(_write(tmp_path, "posts.txt", POSTS), mapping=POSTS_MAP)
    as_tsv = read_table(_write(tmp_path, "posts.dat", POSTS.replace(",", "\t")), mapping=POSTS_MAP)
    as_json = read_table(_write(tmp_path, "posts.log", NDJSON))
    assert as_csv.messages["message_id"].tolist() == ["1", "2", "3", "4"]
    pd.testing.assert_frame_equal(as_csv.messages, as_tsv.messages)
    assert as_json.messages["message_id"].tolist() == ["a1", "a2"]


def test_parse_table_does_not_mutate_its_input():
    frame = pd.DataFrame(
        {
            "id": ["2", "1"],
            "author_id": [" ann ", "bob"],
            "created_at": ["2024-01-02", "2024-01-01"],
            "parent_id": ["1", ""],
        },
        index=[10, 20],
    )
    before = frame.copy()
    community = parse_table(frame, mapping={"message_id": "id"})
    pd.testing.assert_frame_equal(frame, before)
    assert community.messages["message_id"].tolist() == ["1", "2"]
    assert community.messages["author_id"].tolist() == ["bob", "ann"]


def test_parse_table_default_locator_is_the_row():
    frame = pd.DataFrame({"message_id": ["1", "1"], "author_id": "a", "created_at": "2024-01-01"})
    with pytest.raises(SourceError) as info:
        parse_table(frame, path="frame")
    assert (
        str(info.value) == "frame:row 2: message_id must be unique (got '1' again, first on row 1)"
    )


# --------------------------------------------------------------------------- properties

_ID = (
    st.text(alphabet=string.ascii_letters + string.digits + ",;'\"-_é ", min_size=1, max_size=6)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _tables(draw):
    ids = draw(st.lists(_ID, min_size=0, max_size=12, unique=True))
    users = draw(st.lists(_ID, min_size=1, max_size=5, unique=True))
    rows = []
    for position, message in enumerate(ids):
        author = draw(st.one_of(st.none(), st.sampled_from(users)))
        parent = draw(st.one_of(st.none(), st.sampled_from(ids), _ID))
        second = draw(st.integers(1_600_000_000, 1_700_000_000))
        rows.append((message, author, parent, second + position))
    return pd.DataFrame(rows, columns=["message_id", "author_id", "parent_id", "created_at"])


@settings(max_examples=60, deadline=None)
@given(_tables())
def test_csv_round_trip(frame):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posts.csv"
        frame.to_csv(path, index=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfluenceDataWarning)
            community = read_table(path)
    got = community.messages.set_index("message_id")
    expected = frame.set_index("message_id")
    assert sorted(got.index) == sorted(expected.index)
    for column in ("author_id", "parent_id"):
        want = expected[column].reindex(got.index)
        assert [None if pd.isna(v) else v for v in got[column]] == [
            None if pd.isna(v) else v for v in want
        ]
    assert community.messages["created_at"].tolist() == sorted(
        pd.to_datetime(frame["created_at"], unit="s", utc=True)
    )


@settings(max_examples=60, deadline=None)
@given(_tables(), st.randoms(use_true_random=False))
def test_relabelling_users_relabels_the_interactions(frame, random):
    users = sorted(frame["author_id"].dropna().unique())
    shuffled = users[:]
    random.shuffle(shuffled)
    relabel = {old: "new-" + new for old, new in zip(users, shuffled, strict=True)}
    renamed = frame.assign(author_id=frame["author_id"].map(relabel))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfluenceDataWarning)
        first = parse_table(frame)
        second = parse_table(renamed)

    def acts(community, mapping):
        frame = community.interactions
        return sorted(
            zip(
                frame["source"].map(mapping),
                frame["target"].map(mapping),
                frame["message_id"],
                strict=True,
            )
        )

    identity = {new: new for new in relabel.values()}
    assert acts(first, relabel) == acts(second, identity)
    pd.testing.assert_series_equal(
        first.messages["thread_id"], second.messages["thread_id"], check_names=False
    )
