"""Tests of the Mastodon reader on a hand-written ActivityPub export.

Expected tables were worked out by hand from ``tests/data/mastodon/export``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources import _common, detect_format, mastodon

EXPORT = Path(__file__).resolve().parents[1] / "data" / "mastodon" / "export"
ANN = "https://social.example/users/ann"
BOB = "https://other.example/users/bob"
CAT = "https://other.example/users/cat"
CONVERSATION = "tag:social.example,2024-04-01:objectId=1:objectType=Conversation"


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame[columns].itertuples(index=False)
    ]


def test_messages():
    messages = influence.read(EXPORT).messages
    columns = ["message_id", "author_id", "thread_id", "parent_id", "kind", "topic", "text_length"]
    assert _records(messages, columns) == [
        (f"{ANN}/statuses/1", ANN, CONVERSATION, None, "post", "fediverse", 21),
        # reply to a note outside the export: the thread is named after it
        (f"{ANN}/statuses/2", ANN, f"{BOB}/statuses/77", f"{BOB}/statuses/77", "reply", None, 11),
        (f"{ANN}/statuses/3", ANN, CONVERSATION, f"{ANN}/statuses/1", "reply", None, 30),
        (f"{ANN}/statuses/4/activity", ANN, f"{CAT}/statuses/5", None, "share", None, 0),
        (
            f"{ANN}/statuses/5/activity",
            ANN,
            "https://far.example/notes/abc",
            None,
            "share",
            None,
            0,
        ),
        (f"{ANN}/statuses/6/activity", ANN, f"{ANN}/statuses/1", None, "share", None, 0),
        (f"{ANN}/statuses/8", ANN, f"{ANN}/statuses/8", None, "post", None, 15),  # a poll
    ]
    assert messages["created_at"].tolist() == list(
        pd.to_datetime(
            [
                "2024-04-01T08:00Z",
                "2024-04-01T09:00Z",
                "2024-04-01T10:30Z",
                "2024-04-01T11:00Z",
                "2024-04-01T12:00Z",
                "2024-04-01T13:00Z",
                "2024-04-02T08:00Z",
            ],
            utc=True,
        )
    )
    assert messages["score"].isna().all()


def test_interactions_users_and_stats():
    community = influence.read(EXPORT)
    assert _records(community.interactions, ["source", "target", "kind", "message_id"]) == [
        (ANN, BOB, "mention", f"{ANN}/statuses/1"),
        (ANN, BOB, "mention", f"{ANN}/statuses/2"),
        (ANN, CAT, "share", f"{ANN}/statuses/4/activity"),
        (ANN, CAT, "mention", f"{ANN}/statuses/8"),
    ]
    assert _records(
        community.users, ["user_id", "display_name", "username", "about", "website"]
    ) == [
        (BOB, "@bob@other.example", None, None, None),
        (CAT, "@cat@other.example", None, None, None),
        (ANN, "Ann Example", "ann", "Maintainer of #Foo & friends", "https://ann.example"),
    ]
    assert community.users.loc[2, "created_at"] == pd.Timestamp("2019-04-01T00:00Z")
    stats = {(e["source"], e["table"]): e for e in community.read_stats.to_dict()["entries"]}
    assert stats[("outbox.json", "messages")]["dropped"] == {"not_conversation": 1}  # Delete
    # 2 replies + 3 mentions + 3 boosts: statuses/2's parent and the URI-only boost are
    # unknown; the self-reply and the boost of one's own note are self-interactions
    assert stats[("(derived)", "interactions")] == {
        "source": "(derived)",
        "table": "interactions",
        "read": 8,
        "kept": 4,
        "dropped": {
            "link_to_unknown_message": 1,
            "reply_to_unknown_message": 1,
            "self_interaction": 2,
        },
    }
    assert "likes.json: not used" in community.read_stats.notes


def test_outbox_file_alone_and_compressed(tmp_path):
    shutil.copy(EXPORT / "outbox.json", tmp_path / "outbox.json")
    alone = influence.read(tmp_path / "outbox.json")
    assert alone.users["display_name"].isna().sum() == 1  # ann, without actor.json
    assert (
        "actor.json: absent; the account has no display name or profile" in alone.read_stats.notes
    )
    with_actor = influence.read(EXPORT / "outbox.json")
    pd.testing.assert_frame_equal(with_actor.messages, influence.read(EXPORT).messages)


def test_outbox_read_in_small_chunks(monkeypatch):
    whole = influence.read(EXPORT).messages
    monkeypatch.setattr(_common, "JSON_CHUNK_BYTES", 7)  # elements cut across chunks
    pd.testing.assert_frame_equal(influence.read(EXPORT).messages, whole)


def test_detection(tmp_path):
    assert detect_format(EXPORT) == "mastodon"
    assert detect_format(EXPORT / "outbox.json") == "mastodon"
    assert not mastodon.sniff(EXPORT / "actor.json")


def _write(tmp_path: Path, items: list) -> Path:
    outbox = json.loads((EXPORT / "outbox.json").read_text())
    outbox["orderedItems"] = outbox["orderedItems"][:1] + items
    path = tmp_path / "outbox.json"
    path.write_text(json.dumps(outbox, indent=1))
    return path


def test_truncated_outbox(tmp_path):
    path = tmp_path / "outbox.json"
    path.write_bytes((EXPORT / "outbox.json").read_bytes()[:2500])
    with pytest.raises(SourceError, match=r"outbox\.json:\d+: JSON must be complete \(got end of"):
        influence.read(path)


def test_invalid_utf8(tmp_path):
    path = tmp_path / "outbox.json"
    path.write_bytes((EXPORT / "outbox.json").read_bytes().replace(b"agreed", b"agr\xe9ed"))
    with pytest.raises(SourceError, match=r"outbox\.json:38: text must be UTF-8 \(got byte 0xe9\)"):
        influence.read(path)


NOTE = {"id": "n/9", "type": "Note", "attributedTo": "x", "content": "hi"}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {
                "type": "Create",
                "actor": "x",
                "published": "2024-01-01T00:00:00Z",
                "object": {"type": "Note", "content": "hi"},
            },
            "id must be present (got missing)",
        ),
        (
            {"type": "Create", "actor": "x", "object": NOTE},
            "published of n/9 must be present (got missing)",
        ),
        (
            {"type": "Create", "actor": "x", "published": "noon", "object": NOTE},
            "published must be an ISO 8601 time or Unix epoch (got 'noon')",
        ),
        (
            {"type": "Create", "actor": "x", "published": "2024-01-01T00:00:00Z", "object": "n/9"},
            "object of a Create must be embedded (got only the URI 'n/9')",
        ),
        (
            {
                "type": "Create",
                "actor": "x",
                "published": "2024-01-01T00:00:00Z",
                "object": dict(NOTE, id=f"{ANN}/statuses/1"),
            },
            f"id must be unique (got {ANN}/statuses/1 again)",
        ),
        ("just text", "activity must be a JSON object (got a JSON str)"),
    ],
)
def test_bad_activity_raises_then_skips(tmp_path, item, message):
    path = _write(tmp_path, [item])
    with pytest.raises(SourceError) as caught:
        influence.read(path)
    assert str(caught.value).startswith(f"{path}:")
    assert str(caught.value).endswith(f": {message}")
    with pytest.warns(InfluenceDataWarning, match="bad records were skipped"):
        community = influence.read(path, on_error="skip")
    assert len(community.messages) == 1
    entry = community.read_stats.to_dict()["entries"][0]
    assert (entry["read"], entry["kept"], sum(entry["dropped"].values())) == (2, 1, 1)


def test_wrong_format_forced():
    path = Path(__file__).resolve().parents[1] / "data" / "twitter" / "v1.json"
    with pytest.raises(SourceError, match=r"v1\.json: file must contain a JSON array \(got none\)"):
        influence.read(path, format="mastodon")
    page = Path(__file__).resolve().parents[1] / "data" / "reddit" / "post_page.json"
    result = CliRunner().invoke(main, ["analyze", str(page), "--format", "mastodon"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {page}:")


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(EXPORT), "--format", "mastodon", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv").set_index("user_id")
    # ann wrote 7 messages and addressed bob and cat; nobody addressed ann
    assert users.loc[ANN, ["messages", "out_reach", "in_reach"]].tolist() == [7, 2, 0]
    assert users.loc[BOB, ["messages", "out_reach", "in_reach"]].tolist() == [0, 0, 1]
    assert users.loc[ANN, "display_name"] == "Ann Example"
