"""Property tests for every reader: only the project's own errors, and nothing lost.

* Random bytes, and random mutations of each reader's fixture, fed to the reader
  forced onto them: the reader may return a Community or raise an
  :class:`~influence.errors.InfluenceError`, never KeyError, TypeError,
  IndexError, UnicodeDecodeError, a pandas or pyarrow error, ... A Community it
  returns always satisfies ``read = kept + dropped``.
* Random records (ids that collide, replies to anything, missing and junk
  fields) for the JSON readers and the table reader: with ``on_error="skip"``
  read_stats adds up and every kept message is accounted for.

Example counts stay small (the suite must stay fast); the atheris harnesses in
``fuzz/`` run the same targets for minutes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import influence
from influence.errors import InfluenceError
from influence.sources import FORMATS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # no unseeded randomness: the same examples on every run
    suppress_health_check=[HealthCheck.too_slow],
)

SE_POSTS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    b'  <row Id="1" PostTypeId="1" CreationDate="2021-01-01T10:00:00.000" Score="3" '
    b'OwnerUserId="10" Title="Q" Body="&lt;p&gt;How @bob?&lt;/p&gt;" Tags="&lt;x&gt;" />\n'
    b'  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-01-01T11:00:00.000" '
    b'Score="1" OwnerUserId="20" Body="&lt;p&gt;So.&lt;/p&gt;" />\n</posts>\n'
)

#: format -> (fixture, member mutated); stackexchange: the two-post dump above
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


def _original(name: str) -> bytes:
    fixture, member = SUBJECTS[name]
    if fixture is None:
        return SE_POSTS
    return (fixture / member if member else fixture).read_bytes()


def _read_bytes(name: str, data: bytes, on_error: str) -> None:
    """Write ``data`` as the reader's main file, read it; fail on any non-project error."""
    fixture, member = SUBJECTS[name]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if fixture is None:
            path = folder / "site"
            path.mkdir()
        elif fixture.is_file():
            path = folder / fixture.name
        else:
            path = folder / fixture.name
            shutil.copytree(fixture, path)
        (path / (member or "Posts.xml") if fixture is None or member else path).write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                community = influence.read(path, format=name, on_error=on_error)
        except InfluenceError as err:
            assert "\n" not in str(err)  # one line on the terminal
            return
        for entry in community.read_stats.to_dict()["entries"]:
            assert entry["read"] == entry["kept"] + sum(entry["dropped"].values()), entry


def test_every_reader_is_fuzzed():
    assert sorted(SUBJECTS) == sorted(FORMATS)


@pytest.mark.parametrize("name", sorted(SUBJECTS))
@FUZZ
@given(data=st.binary(max_size=400), on_error=st.sampled_from(["raise", "skip"]))
def test_random_bytes_raise_only_project_errors(name, data, on_error):
    _read_bytes(name, data, on_error)


#: A mutation: (position as a share of the length, action, bytes).
MUTATION = st.tuples(
    st.floats(0, 1),
    st.sampled_from(["replace", "insert", "delete", "truncate"]),
    st.binary(min_size=1, max_size=8)
    | st.sampled_from([b'"', b"{", b"]", b"<", b"\n", b",", b"\xff", b"\xc3", b"null", b"-1e999"]),
)


def _mutate(data: bytes, mutations: list[tuple[float, str, bytes]]) -> bytes:
    out = bytearray(data)
    for share, action, chunk in mutations:
        at = int(share * len(out))
        if action == "replace":
            out[at : at + len(chunk)] = chunk
        elif action == "insert":
            out[at:at] = chunk
        elif action == "delete":
            del out[at : at + len(chunk)]
        else:
            del out[at:]
    return bytes(out)


@pytest.mark.parametrize("name", sorted(SUBJECTS))
@FUZZ
@given(
    mutations=st.lists(MUTATION, min_size=1, max_size=4),
    on_error=st.sampled_from(["raise", "skip"]),
)
def test_mutated_fixtures_raise_only_project_errors(name, mutations, on_error):
    _read_bytes(name, _mutate(_original(name), mutations), on_error)


# ------------------------------------------------------- random records: nothing lost

IDS = st.sampled_from(["1", "2", "3", "4"])  # few ids: duplicates and replies collide
NAMES = st.sampled_from(["ann", "bob", "cat", "[deleted]", "", "AutoModerator"])
JUNK = st.none() | st.integers(-5, 5) | st.text(max_size=3) | st.lists(st.integers(), max_size=2)
EPOCH = st.integers(1_700_000_000, 1_700_100_000)


def _maybe(strategy):
    """The value, or junk, or (``...``) the key left out."""
    return strategy | JUNK | st.just(...)


