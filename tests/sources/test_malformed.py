"""Malformed input, reader by reader: every case ends in its documented outcome.

README.md, "Bad input: what happens", lists the outcomes asserted here: a
one-line ``SourceError`` naming the file and the line or record (``Error: ...``
on the command line, exit 1), or a kept/counted outcome in ``read_stats``.

The byte-level cases (empty, truncated, invalid UTF-8, Latin-1, UTF-16 with a
BOM) run on a copy of each reader's fixture with its main file damaged; the
record-level cases (missing and extra fields, wrong types, duplicate ids,
replies to unknown or later messages, cycles, self-replies, future and naive
timestamps, huge fields) are written by hand for the table, Reddit, mbox and
Stack Exchange readers. Reply resolution is shared by every reader
(``influence.sources._common.assemble``), so the reply cases hold for all.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources import FORMATS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

#: A tiny Stack Exchange dump: one question and two answers (fixture written by hand).
SE_POSTS = """<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" CreationDate="2021-01-01T10:00:00.000" Score="3" OwnerUserId="10" \
Title="Q" Body="&lt;p&gt;How?&lt;/p&gt;" Tags="&lt;x&gt;" />
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-01-01T11:00:00.000" Score="1" \
OwnerUserId="20" Body="&lt;p&gt;So.&lt;/p&gt;" />
  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2021-01-01T12:00:00.000" Score="1" \
OwnerUserId="30" Body="&lt;p&gt;Or.&lt;/p&gt;" />
</posts>
"""

#: format -> (fixture copied into tmp, the file inside it that gets damaged)
SUBJECTS = {
    "stackexchange": (None, "Posts.xml"),
    "reddit": (DATA / "reddit" / "dump", "RC_2024-01.ndjson"),
    "twitter": (DATA / "twitter" / "v2.jsonl", None),
    "mastodon": (DATA / "mastodon" / "export", "outbox.json"),
    "discourse": (DATA / "discourse" / "t-12.json", None),
    "slack": (DATA / "slack", "general/2024-01-15.json"),
    "discord": (DATA / "discord" / "general.json", None),
    "mbox": (DATA / "mbox" / "list.mbox", None),
    "table": (DATA / "table" / "posts.csv", None),
}


def _damage(case: str, data: bytes) -> bytes:
    half = len(data) // 2
    if case == "empty":
        return b""
    if case == "truncated":
        return data[:half]
    if case == "invalid_utf8":
        return data[:half] + b"\xff\xfe" + data[half:]
    if case == "latin1":  # three accented letters, written as Latin-1 bytes
        return data.decode("utf-8").replace("a", "é", 3).encode("latin-1", "replace")
    if case == "utf16_bom":
        return data.decode("utf-8").encode("utf-16")  # starts with the BOM FF FE
    raise AssertionError(case)


def _subject(tmp_path: Path, name: str, case: str) -> tuple[Path, Path]:
    """Copy the fixture of ``name`` into tmp_path, damage its main file; return (input, file)."""
    fixture, member = SUBJECTS[name]
    if fixture is None:  # stackexchange: the tiny dump above
        path = tmp_path / "site"
        path.mkdir()
        (path / member).write_text(SE_POSTS, encoding="utf-8")
    elif fixture.is_file():
        path = tmp_path / fixture.name
        shutil.copy(fixture, path)
    else:
        path = tmp_path / fixture.name
        shutil.copytree(fixture, path)
    damaged = path / member if member else path
    damaged.write_bytes(_damage(case, damaged.read_bytes()))
    return path, damaged


# (format, case) -> the outcome with on_error="raise":
#   ("error", locator, fragment): SourceError "<file>:<locator>: ...fragment..."
#   ("kept", messages): read without error, `messages` messages kept
# Whole-document formats (XML, JSON documents) cannot skip a broken document:
# on_error="skip" gives the same error. Line-based formats (NDJSON) skip the bad
# line and count it as `malformed`; see SKIPPED.
UTF8 = "text must be UTF-8"
OUTCOMES = {
    ("stackexchange", "empty"): ("error", 1, "XML must be well-formed (got no element found)"),
    ("stackexchange", "truncated"): ("error", 4, "XML must be well-formed (got unclosed token)"),
    ("stackexchange", "invalid_utf8"): ("error", 4, "XML must be well-formed (got not well"),
    ("stackexchange", "latin1"): ("error", 3, "XML must be well-formed (got not well"),
    ("stackexchange", "utf16_bom"): ("error", 1, "XML must be well-formed"),
    ("reddit", "empty"): ("kept", 3),  # an empty RC_ file: the submissions remain
    ("reddit", "truncated"): ("error", 4, "line must be valid JSON (got unexpected end"),
    ("reddit", "invalid_utf8"): ("error", 4, UTF8 + " (got byte 0xff at column"),
    ("reddit", "latin1"): ("error", 1, UTF8 + " (got byte 0xe9); convert the file"),
    ("reddit", "utf16_bom"): ("error", 1, UTF8 + " (got byte 0xff at column 1)"),
    ("twitter", "empty"): ("kept", 0),
    ("twitter", "truncated"): ("error", 2, "line must be valid JSON (got unexpected end"),
    ("twitter", "invalid_utf8"): ("error", 2, UTF8 + " (got byte 0xff at column"),
    ("twitter", "latin1"): ("error", 1, UTF8 + " (got byte 0xe9 at column 4)"),
    ("twitter", "utf16_bom"): ("error", 1, UTF8 + " (got byte 0xff at column 1)"),
    ("mastodon", "empty"): ("error", None, "file must contain a JSON array (got none)"),
    ("mastodon", "truncated"): ("error", 42, "JSON must be complete (got end of file"),
    ("mastodon", "invalid_utf8"): ("error", 50, UTF8 + " (got byte 0xff); convert"),
    ("mastodon", "latin1"): ("error", 2, UTF8 + " (got byte 0xe9); convert"),
    ("mastodon", "utf16_bom"): ("error", 1, UTF8 + " (got byte 0xff)"),
    ("discourse", "empty"): ("error", 1, "a Discourse JSON file must be an object"),
    ("discourse", "truncated"): ("error", 14, "JSON must be complete (got end of file"),
    ("discourse", "invalid_utf8"): ("error", 15, UTF8),
    ("discourse", "latin1"): ("error", 2, UTF8),
    ("discourse", "utf16_bom"): ("error", 1, UTF8),
    ("slack", "empty"): ("error", 1, "JSON must be complete (got end of file"),
    ("slack", "truncated"): ("error", 22, "JSON must be complete (got end of file"),
    ("slack", "invalid_utf8"): ("error", 23, UTF8),
    ("slack", "latin1"): ("error", 3, UTF8),
    ("slack", "utf16_bom"): ("error", 1, UTF8),
    ("discord", "empty"): ("error", 1, "a DiscordChatExporter file must be a JSON object"),
    ("discord", "truncated"): ("error", 28, "JSON must be complete (got end of file"),
    ("discord", "invalid_utf8"): ("error", 30, UTF8),
    ("discord", "latin1"): ("error", 2, UTF8),
    ("discord", "utf16_bom"): ("error", 1, UTF8),
    # mbox has no end marker and bodies may carry any bytes: a cut or a bad byte
    # in a body keeps what is there (header bytes are repaired, see test_mbox)
    ("mbox", "empty"): ("kept", 0),
    ("mbox", "truncated"): ("kept", 3),
    ("mbox", "invalid_utf8"): ("kept", 5),
    ("mbox", "latin1"): ("kept", 5),
    ("mbox", "utf16_bom"): ("error", 1, "an mbox file must start with a 'From ' line"),
    ("table", "empty"): ("kept", 0),
    # the cut falls inside row 3, after its created_at: a short row keeps what it has
    ("table", "truncated"): ("kept", 2),
    ("table", "invalid_utf8"): ("error", 3, UTF8 + " (got byte 0xff: invalid start byte)"),
    ("table", "latin1"): ("error", 1, UTF8 + " (got byte 0xe9: invalid continuation"),
    ("table", "utf16_bom"): ("error", 1, UTF8 + " (got byte 0xff: invalid start byte)"),
}
#: Line-based formats: with on_error="skip" the bad lines are dropped and counted.
SKIPPED = {
    ("reddit", "truncated"): 1,
    ("reddit", "invalid_utf8"): 1,
    ("reddit", "utf16_bom"): 9,  # every line of the re-encoded file
    ("twitter", "truncated"): 1,
    ("twitter", "invalid_utf8"): 1,
    ("twitter", "latin1"): 1,
    ("twitter", "utf16_bom"): 6,
}
CASES = ("empty", "truncated", "invalid_utf8", "latin1", "utf16_bom")


def _read(path: Path, name: str, on_error: str = "raise") -> influence.Community:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfluenceDataWarning)
        return influence.read(path, format=name, on_error=on_error)


def test_every_reader_has_the_byte_level_cases():
    assert sorted(SUBJECTS) == sorted(FORMATS)
    assert {key for key in OUTCOMES} == {(name, case) for name in FORMATS for case in CASES}


def _assert_balanced(community: influence.Community) -> None:
    for entry in community.read_stats.to_dict()["entries"]:
        assert entry["read"] == entry["kept"] + sum(entry["dropped"].values()), entry


@pytest.mark.parametrize(("name", "case"), sorted(OUTCOMES))
def test_damaged_main_file_gives_its_documented_outcome(tmp_path, name, case):
    path, damaged = _subject(tmp_path, name, case)
    outcome = OUTCOMES[name, case]
    if outcome[0] == "kept":
        community = _read(path, name)
        assert len(community.messages) == outcome[1]
        _assert_balanced(community)
        return
    _, line, fragment = outcome
    with pytest.raises(SourceError) as caught:
        _read(path, name)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.path is not None and caught.value.path.endswith(damaged.name)
    assert caught.value.line == line
    assert fragment in message, message
    if (name, case) in SKIPPED:  # a line-based format skips and counts the bad lines
        community = _read(path, name, on_error="skip")
        assert community.read_stats.dropped()["malformed"] == SKIPPED[name, case]
        _assert_balanced(community)
    else:  # a broken document (or file) cannot be skipped
        with pytest.raises(SourceError, match=fragment.split(" (")[0]):
            _read(path, name, on_error="skip")


#: One CLI case per reader: the damage that gives an error for it.
CLI_CASE = {name: "utf16_bom" if name == "mbox" else "invalid_utf8" for name in FORMATS}


@pytest.mark.parametrize("name", sorted(CLI_CASE))
def test_cli_prints_one_error_line_naming_file_and_line(tmp_path, name):
    path, damaged = _subject(tmp_path, name, CLI_CASE[name])
    _, line, fragment = OUTCOMES[name, CLI_CASE[name]]
    result = CliRunner().invoke(
        main, ["analyze", str(path), "--format", name, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and f"{damaged.name}:{line}: " in lines[0]
    assert fragment in lines[0]


# --------------------------------------------------------------------- empty folders


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_an_empty_folder_is_a_source_error_naming_it(tmp_path, name):
    folder = tmp_path / "dump"
    folder.mkdir()
    with pytest.raises(SourceError) as caught:
        _read(folder, name)
    assert caught.value.path == str(folder)
    assert "must" in str(caught.value) and "\n" not in str(caught.value)


def test_an_empty_folder_with_auto_detection_lists_the_formats(tmp_path):
    result = CliRunner().invoke(main, ["analyze", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path}: format must be one of [")
    assert result.stderr.rstrip().endswith("force one with --format NAME")


# ------------------------------------------------------------- table: record cases

HEADER = "message_id,author_id,created_at,parent_id,score,text\n"
A = "1,ann,2024-01-01T00:00:00Z,,,\n"  # the first message of most cases


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "messages.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param(
            "message_id,created_at\n1,2024-01-01T00:00:00Z\n",
            None,
            "table must have the columns ['message_id', 'author_id', 'created_at'] "
            "(missing ['author_id']",
            id="missing-column",
        ),
        pytest.param(
            HEADER + A + ",bob,2024-01-01T01:00:00Z,1,,\n",
            3,
            "message_id must be present (got missing)",
            id="missing-id",
        ),
        pytest.param(
            HEADER + A + "2,bob,yesterday,1,,\n",
            3,
            "created_at must be an ISO 8601 time or Unix epoch (got 'yesterday')",
            id="wrong-type-time",
        ),
        pytest.param(
            HEADER + "1,ann,2024-01-01T00:00:00Z,,abc,\n",
            2,
            "score must be a number (got 'abc')",
            id="wrong-type-score",
        ),
        pytest.param(
            HEADER + A + "1,bob,2024-01-01T01:00:00Z,,,\n",
            3,
            "message_id must be unique (got '1' again, first on line 2)",
            id="duplicate-id",
        ),
        pytest.param(
            HEADER + A + "2,bob\n",
            3,
            "created_at must be an ISO 8601 time or Unix epoch (got missing)",
            id="short-row",
        ),
        pytest.param(
            HEADER + "1,ann,2024-01-01T00:00:00Z,,,,,\n",
            2,
            "CSV rows must have at most as many fields as the header (got more on the first row)",
            id="long-first-row",
        ),
        pytest.param(
            HEADER + A + "2,bob,2024-01-01T01:00:00Z,1,,,,\n",
            3,
            "CSV must be well-formed (got Expected 6 fields in line 3, saw 8)",
            id="long-row",
        ),
    ],
)
def test_table_record_errors_name_file_and_line(tmp_path, text, line, message):
    path = _csv(tmp_path, text)
    with pytest.raises(SourceError) as caught:
        _read(path, "table")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (HEADER + A + ",bob,2024-01-01T01:00:00Z,1,,\n", "malformed"),
        (HEADER + A + "2,bob,yesterday,1,,\n", "malformed"),
        (HEADER + A + "2,bob\n", "malformed"),
        (HEADER + A + "1,bob,2024-01-01T01:00:00Z,,,\n", "duplicate_id"),
    ],
    ids=["missing-id", "wrong-type-time", "short-row", "duplicate-id"],
)
def test_table_skip_drops_and_counts_the_bad_row_with_one_warning(tmp_path, text, reason):
    path = _csv(tmp_path, text)
    with pytest.warns(InfluenceDataWarning) as caught:
        community = influence.read(path, format="table", on_error="skip")
    assert len([w for w in caught if issubclass(w.category, InfluenceDataWarning)]) == 1
    assert community.messages["message_id"].tolist() == ["1"]
    assert community.read_stats.to_dict()["entries"][0] == {
        "source": "messages.csv",
        "table": "messages",
        "read": 2,
        "kept": 1,
        "dropped": {reason: 1},
    }


def test_table_extra_columns_are_kept_out_of_the_canonical_ones(tmp_path):
    path = _csv(tmp_path, "message_id,author_id,created_at,mood\n1,ann,2024-01-01,happy\n")
    community = _read(path, "table")
    assert community.messages["author_id"].tolist() == ["ann"]
    assert community.read_stats.dropped() == {}


def _reply_case(tmp_path: Path, rows: str) -> influence.Community:
    return _read(_csv(tmp_path, HEADER + rows), "table")


def test_reply_to_unknown_message_is_kept_and_its_reply_counted(tmp_path):
    community = _reply_case(tmp_path, A + "2,bob,2024-01-01T01:00:00Z,99,,\n")
    assert len(community.messages) == 2 and community.interactions.empty
    assert community.read_stats.dropped() == {"reply_to_unknown_message": 1}


def test_reply_to_a_later_message_is_kept(tmp_path):
    # clocks disagree across servers: message 1 answers 2, written an hour later
    community = _reply_case(
        tmp_path, "1,ann,2024-01-01T00:00:00Z,2,,\n2,bob,2024-01-01T01:00:00Z,,,\n"
    )
    replies = community.interactions
    assert (replies["source"].tolist(), replies["target"].tolist()) == (["ann"], ["bob"])
    assert community.read_stats.dropped() == {}


def test_reply_cycle_is_kept_and_warned_once(tmp_path):
    with pytest.warns(InfluenceDataWarning, match="have a parent_id chain that loops"):
        community = influence.read(
            _csv(
                tmp_path,
                HEADER + "1,ann,2024-01-01T00:00:00Z,2,,\n2,bob,2024-01-01T01:00:00Z,1,,\n",
            ),
            format="table",
        )
    # both replies stand (ann -> bob, bob -> ann); the loop is one thread
    assert len(community.interactions) == 2
    assert community.messages["thread_id"].nunique() == 1


def test_self_reply_is_kept_as_a_message_and_its_interaction_counted(tmp_path):
    community = _reply_case(tmp_path, A + "2,ann,2024-01-01T01:00:00Z,1,,\n")
    assert len(community.messages) == 2 and community.interactions.empty
    assert community.read_stats.dropped() == {"self_interaction": 1}


def test_a_message_replying_to_itself_is_a_counted_self_interaction(tmp_path):
    with pytest.warns(InfluenceDataWarning, match="loops"):
        community = influence.read(
            _csv(tmp_path, HEADER + "1,ann,2024-01-01T00:00:00Z,1,,\n"), format="table"
        )
    assert community.read_stats.dropped() == {"self_interaction": 1}


def test_future_timestamps_are_kept_as_written(tmp_path):
    community = _reply_case(tmp_path, A + "2,bob,2199-01-01T01:00:00Z,1,,\n")
    assert str(community.messages["created_at"].max()) == "2199-01-01 01:00:00+00:00"


def test_timestamps_without_zone_are_utc(tmp_path):
    # 00:00 naive (UTC) and 01:00+02:00 (23:00 UTC the day before): the reply sorts first
    community = _reply_case(
        tmp_path, "1,ann,2024-01-01T00:00:00,,,\n2,bob,2024-01-01T01:00:00+02:00,1,,\n"
    )
    assert [str(t) for t in community.messages["created_at"]] == [
        "2023-12-31 23:00:00+00:00",
        "2024-01-01 00:00:00+00:00",
    ]


def test_a_time_beyond_datetime64_is_a_source_error(tmp_path):
    path = _csv(tmp_path, HEADER + A + "2,bob,2300-01-01T01:00:00Z,1,,\n")
    with pytest.raises(SourceError, match=r":3: created_at must be"):
        _read(path, "table")


def test_a_5_mb_text_field_is_read(tmp_path):
    body = "x" * 5_000_000
    community = _reply_case(tmp_path, f"1,ann,2024-01-01T00:00:00Z,,,{body}\n")
    assert community.messages["text_length"].tolist() == [5_000_000]


def test_a_header_only_table_is_an_empty_community_and_the_cli_says_so(tmp_path):
    path = _csv(tmp_path, HEADER)
    assert _read(path, "table").messages.empty
    result = CliRunner().invoke(
        main, ["analyze", str(path), "--format", "table", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: community must have at least one message in the window (got 0 of 0 messages)\n"
    )


def test_a_folder_given_as_a_table_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match=r"a table must be one file \(got a folder\)"):
        _read(tmp_path, "table")


# ------------------------------------------------------------ reddit: record cases

POST = {"id": "p1", "author": "ann", "subreddit": "x", "created_utc": 1704067200, "title": "Q"}


def _comment(**fields) -> dict:
    base = {
        "id": "c1",
        "author": "bob",
        "link_id": "t3_p1",
        "parent_id": "t3_p1",
        "subreddit": "x",
        "created_utc": 1704067260,
        "body": "hi",
        "score": 5,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def _reddit(tmp_path: Path, *comments: dict) -> Path:
    folder = tmp_path / "reddit"
    folder.mkdir()
    (folder / "RS_2024-01.ndjson").write_text(json.dumps(POST) + "\n")
    (folder / "RC_2024-01.ndjson").write_text("".join(json.dumps(c) + "\n" for c in comments))
    return folder


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        (_comment(created_utc="abc"), "created_utc must be an ISO 8601 time or Unix epoch"),
        (_comment(score="lots"), "score must be a number (got 'lots')"),
        (_comment(id=["x"]), "id must be a string (got a JSON array)"),
        (_comment(author={"name": "bob"}), "author must be a string (got a JSON object)"),
        (_comment(author=...), "author must be present (got missing)"),
        (_comment(id=...), "id must be present (got missing)"),
        (_comment(parent_id=7), "parent_id must be a fullname such as t1_abc or t3_abc (got 7)"),
    ],
    ids=["time", "score", "id-list", "author-object", "no-author", "no-id", "parent-int"],
)
def test_reddit_bad_record_raises_on_its_line_or_is_skipped_and_counted(tmp_path, comment, message):
    folder = _reddit(tmp_path, comment)
    with pytest.raises(SourceError) as caught:
        _read(folder, "reddit")
    assert str(caught.value).startswith("RC_2024-01.ndjson:1: ")
    assert message in str(caught.value)
    community = _read(folder, "reddit", on_error="skip")
    assert community.messages["message_id"].tolist() == ["t3_p1"]
    assert community.read_stats.dropped() == {"malformed": 1}


def test_reddit_duplicate_id_raises_or_is_counted(tmp_path):
    folder = _reddit(tmp_path, _comment(), _comment(author="cat"))
    with pytest.raises(SourceError, match=r"RC_2024-01\.ndjson:2: id must be unique"):
        _read(folder, "reddit")
    assert _read(folder, "reddit", on_error="skip").read_stats.dropped() == {"duplicate_id": 1}


def test_reddit_extra_fields_huge_body_and_number_author_are_read(tmp_path):
    folder = _reddit(tmp_path, _comment(extra={"a": [1]}, body="u" * 5_000_000, author=12))
    community = _read(folder, "reddit")
    assert community.messages["author_id"].tolist() == ["ann", "12"]
    assert community.messages["text_length"].tolist() == [1, 5_000_000]


def test_reddit_self_reply_and_unknown_parent_are_counted(tmp_path):
    folder = _reddit(
        tmp_path, _comment(author="ann"), _comment(id="c2", parent_id="t1_zz", author="bob")
    )
    community = _read(folder, "reddit")
    assert community.interactions.empty
    assert community.read_stats.dropped() == {
        "self_interaction": 1,
        "reply_to_unknown_message": 1,
    }


# -------------------------------------------------------------- mbox: record cases

MAIL = (
    "From {sender} Mon Jan  1 10:00:00 2024\n"
    "From: {name} <{sender}>\n"
    "Date: {date}\n"
    "Message-ID: <{ident}>\n"
    "{reply}Subject: s\n\nbody\n\n"
)


def _mail(ident, sender="ann@example.org", name="Ann", date=None, reply=None) -> str:
    return MAIL.format(
        ident=ident,
        sender=sender,
        name=name,
        date=date or "Mon, 1 Jan 2024 10:00:00 +0000",
        reply=f"In-Reply-To: <{reply}>\n" if reply else "",
    )


def test_mbox_header_bytes_that_are_not_utf8_never_stop_the_read(tmp_path):
    # an undeclared 8-bit byte inside an address (fuzzing found it escaping as a
    # UnicodeEncodeError from pyarrow): repaired as Latin-1 and noted
    path = tmp_path / "list.mbox"
    path.write_bytes(_mail("a@x", sender="d\xecn@example.com").encode("latin-1"))
    community = _read(path, "mbox")
    assert len(community.messages) == 1
    assert any("not UTF-8" in note for note in community.read_stats.notes)


def test_mbox_dates_beyond_datetime64_are_malformed_records(tmp_path):
    path = tmp_path / "list.mbox"
    path.write_text(_mail("a@x") + _mail("b@x", date="Mon, 1 Jan 0200 10:00:00 +0000"))
    with pytest.raises(SourceError, match=r"list\.mbox:\d+: Date of message 2 must be an RFC"):
        _read(path, "mbox")
    assert _read(path, "mbox", on_error="skip").read_stats.dropped() == {"malformed": 1}


def test_mbox_reply_cycle_and_self_reply(tmp_path):
    path = tmp_path / "list.mbox"
    path.write_text(
        _mail("a@x", reply="b@x")
        + _mail("b@x", sender="bob@example.org", name="Bob", reply="a@x")
        + _mail("c@x", reply="a@x")
    )
    with pytest.warns(InfluenceDataWarning, match="loops"):
        community = influence.read(path, format="mbox")
    # a<->b both stand (ann -> bob, bob -> ann); c is ann answering herself
    assert len(community.interactions) == 2
    assert community.read_stats.dropped() == {"self_interaction": 1}


# ----------------------------------------------------- stack exchange: record cases


def _site(tmp_path: Path, rows: str) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "Posts.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + rows + "</posts>\n"
    )
    return folder


ROW = '  <row Id="{id}" PostTypeId="{type}" {parent}CreationDate="2021-01-01T1{h}:00:00.000" \
Score="{score}" OwnerUserId="{user}" Body="b" />\n'


def _row(ident, user, *, type_=1, parent=None, score="1", hour=0) -> str:
    return ROW.format(
        id=ident,
        type=type_,
        parent=f'ParentId="{parent}" ' if parent else "",
        h=hour,
        score=score,
        user=user,
    )


def test_stackexchange_answer_to_unknown_question_is_kept_and_counted(tmp_path):
    folder = _site(tmp_path, _row(1, 10) + _row(2, 20, type_=2, parent=99, hour=1))
    community = _read(folder, "stackexchange")
    assert len(community.messages) == 2
    assert community.read_stats.dropped()["reply_to_unknown_message"] == 1


def test_stackexchange_wrong_type_is_an_error_on_its_line(tmp_path):
    folder = _site(tmp_path, _row(1, 10) + _row(2, 20, type_=2, parent=1, score="many"))
    with pytest.raises(SourceError, match=r"Posts\.xml:4: Score must be"):
        _read(folder, "stackexchange")


def test_stackexchange_duplicate_id_is_an_error_or_counted(tmp_path):
    folder = _site(tmp_path, _row(1, 10) + _row(1, 20, hour=1))
    with pytest.raises(SourceError, match=r"Posts\.xml:4: Id must be unique"):
        _read(folder, "stackexchange")
    assert _read(folder, "stackexchange", on_error="skip").read_stats.dropped() == {
        "duplicate_id": 1
    }


def test_stackexchange_unknown_xml_encoding_is_a_source_error(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "Posts.xml").write_text(SE_POSTS.replace('encoding="utf-8"', 'encoding="utfA-8"'))
    with pytest.raises(SourceError, match=r"Posts\.xml:1: "):
        _read(folder, "stackexchange")


def test_discourse_actions_summary_of_the_wrong_type_is_ignored(tmp_path):
    # found by fuzz/fuzz_json_readers.py: a number where a list is expected escaped
    # as TypeError; the like count then comes from like_count
    topic = json.loads((DATA / "discourse" / "t-12.json").read_text())
    topic["post_stream"]["posts"][0]["actions_summary"] = 3
    topic["post_stream"]["posts"][0]["like_count"] = 2
    path = tmp_path / "t-12.json"
    path.write_text(json.dumps(topic))
    community = _read(path, "discourse")
    first = community.messages.loc[community.messages["message_id"] == "1001"]
    assert first["score"].tolist() == [2.0]
