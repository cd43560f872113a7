"""Tests of the Reddit reader on hand-written Pushshift and API fixtures.

Expected tables were worked out by hand from the fixture files in
``tests/data/reddit`` (see the comments next to each row).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import zstandard
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources import detect_format, reddit

DATA = Path(__file__).resolve().parents[1] / "data"
DUMP = DATA / "reddit" / "dump"
PAGE = DATA / "reddit" / "post_page.json"
T0 = 1704067200  # 2024-01-01T00:00:00Z


def _utc(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(seconds, unit="s", tz="UTC")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame[columns].itertuples(index=False)
    ]


def test_dump_messages():
    messages = influence.read(DUMP).messages
    columns = [
        "message_id",
        "author_id",
        "thread_id",
        "parent_id",
        "kind",
        "topic",
        "score",
        "text_length",
    ]
    assert _records(messages, columns) == [
        ("t3_p1", "alice", "t3_p1", None, "post", "python", 10.0, 21),  # 3 + 18 chars
        ("t1_c3", "AutoModerator", "t3_p1", "t3_p1", "comment", "python", 1.0, 22),
        ("t1_c1", "bob", "t3_p1", "t3_p1", "comment", "python", 5.0, 29),
        ("t1_c2", "alice", "t3_p1", "t1_c1", "comment", "python", 2.0, 7),
        ("t1_c4", "carol", "t3_p1", "t1_c3", "comment", "python", -1.0, 34),
        ("t3_p2", "carol", "t3_p2", None, "post", "learnpython", 3.0, 6),  # created_utc a string
        ("t3_p3", None, "t3_p3", None, "post", "python", 0.0, 13),  # [deleted]; float time
        ("t1_c5", None, "t3_p3", "t3_p3", "comment", "python", None, 9),  # score null
        ("t1_c6", "bob", "t3_p9", "t1_zz", "comment", "python", 1.0, 21),
        ("t1_c7", "dave", "t3_p3", "t1_c5", "comment", "python", 2.0, 32),
    ]
    assert messages["created_at"].tolist() == [
        _utc(T0),
        _utc(T0 + 1),
        _utc(T0 + 60),
        _utc(T0 + 120),
        _utc(T0 + 200),
        _utc(T0 + 3600),
        _utc(T0 + 7200.5),
        _utc(T0 + 7300),
        _utc(T0 + 7400),
        _utc(T0 + 7500),
    ]
    assert set(messages["platform"]) == {"reddit"}


def test_dump_interactions_and_stats():
    community = influence.read(DUMP)
    assert _records(community.interactions, ["source", "target", "kind", "message_id"]) == [
        ("alice", "bob", "mention", "t3_p1"),  # u/Bob matched to author bob
        ("AutoModerator", "alice", "reply", "t1_c3"),
        ("bob", "carol", "mention", "t1_c1"),  # /u/carol
        ("bob", "alice", "reply", "t1_c1"),
        ("alice", "bob", "reply", "t1_c2"),
        ("carol", "AutoModerator", "mention", "t1_c4"),  # "A" sorts before "a"
        ("carol", "alice", "mention", "t1_c4"),  # u/alice twice: once
        ("carol", "AutoModerator", "reply", "t1_c4"),
        ("carol", "alice", "share", "t3_p2"),  # crosspost of t3_p1
    ]
    stats = community.read_stats.to_dict()["entries"]
    by_key = {(e["source"], e["table"]): e for e in stats}
    assert by_key[("RS_2024-01.ndjson", "authors")]["dropped"] == {"deleted_author": 1}
    assert by_key[("RC_2024-01.ndjson", "authors")] | {} == {
        "source": "RC_2024-01.ndjson",
        "table": "authors",
        "read": 7,
        "kept": 6,
        "dropped": {"deleted_author": 1},
    }
    # 7 replies + 5 mentions + 1 share; c5 and c7 touch a deleted author, c6's parent is
    # absent, c6 mentions its own author
    assert by_key[("(derived)", "interactions")] == {
        "source": "(derived)",
        "table": "interactions",
        "read": 13,
        "kept": 9,
        "dropped": {"deleted_author": 2, "reply_to_unknown_message": 1, "self_interaction": 1},
    }
    assert any("AutoModerator" in note and "is_bot" in note for note in community.read_stats.notes)


def test_dump_users():
    users = influence.read(DUMP).users
    assert _records(users, ["user_id", "display_name", "title", "is_bot"]) == [
        ("AutoModerator", "AutoModerator", None, True),
        ("alice", "alice", "Core dev", False),
        ("bob", "bob", None, False),
        ("carol", "carol", None, False),
        ("dave", "dave", None, False),
    ]
    assert users.loc[1, "created_at"] == _utc(1500000000)


def test_single_file_and_zst_read_the_same(tmp_path):
    target = tmp_path / "RC_2024-01.zst"
    target.write_bytes(
        zstandard.ZstdCompressor().compress((DUMP / "RC_2024-01.ndjson").read_bytes())
    )
    plain = influence.read(DUMP / "RC_2024-01.ndjson")
    packed = influence.read(target)
    pd.testing.assert_frame_equal(plain.messages, packed.messages)
    assert len(plain.messages) == 7


def test_api_post_page():
    community = influence.read(PAGE)
    assert _records(
        community.messages, ["message_id", "author_id", "parent_id", "text_length"]
    ) == [
        ("t3_q1", "erin", None, 13),
        ("t1_d1", "frank", "t3_q1", 21),
        ("t1_d2", "erin", "t1_d1", 6),  # nested in replies
        ("t1_d3", "RemindMeBot", "t3_q1", 17),
    ]
    assert _records(community.interactions, ["source", "target", "kind"]) == [
        ("frank", "erin", "mention"),  # u/Erin -> erin
        ("frank", "erin", "reply"),
        ("erin", "frank", "reply"),
        ("RemindMeBot", "erin", "reply"),
    ]
    assert community.users["is_bot"].tolist() == [True, False, False]
    assert community.read_stats.dropped("messages") == {"more_comments_stub": 1}


def test_sniff_and_detection():
    assert detect_format(DUMP) == "reddit"
    assert detect_format(PAGE) == "reddit"
    assert detect_format(DUMP / "RS_2024-01.ndjson") == "reddit"
    assert not reddit.sniff(DATA / "twitter" / "v2.jsonl")


def test_truncated_zst(tmp_path):
    # enough lines for several zstd blocks, so that the cut falls inside a line
    lines = (DUMP / "RC_2024-01.ndjson").read_bytes().split(b"\n")[:1] * 4000
    rows = [line.replace(b'"c1"', b'"c%d"' % n) for n, line in enumerate(lines)]
    data = zstandard.ZstdCompressor().compress(b"\n".join(rows) + b"\n")
    path = tmp_path / "RC_cut.zst"
    path.write_bytes(data[: len(data) * 2 // 3])
    # the zstd frame is cut off: open_binary says so instead of ending early
    with pytest.raises(SourceError, match=r"RC_cut\.zst: zstd stream must end with a complete"):
        influence.read(path, format="reddit")


def test_truncated_plain_file(tmp_path):
    path = tmp_path / "RC_cut.ndjson"
    path.write_bytes((DUMP / "RC_2024-01.ndjson").read_bytes()[:300])
    with pytest.raises(SourceError, match=r"RC_cut\.ndjson:2: line must be valid JSON \(got"):
        influence.read(path)


def _lines(*extra: bytes) -> bytes:
    return (
        (DUMP / "RC_2024-01.ndjson").read_bytes().split(b"\n")[0]
        + b"\n"
        + b"\n".join(extra)
        + b"\n"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            b'{"id": "x", "author": "a", "parent_id": "t3_p1", "subreddit": "s", "created_utc": 1}',
            "2: link_id must be present (got missing)",
        ),
        (
            b'{"id": "x", "author": "a", "link_id": "t3_p", "parent_id": "p", "subreddit": "s", '
            b'"created_utc": 1}',
            "2: parent_id must be a fullname such as t1_abc or t3_abc (got 'p')",
        ),
        (
            b'{"id": "x", "link_id": "t3_p", "parent_id": "t3_p", "created_utc": 1}',
            "2: author must be present (got missing); [deleted] marks a deleted account",
        ),
        (
            b'{"id": "x", "author": "a", "link_id": "t3_p", "parent_id": "t3_p"}',
            "2: created_utc must be present (got missing)",
        ),
        (
            b'{"id": "x", "author": "a", "link_id": "t3_p", "parent_id": "t3_p", '
            b'"created_utc": "soon"}',
            "2: created_utc must be an ISO 8601 time or Unix epoch (got 'soon')",
        ),
        (
            b'{"id": "c1", "author": "a", "link_id": "t3_p", "parent_id": "t3_p", '
            b'"created_utc": 5}',
            "2: id must be unique (got t1_c1 again)",
        ),
        (b'{"body": "caf\xe9"}', "2: text must be UTF-8 (got byte 0xe9 at column 14)"),
    ],
)
def test_bad_record_raises_then_skips(tmp_path, line, message):
    path = tmp_path / "RC_bad.ndjson"
    path.write_bytes(_lines(line))
    with pytest.raises(SourceError) as caught:
        influence.read(path)
    assert str(caught.value) == f"{path}:{message}"
    with pytest.warns(InfluenceDataWarning, match="bad records were skipped"):
        community = influence.read(path, on_error="skip")
    assert len(community.messages) == 1
    entry = community.read_stats.to_dict()["entries"][0]
    assert entry["read"] == 2 and entry["kept"] == 1
    assert sum(entry["dropped"].values()) == 1
    assert any(message in note for note in community.read_stats.notes)


def test_wrong_format_forced():
    path = DATA / "twitter" / "v2.jsonl"
    with pytest.raises(SourceError, match=r"v2\.jsonl:1: record must be a Reddit comment"):
        influence.read(path, format="reddit")
    result = CliRunner().invoke(main, ["analyze", str(path), "--format", "reddit"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}:1: record must be a Reddit comment")


def test_no_warning_without_problems():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        influence.read(DUMP)


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(DUMP), "--format", "reddit", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str}).set_index("user_id")
    # alice wrote p1, c2; addressed bob; was addressed by AutoModerator, bob, carol
    assert users.loc["alice", ["messages", "out_reach", "in_reach"]].tolist() == [2, 1, 3]
    # bob wrote c1, c6; addressed carol and alice; addressed by alice
    assert users.loc["bob", ["messages", "out_reach", "in_reach"]].tolist() == [2, 2, 1]
    # carol wrote c4, p2; addressed AutoModerator and alice; addressed by bob
    assert users.loc["carol", ["messages", "out_reach", "in_reach"]].tolist() == [2, 2, 1]
    assert sorted(users.index) == ["AutoModerator", "alice", "bob", "carol", "dave"]


def test_folder_without_dump_files(tmp_path):
    with pytest.raises(SourceError, match="must hold RC_"):
        reddit.read_reddit(tmp_path)


def test_copied_folder_reads_in_name_order(tmp_path):
    shutil.copytree(DUMP, tmp_path / "d")
    assert influence.read(tmp_path / "d").messages["message_id"].tolist()[:2] == ["t3_p1", "t1_c3"]
