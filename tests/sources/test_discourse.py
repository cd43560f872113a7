"""The Discourse reader on hand-written API JSON and Data Explorer CSV (tests/data/discourse).

Folder files, read in name order: likes.csv, posts.json, t-12.json (explorer/ is a
sub-folder, not read with the folder).

t-12.json (topic 12, category 5), records on lines 4, 10, 14, 17, 21, 23:
  1001 #1 Ann 09:00Z, cooked with an a.mention of bob, like count 3 (actions_summary id 2);
  1002 #2 bob 11:30+01:00 = 10:30Z, raw "Read the guide, @ann and @staff." (no parent
       number: replies to #1; @staff is no person: mention_unknown_user);
  1003 small action by system (post_type 3): system_message;
  1004 #4 cat, replies to #2, "@bob" twice (one mention), like count 1; also in
       posts.json without a like count: this copy ranks first (a like count), so it is
       kept here and the posts.json copy is the duplicate;
  1005 discobot: bot;   1006 #6 dan replies to #9, absent: parent "12#9".
posts.json (latest posts): 2002 #2 ann in topic 13 (category 7) "Welcome @Bob";
  2001 #1 bob; 1004 (a copy of t-12.json's, no like count: duplicate).
likes.csv: ann and cat like 1002, a flag (type 3) by cat, Ann likes 2001 (no time: the
  post's time), a like of post 9999 (unknown).
User ids are usernames, one spelling per name, that of the earliest post ("Ann", post 1001).
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources.discourse import read_discourse, sniff

DATA = Path(__file__).resolve().parents[1] / "data"
FORUM = DATA / "discourse"
EXPLORER = FORUM / "explorer" / "posts.csv"


def _stamp(text):
    return pd.Timestamp(text, tz="UTC")


def _entries(community):
    return {
        (e["source"], e["table"]): (e["read"], e["kept"], e["dropped"])
        for e in community.read_stats.to_dict()["entries"]
    }


def _pairs(community):
    frame = community.interactions
    return list(zip(frame["source"], frame["target"], frame["kind"].astype(str), strict=True))


def test_api_json_and_likes_exact():
    community = read_discourse(FORUM)
    messages = community.messages
    assert messages["message_id"].tolist() == ["1001", "1002", "1004", "1006", "2001", "2002"]
    # "Ann" (post 1001, the earliest) and "ann" (post 2002) are one user: the spelling
    # of the earliest post wins, whatever the order of the files
    assert messages["author_id"].tolist() == ["Ann", "bob", "cat", "dan", "bob", "Ann"]
    assert messages["thread_id"].tolist() == ["12", "12", "12", "12", "13", "13"]
    assert messages["parent_id"].fillna("-").tolist() == ["-", "1001", "1002", "12#9", "-", "2001"]
    kinds = ["post", "reply", "reply", "reply", "post", "reply"]
    assert messages["kind"].astype(str).tolist() == kinds
    assert messages["created_at"].tolist() == [
        _stamp("2024-02-01 09:00"),
        _stamp("2024-02-01 10:30"),
        _stamp("2024-02-01 12:00"),
        _stamp("2024-02-02 08:00"),
        _stamp("2024-02-03 10:00"),
        _stamp("2024-02-03 11:00"),
    ]
    assert messages["topic"].tolist() == ["5", "5", "5", "5", "7", "7"]
    # like counts: 3 and 1 (actions_summary); else likes in likes.csv: 2, 0, 1, 0
    np.testing.assert_array_equal(messages["score"].to_numpy(), [3, 2, 1, 0, 1, 0])
    # "How do I start? cc @bob" (cooked without HTML) is 23 characters
    assert messages["text_length"].tolist() == [23, 32, 23, 10, 9, 12]
    assert _pairs(community) == [
        ("Ann", "bob", "mention"),
        ("bob", "Ann", "mention"),
        ("bob", "Ann", "reply"),
        ("Ann", "bob", "kudos"),
        ("cat", "bob", "mention"),
        ("cat", "bob", "reply"),
        ("cat", "bob", "kudos"),
        ("Ann", "bob", "kudos"),  # dated by the post: the like has no time
        ("Ann", "bob", "mention"),
        ("Ann", "bob", "reply"),
    ]
    assert community.interactions["created_at"].iloc[7] == _stamp("2024-02-03 10:00")
    users = community.users[["user_id", "display_name", "title", "discourse_user_id"]].fillna("-")
    assert users.to_dict("list") == {
        "user_id": ["Ann", "bob", "cat", "dan"],
        # display names come from each user's latest post (bob's: 2001, "Bob")
        "display_name": ["Ann Lee", "Bob", "cat", "Dan"],
        "title": ["Founder", "-", "-", "-"],
        "discourse_user_id": ["10", "11", "12", "13"],
    }
    assert _entries(community) == {
        ("posts.json", "messages"): (3, 2, {"duplicate": 1}),
        ("t-12.json", "messages"): (6, 4, {"bot": 1, "system_message": 1}),
        ("likes.csv", "likes"): (5, 3, {"like_of_unknown_post": 1, "not_like": 1}),
        ("posts.json", "mentions"): (1, 1, {}),
        ("t-12.json", "mentions"): (5, 3, {"mention_unknown_user": 1, "repeated": 1}),
        ("(derived)", "interactions"): (11, 10, {"reply_to_unknown_message": 1}),
    }


def test_data_explorer_csv_exact():
    community = read_discourse(EXPLORER)
    messages = community.messages
    # 31 spans lines 2-3 (a quoted raw with a line break); naive time = UTC, epoch
    # 1709283600 = 09:00Z, 10:00+01:00 = 09:00Z (ties ordered by id)
    assert messages["message_id"].tolist() == ["31", "32", "33"]
    assert messages["created_at"].tolist() == [
        _stamp("2024-03-01 08:00"),
        _stamp("2024-03-01 09:00"),
        _stamp("2024-03-01 09:00"),
    ]
    assert messages["parent_id"].fillna("-").tolist() == ["-", "31", "32"]
    assert messages["topic"].tolist() == ["Support"] * 3
    assert messages["score"].tolist() == [2.0, 0.0, 1.0]
    assert messages["text_length"].tolist() == [29, 6, 7]
    assert _pairs(community) == [
        ("erin", "finn", "mention"),
        ("erin", "finn", "reply"),
        ("finn", "erin", "reply"),
    ]
    assert community.users["display_name"].tolist() == ["Erin Ko", "finn"]


def test_sniff():
    assert sniff(FORUM) and sniff(EXPLORER) and sniff(FORUM / "t-12.json")
    assert not sniff(FORUM / "likes.csv") and not sniff(DATA / "discord" / "general.json")
    assert influence.sources.detect_format(EXPLORER) == "discourse"
    assert influence.sources.detect_format(FORUM) == "discourse"


def test_truncated_topic(tmp_path):
    path = tmp_path / "t-12.json"
    path.write_text("\n".join((FORUM / "t-12.json").read_text().split("\n")[:12]))
    with pytest.raises(SourceError) as caught:
        read_discourse(path)
    assert str(caught.value) == (
        "t-12.json:10: JSON must be complete (got end of file; the file is truncated)"
    )


def test_missing_created_at_raises_then_skips(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(EXPLORER.read_text().replace(",1709283600,", ",,"))
    with pytest.raises(SourceError) as caught:
        read_discourse(path)
    assert str(caught.value) == "posts.csv:4: created_at must be an ISO 8601 time (got missing)"
    with pytest.warns(InfluenceDataWarning, match="posts.csv: 1 malformed"):
        community = read_discourse(path, on_error="skip")
    assert community.messages["message_id"].tolist() == ["31", "33"]
    assert _entries(community)[("posts.csv", "messages")] == (3, 2, {"malformed": 1})


def test_missing_author_in_json(tmp_path):
    path = tmp_path / "t.json"
    path.write_text((FORUM / "t-12.json").read_text().replace('"username": "dan", ', ""))
    # dan's post has no username but a user_id: the numeric id stands in
    assert read_discourse(path).messages["author_id"].tolist()[-1] == "13"
    path.write_text(
        (FORUM / "t-12.json")
        .read_text()
        .replace('"username": "dan", ', "")
        .replace('"user_id": 13, ', "")
    )
    with pytest.raises(SourceError) as caught:
        read_discourse(path)
    assert str(caught.value) == "t.json:23: username (or user_id) must be present (got missing)"


def test_invalid_utf8(tmp_path):
    json_path = tmp_path / "t-12.json"
    json_path.write_bytes((FORUM / "t-12.json").read_bytes().replace(b"Read the", b"R\xe9ad the"))
    with pytest.raises(SourceError, match=r"^t-12\.json:11: text must be UTF-8 \(got byte 0xe9"):
        read_discourse(json_path)
    csv_path = tmp_path / "posts.csv"
    csv_path.write_bytes(EXPLORER.read_bytes().replace(b"thanks!", b"merci\xff"))
    with pytest.raises(SourceError) as caught:
        read_discourse(csv_path)
    assert str(caught.value).startswith(
        "posts.csv:5: text must be UTF-8 (got byte 0xff: invalid start byte)"
    )


def test_wrong_format_forced():
    with pytest.raises(SourceError) as caught:
        influence.read(DATA / "mbox" / "list.mbox", format="discourse")
    assert str(caught.value) == "list.mbox:1: a Discourse JSON file must be an object (got 'F')"
    result = CliRunner().invoke(
        main, ["analyze", str(DATA / "slack" / "users.json"), "--format", "discourse"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: users.json:1: a Discourse JSON file must be an object")


def test_folder_without_posts(tmp_path):
    shutil.copy(FORUM / "likes.csv", tmp_path / "likes.csv")
    with pytest.raises(SourceError, match="must hold topic or posts JSON, or a posts CSV"):
        read_discourse(tmp_path)


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(FORUM), "--format", "discourse", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str})
    # the rank order is the classifier's business: compare by user_id
    users = users.sort_values("user_id")
    assert users[["user_id", "display_name", "segment", "messages"]].to_dict("list") == {
        "user_id": ["Ann", "bob", "cat", "dan"],
        # display names come from each user's latest post (bob's: 2001, "Bob")
        "display_name": ["Ann Lee", "Bob", "cat", "Dan"],
        "segment": ["member"] * 4,
        "messages": [2, 2, 1, 1],
    }


# ----------------------------------------------------------------- merged duplicates
#
# Post 7 of topic 3 is exported twice, in a topic file and a latest-posts file:
#   topic copy:  updated 2024-05-02, raw "Edited: thanks @ann" (19), like count 2, no name;
#   latest copy: updated 2024-05-01, raw "thanks" (6), like count 5, name "Bo Z",
#                title "Helper".
# The topic copy ranks first (latest updated_at): its text, length and mention win; the
# like count is the largest (5); name and title, absent from it, come from the other copy.


def _post(**fields):
    post = {"topic_id": 3, "username": "bo", "user_id": 2, "post_type": 1}
    return {**post, **fields}


def _ann():
    return _post(
        id=6,
        post_number=1,
        username="ann",
        user_id=1,
        raw="hi",
        created_at="2024-05-01T09:00:00Z",
        category_id=4,
    )


def _write_copies(folder, topic_name, latest_name, topic_copy, latest_copy):
    folder.mkdir()
    topic = {"id": 3, "category_id": 4, "post_stream": {"posts": [_ann(), topic_copy]}}
    (folder / topic_name).write_text(json.dumps(topic, indent=1))
    (folder / latest_name).write_text(json.dumps({"latest_posts": [latest_copy]}, indent=1))


def _tables(community):
    messages = community.messages.drop(columns=["sentiment", "language"], errors="ignore")
    return messages, community.interactions, community.users


def _by_copy(community, names):
    """Read stats per file, keyed by which copy the file holds (not by its name)."""
    entries = _entries(community)
    return {
        (copy, table): counts
        for (source, table), counts in entries.items()
        for name, copy in names.items()
        if source == name
    }


COPIES = {
    "topic": _post(
        id=7,
        post_number=2,
        created_at="2024-05-01T10:00:00Z",
        updated_at="2024-05-02T08:00:00Z",
        raw="Edited: thanks @ann",
        actions_summary=[{"id": 2, "count": 2}],
    ),
    "latest": _post(
        id=7,
        post_number=2,
        created_at="2024-05-01T10:00:00Z",
        updated_at="2024-05-01T10:00:00Z",
        raw="thanks",
        like_count=5,
        name="Bo Z",
        user_title="Helper",
        category_id=4,
    ),
}


@pytest.mark.parametrize("swap", [False, True])
def test_duplicate_copies_merge_field_by_field(tmp_path, swap):
    names = ("a-topic.json", "z-latest.json") if not swap else ("z-topic.json", "a-latest.json")
    _write_copies(tmp_path / "forum", *names, COPIES["topic"], COPIES["latest"])
    community = read_discourse(tmp_path / "forum")
    messages = community.messages.set_index("message_id")
    assert messages.loc["7", "text_length"] == 19
    assert messages.loc["7", "score"] == 5.0
    assert messages.loc["7", "parent_id"] == "6"
    assert _pairs(community) == [("bo", "ann", "mention"), ("bo", "ann", "reply")]
    users = community.users.set_index("user_id")
    assert users.loc["bo", ["display_name", "title"]].tolist() == ["Bo Z", "Helper"]
    # the topic copy is kept (and its mention counted) in its file; the other is a duplicate
    assert _by_copy(community, {names[0]: "topic", names[1]: "latest"}) == {
        ("topic", "messages"): (2, 2, {}),
        ("latest", "messages"): (1, 0, {"duplicate": 1}),
        ("topic", "mentions"): (1, 1, {}),
    }


def test_duplicate_copies_both_file_orders_give_identical_tables(tmp_path):
    # no updated_at and the same like count: the copies tie but for their content
    first = {**COPIES["topic"], "updated_at": None, "actions_summary": [], "like_count": 5}
    second = {**COPIES["latest"], "updated_at": None}
    tables = []
    for folder, names in (("one", ("a.json", "b.json")), ("two", ("b.json", "a.json"))):
        _write_copies(tmp_path / folder, *names, first, second)
        tables.append(_tables(read_discourse(tmp_path / folder)))
    for one, two in zip(*tables, strict=True):
        pd.testing.assert_frame_equal(one, two)
    # the latest-posts copy has more fields (name, title, category): it ranks first
    assert tables[0][0].set_index("message_id").loc["7", "text_length"] == 6
    # and the records swapped inside one file (overlapping API pages) give the same too
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, posts in (("p1.json", [second, _ann()]), ("p2.json", [first, _ann(), second])):
        (folder / name).write_text(json.dumps({"latest_posts": posts}))
    paged = read_discourse(folder)
    pd.testing.assert_frame_equal(_tables(paged)[0], tables[0][0])
    # p1.json holds the best copy of post 7 and the first read of the identical copies
    # of post 6: both kept there; all three records of p2.json are duplicates
    assert _entries(paged)[("p1.json", "messages")] == (2, 2, {})
    assert _entries(paged)[("p2.json", "messages")] == (3, 0, {"duplicate": 3})


def test_duplicate_copy_without_text_takes_the_text_of_the_other(tmp_path):
    # the best-ranked copy (latest update) has no raw nor cooked: text, length and
    # mentions come together from the copy that has them
    bare = {key: value for key, value in COPIES["topic"].items() if key != "raw"}
    _write_copies(tmp_path / "forum", "t.json", "p.json", bare, COPIES["latest"])
    community = read_discourse(tmp_path / "forum")
    assert community.messages.set_index("message_id").loc["7", "text_length"] == 6
    assert _pairs(community) == [("bo", "ann", "reply")]
    assert _entries(community)[("t.json", "messages")] == (2, 2, {})