def _record(**fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields).map(
        lambda record: {k: v for k, v in record.items() if v is not ...}
    )


REDDIT_COMMENT = _record(
    id=_maybe(IDS),
    author=_maybe(NAMES),
    link_id=st.just("t3_p1"),
    parent_id=_maybe(st.sampled_from(["t3_p1", "t1_1", "t1_2", "t1_9"])),
    subreddit=st.just("x"),
    created_utc=_maybe(EPOCH),
    body=st.sampled_from(["hi", "ask u/bob", ""]),
    score=_maybe(st.integers(-3, 9)),
)


def _assert_nothing_lost(community: influence.Community, lines: int) -> None:
    stats = community.read_stats
    for entry in stats.to_dict()["entries"]:
        assert entry["read"] == entry["kept"] + sum(entry["dropped"].values()), entry
    assert stats.total("messages")["read"] >= lines  # every line of the file was counted
    assert stats.total("messages")["kept"] == len(community.messages)


def _read_quietly(path: Path, name: str) -> influence.Community:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return influence.read(path, format=name, on_error="skip")


@FUZZ
@given(comments=st.lists(REDDIT_COMMENT, max_size=12))
def test_reddit_random_records_add_up(comments):
    post = {
        "id": "p1",
        "author": "ann",
        "subreddit": "x",
        "created_utc": 1_700_000_000,
        "title": "Q",
    }
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "RS_2023-11.ndjson").write_text(json.dumps(post) + "\n")
        (folder / "RC_2023-11.ndjson").write_text("".join(json.dumps(c) + "\n" for c in comments))
        _assert_nothing_lost(_read_quietly(folder, "reddit"), 1 + len(comments))


DISCORD_MESSAGE = _record(
    id=_maybe(IDS),
    type=st.sampled_from(["Default", "Reply", "GuildMemberJoin"]),
    timestamp=_maybe(st.sampled_from(["2024-03-01T10:00:00+00:00", "2024-03-01T09:00:00"])),
    content=st.sampled_from(["hi", "<@1> yes", ""]),
    author=_maybe(_record(id=_maybe(IDS), name=_maybe(NAMES), isBot=st.booleans() | st.just(...))),
    reference=_maybe(_record(messageId=_maybe(IDS))),
    mentions=_maybe(st.lists(_record(id=IDS, name=NAMES), max_size=2)),
    reactions=st.just([]),
)


@FUZZ
@given(messages=st.lists(DISCORD_MESSAGE, max_size=10))
def test_discord_random_records_add_up(messages):
    document = {
        "guild": {"id": "900", "name": "G"},
        "channel": {"id": "910", "type": "GuildTextChat", "name": "general"},
        "messages": messages,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "general.json"
        path.write_text(json.dumps(document))
        try:
            community = _read_quietly(path, "discord")
        except InfluenceError:
            return  # a document-level problem (e.g. no message at all) is a clean error
        _assert_nothing_lost(community, len(messages))


SLACK_MESSAGE = _record(
    type=st.just("message"),
    subtype=_maybe(st.sampled_from(["channel_join", "thread_broadcast"])),
    ts=_maybe(st.sampled_from(["1705312800.000100", "1705312860.000200", "1705313100.0003"])),
    user=_maybe(st.sampled_from(["U01ANN", "U02BOB", "U09NEW"])),
    text=st.sampled_from(["hi <@U02BOB>", "ok", ""]),
    thread_ts=_maybe(st.sampled_from(["1705312800.000100", "1705399999.000000"])),
)


@FUZZ
@given(messages=st.lists(SLACK_MESSAGE, max_size=10))
def test_slack_random_records_add_up(messages):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "slack"
        root.mkdir()
        shutil.copy(DATA / "slack" / "users.json", root)
        (root / "channels.json").write_text(json.dumps([{"id": "C01GEN", "name": "general"}]))
        (root / "general").mkdir()
        (root / "general" / "2024-01-15.json").write_text(json.dumps(messages))
        try:
            community = _read_quietly(root, "slack")
        except InfluenceError:
            return
        _assert_nothing_lost(community, len(messages))


TABLE_ROW = _record(
    message_id=_maybe(IDS),
    author_id=_maybe(NAMES),
    created_at=_maybe(EPOCH | st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01T01:00:00"])),
    parent_id=_maybe(IDS | st.just("9")),
    score=_maybe(st.integers(0, 5)),
)


@FUZZ
@given(rows=st.lists(TABLE_ROW, min_size=1, max_size=10))
def test_table_ndjson_random_records_add_up(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messages.ndjson"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        try:
            community = _read_quietly(path, "table")
        except InfluenceError:
            return  # a column missing from every row is a clean error
        _assert_nothing_lost(community, len(rows))
