"""Tests of the Twitter reader on hand-written API v2, v1.1 and archive fixtures.

Expected tables were worked out by hand from the files in ``tests/data/twitter``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources import detect_format, twitter

DATA = Path(__file__).resolve().parents[1] / "data" / "twitter"
V2 = DATA / "v2.jsonl"
V1 = DATA / "v1.json"
ARCHIVE = DATA / "archive"


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame[columns].itertuples(index=False)
    ]


MESSAGE_COLUMNS = ["message_id", "author_id", "thread_id", "parent_id", "kind", "topic", "score"]
EDGE_COLUMNS = ["source", "target", "kind", "message_id"]


def test_v2_messages():
    messages = influence.read(V2).messages
    assert _records(messages, [*MESSAGE_COLUMNS, "text_length"]) == [
        ("100", "10", "100", None, "post", "python", 5.0, 21),
        ("102", "30", "102", None, "share", None, None, 30),  # 11:00+01:00 = 10:00 UTC
        ("101", "20", "100", "100", "reply", None, 2.0, 20),
        ("103", "20", "900", "900", "reply", None, None, 21),  # reply wins over quote
        ("104", "30", "104", None, "post", None, None, 21),
    ]
    assert messages["created_at"].tolist() == list(
        pd.to_datetime(
            [
                "2024-03-01T10:00Z",
                "2024-03-01T10:00Z",
                "2024-03-01T10:05Z",
                "2024-03-01T12:00Z",
                "2024-03-01T13:00Z",
            ],
            utc=True,
        )
    )


def test_v2_interactions_users_and_stats():
    community = influence.read(V2)
    assert _records(community.interactions, EDGE_COLUMNS) == [
        ("30", "10", "share", "102"),  # author of 100 from includes.tweets
        ("20", "30", "mention", "101"),  # @ann is the reply target: not a mention
        ("20", "10", "reply", "101"),
        ("20", "30", "quote", "103"),
        ("20", "40", "reply", "103"),  # 900 is not in the dump: in_reply_to_user_id
        ("30", "20", "mention", "104"),  # @BOB resolved by username
    ]
    assert _records(community.users, ["user_id", "display_name", "username"]) == [
        ("10", "Ann A", "ann"),
        ("20", "Bob B", "bob"),
        ("30", "Cid", "cid"),
        ("40", "Dee", "dee"),
    ]
    assert community.users.loc[0, "about"] == "Python core dev"
    stats = {(e["source"], e["table"]): e for e in community.read_stats.to_dict()["entries"]}
    assert stats[("(derived)", "mentions")]["dropped"] == {
        "in_retweet": 1,
        "mention_unresolved": 1,
        "reply_target": 2,
    }
    # 2 replies + share + quote + reply link + 2 mentions; 103's parent lookup fails
    assert stats[("(derived)", "interactions")]["read"] == 7
    assert stats[("(derived)", "interactions")]["dropped"] == {"reply_to_unknown_message": 1}
    assert any("in_reply_to_user_id" in note for note in community.read_stats.notes)


def test_v1_array():
    community = influence.read(V1)
    assert _records(community.messages, [*MESSAGE_COLUMNS, "text_length"]) == [
        ("200", "1", "200", None, "post", "rust", 3.0, 17),
        ("201", "2", "200", "200", "reply", None, 0.0, 20),
        ("202", "3", "202", None, "share", "rust", 0.0, 26),
        ("203", "2", "203", None, "quote", None, 7.0, 42),  # extended_tweet.full_text
        ("204", "3", "777", "777", "reply", None, None, 19),
    ]
    assert community.messages["created_at"].iloc[0] == pd.Timestamp("2018-10-10T20:19:24Z")
    assert _records(community.interactions, EDGE_COLUMNS) == [
        ("2", "1", "reply", "201"),  # the self-mention of @fay is dropped
        ("3", "1", "share", "202"),
        ("2", "4", "quote", "203"),
        ("3", "5", "reply", "204"),
    ]
    assert _records(community.users, ["user_id", "display_name", "username", "location"]) == [
        ("1", "Eve", "eve", "Berlin"),
        ("2", "Fay F", "fay", None),
        ("3", "Gus", "gus", None),
        ("4", "Hal", "hal", None),
        ("5", None, None, None),
    ]
    assert community.users.loc[0, "created_at"] == pd.Timestamp("2012-01-02T10:00Z")


def test_v1_lines_read_like_the_array(tmp_path):
    path = tmp_path / "tweets.jsonl.gz"
    tweets = json.loads(V1.read_text())
    path.write_bytes(gzip.compress("\n".join(json.dumps(t) for t in tweets).encode()))
    pd.testing.assert_frame_equal(influence.read(path).messages, influence.read(V1).messages)


def test_archive():
    community = influence.read(ARCHIVE)
    assert _records(community.messages, [*MESSAGE_COLUMNS, "text_length"]) == [
        ("300", "50", "300", None, "post", None, 4.0, 11),
        ("301", "50", "888", "888", "reply", None, 1.0, 16),
        ("302", "50", "302", None, "share", None, 0.0, 17),  # "RT @lee: ..."
        ("303", "50", "300", "300", "reply", None, 2.0, 29),  # self-reply in a thread
    ]
    assert _records(community.interactions, EDGE_COLUMNS) == [
        ("50", "60", "reply", "301"),
        ("50", "70", "share", "302"),
        ("50", "70", "mention", "303"),
    ]
    assert _records(community.users, ["user_id", "display_name", "about", "location"]) == [
        ("50", "Jo", "Data engineer", "Lyon"),
        ("60", None, None, None),
        ("70", None, None, None),
    ]
    assert influence.read(ARCHIVE / "data" / "tweets.js").messages.equals(community.messages)


def test_archive_without_account(tmp_path):
    (tmp_path / "tweets.js").write_bytes((ARCHIVE / "data" / "tweets.js").read_bytes())
    with pytest.raises(
        SourceError, match=r"account\.js: an archive's tweets\.js must have account\.js"
    ):
        influence.read(tmp_path)


def test_detection():
    assert detect_format(V2) == "twitter"
    assert detect_format(V1) == "twitter"
    assert detect_format(ARCHIVE) == "twitter"
    assert not twitter.sniff(DATA.parent / "reddit" / "post_page.json")


def test_truncated_array(tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(V1.read_bytes()[:900])
    with pytest.raises(SourceError, match=r"cut\.json:\d+: JSON must be complete \(got end of"):
        influence.read(path, format="twitter")


def test_truncated_lines(tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_bytes(V2.read_bytes()[:-300])
    with pytest.raises(SourceError, match=r"cut\.jsonl:4: line must be valid JSON"):
        influence.read(path)


FIRST = V2.read_bytes().split(b"\n")[0]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            b'{"data": [{"id": "7", "text": "x", "created_at": "2024-01-01T00:00:00Z"}]}',
            "2: author_id of tweet 7 must be present (got missing)",
        ),
        (
            b'{"data": [{"id": "7", "author_id": "1", "text": "x"}]}',
            "2: created_at of tweet 7 must be present (got missing)",
        ),
        (
            b'{"data": [{"id": "7", "author_id": "1", "text": "x", "created_at": "yesterday"}]}',
            "2: created_at must be an ISO 8601 time or like 'Wed Oct 10 20:19:24 +0000 2018' "
            "(got 'yesterday')",
        ),
        (
            b'{"data": [{"id": "100", "author_id": "1", "text": "x", "created_at": "2024-01-01"}]}',
            "2: tweet id must be unique (got 100 again)",
        ),
        (b'{"data": [{"text": "\xff"}]}', "2: text must be UTF-8 (got byte 0xff at column 21)"),
        (b'{"data": ', "2: line must be valid JSON (got unexpected end of data)"),
    ],
)
def test_bad_record_raises_then_skips(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(FIRST + b"\n" + line + b"\n")
    with pytest.raises(SourceError) as caught:
        influence.read(path)
    assert str(caught.value) == f"{path}:{message}"
    with pytest.warns(InfluenceDataWarning, match="bad records were skipped"):
        community = influence.read(path, on_error="skip")
    assert community.messages["message_id"].tolist() == ["100", "101"]
    entry = community.read_stats.to_dict()["entries"][0]
    assert (entry["read"], entry["kept"], sum(entry["dropped"].values())) == (3, 2, 1)


def test_wrong_format_forced():
    path = DATA.parent / "reddit" / "dump" / "RC_2024-01.ndjson"
    with pytest.raises(SourceError, match=r"RC_2024-01\.ndjson:1: record must be a tweet"):
        influence.read(path, format="twitter")
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "twitter"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}:1: record must be a tweet")


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(V2), "--format", "twitter", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str}).set_index("user_id")
    # 20 (bob) wrote 101, 103; addressed 30, 10, 40; addressed by 30 (mention in 104)
    assert users.loc["20", ["messages", "out_reach", "in_reach"]].tolist() == [2, 3, 1]
    # 10 (ann) wrote 100; addressed nobody; addressed by 30 (share) and 20 (reply)
    assert users.loc["10", ["messages", "out_reach", "in_reach"]].tolist() == [1, 0, 2]
    assert users.loc["10", "display_name"] == "Ann A"
