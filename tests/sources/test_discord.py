"""The Discord reader on a hand-written DiscordChatExporter file (tests/data/discord).

The fixture ``general.json`` holds eight messages (record lines in brackets):

* [7] 100 ann "Hello everyone" (14 chars), 10:00 UTC; reactions 👍 x2 by bob and cat,
  🎉 x1 by bob -> score 3, kudos bob->ann and cat->ann (bob counted once);
* [20] 101 bob replies to 100 at 12:30+02:00 = 10:30 UTC, mentions ann;
  ``reactions: []`` -> score 0;
* [28] 102 GuildMemberJoin -> system_message;  [33] 103 by a bot -> bot;
* [38] 104 cat replies to 101 at 11:00:00.5, mentions bob and a bot; 4 reactions
  without a user list -> score 4, no kudos;
* [47] 105 dan, no ``reactions`` key -> score NaN; mentions himself (dropped);
* [53] 106 cat references 999 (not exported) -> thread "999", reply dropped;
* [60] 100 again -> duplicate.
"""

import gzip
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources.discord import read_discord, sniff

DATA = Path(__file__).resolve().parents[1] / "data"
GENERAL = f"{DATA}/discord/general.json"


def _stamp(text):
    return pd.Timestamp(text, tz="UTC")


def _entries(community):
    return {
        (e["source"], e["table"]): (e["read"], e["kept"], e["dropped"])
        for e in community.read_stats.to_dict()["entries"]
    }


def test_messages_exact():
    messages = read_discord(GENERAL).messages
    assert messages["message_id"].tolist() == ["100", "101", "104", "105", "106"]
    assert messages["author_id"].tolist() == ["1", "2", "3", "4", "3"]
    assert messages["parent_id"].fillna("-").tolist() == ["-", "100", "101", "-", "999"]
    assert messages["thread_id"].tolist() == ["100", "100", "100", "105", "999"]
    assert messages["kind"].astype(str).tolist() == ["post", "reply", "reply", "post", "reply"]
    assert messages["created_at"].tolist() == [
        _stamp("2024-03-01 10:00"),
        _stamp("2024-03-01 10:30"),  # 12:30+02:00
        _stamp("2024-03-01 11:00:00.5"),
        _stamp("2024-03-02 09:00"),
        _stamp("2024-03-02 10:00"),
    ]
    np.testing.assert_array_equal(messages["score"].to_numpy(), [3.0, 0.0, 4.0, np.nan, 0.0])
    # "Hi Ann! <@1>" is 12 characters, "ça va?" 6
    assert messages["text_length"].tolist() == [14, 12, 7, 0, 6]
    assert messages["topic"].unique().tolist() == ["general"]
    assert messages["category"].unique().tolist() == ["Community"]
    assert messages["platform"].astype(str).unique().tolist() == ["discord"]


def test_interactions_users_and_stats_exact():
    community = read_discord(GENERAL)
    frame = community.interactions
    assert list(zip(frame["source"], frame["target"], frame["kind"].astype(str), strict=True)) == [
        ("2", "1", "kudos"),
        ("3", "1", "kudos"),
        ("2", "1", "mention"),
        ("2", "1", "reply"),
        ("3", "2", "mention"),
        ("3", "2", "reply"),
    ]
    users = community.users
    assert users["user_id"].tolist() == ["1", "2", "3", "4"]
    # nickname when set, else the user name; the last occurrence wins (dan's own message)
    assert users["display_name"].tolist() == ["Annie", "Bob", "cat", "Dan the Man"]
    assert _entries(community) == {
        ("general.json", "messages"): (
            8,
            5,
            {"bot": 1, "duplicate": 1, "system_message": 1},
        ),
        # mentions of kept messages: ann (101), bob + a bot (104), dan himself (105)
        ("general.json", "mentions"): (4, 3, {"bot": 1}),
        # reactions listing users on 100: bob, cat, bob again
        ("general.json", "reactions"): (3, 2, {"repeated": 1}),
        ("(derived)", "interactions"): (
            8,
            6,
            {"reply_to_unknown_message": 1, "self_interaction": 1},
        ),
    }


def test_sniff_and_detection(tmp_path):
    assert sniff(GENERAL) and sniff(f"{DATA}/discord")
    assert not sniff(f"{DATA}/slack/users.json") and not sniff(f"{DATA}/mbox/list.mbox")
    assert influence.sources.detect_format(GENERAL) == "discord"
    packed = tmp_path / "general.json.gz"
    packed.write_bytes(gzip.compress(open(GENERAL, "rb").read()))
    assert influence.sources.detect_format(packed) == "discord"
    pd.testing.assert_frame_equal(read_discord(packed).messages, read_discord(GENERAL).messages)


def test_folder_of_channels_drops_overlaps(tmp_path):
    shutil.copy(GENERAL, tmp_path / "a.json")
    shutil.copy(GENERAL, tmp_path / "b.json")
    (tmp_path / "notes.json").write_text('{"x": 1}')
    community = read_discord(tmp_path)
    assert len(community.messages) == 5
    # every kept message of b.json was already read from a.json
    assert _entries(community)[("b.json", "messages")] == (
        8,
        0,
        {"bot": 1, "duplicate": 6, "system_message": 1},
    )
    assert community.read_stats.notes == ["notes.json: not a DiscordChatExporter file; not used"]


def _lines():
    return open(GENERAL, encoding="utf-8").read().split("\n")


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text("\n".join(_lines()[:25]))  # inside message 101, which starts on line 20
    with pytest.raises(SourceError) as caught:
        read_discord(path)
    assert str(caught.value) == (
        "cut.json:20: JSON must be complete (got end of file; the file is truncated)"
    )


def test_malformed_json(tmp_path):
    lines = _lines()
    lines[21] = lines[21].replace('"content": "Hi Ann! <@1>",', '"content": "Hi" "Ann",')
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines))
    with pytest.raises(
        SourceError, match=r"^bad\.json:22: JSON must be well-formed \(got Expecting"
    ):
        read_discord(path)


def test_missing_id_raises_then_skips(tmp_path):
    lines = _lines()
    assert lines[20].startswith('      "id": "101"')
    lines[20] = lines[20].replace('"id": "101", ', "")
    path = tmp_path / "noid.json"
    path.write_text("\n".join(lines))
    with pytest.raises(SourceError) as caught:
        read_discord(path)
    assert str(caught.value) == "noid.json:20: id must be present (got missing)"
    with pytest.warns(InfluenceDataWarning, match="noid.json: 1 malformed"):
        community = read_discord(path, on_error="skip")
    assert "101" not in community.messages["message_id"].tolist()
    assert _entries(community)[("noid.json", "messages")][2]["malformed"] == 1
    assert community.read_stats.notes == [
        "noid.json: skipped 1 bad record(s); first: noid.json:20: id must be present (got missing)"
    ]
    # 104 now replies to a message that is not there
    assert community.messages.set_index("message_id").loc["104", "thread_id"] == "101"


def test_bad_timestamp(tmp_path):
    lines = _lines()
    lines[47] = lines[47].replace("2024-03-02T09:00:00Z", "yesterday")
    path = tmp_path / "time.json"
    path.write_text("\n".join(lines))
    with pytest.raises(SourceError) as caught:
        read_discord(path)
    assert str(caught.value) == "time.json:47: timestamp must be an ISO 8601 time (got 'yesterday')"


def test_invalid_utf8(tmp_path):
    data = open(GENERAL, "rb").read().replace(b"Hello everyone", b"Hello \xff")
    path = tmp_path / "latin.json"
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        read_discord(path)
    assert str(caught.value).startswith(
        "latin.json:9: text must be UTF-8 (got byte 0xff); convert the file"
    )


def test_wrong_format_forced():
    with pytest.raises(SourceError) as caught:
        influence.read(f"{DATA}/mbox/list.mbox", format="discord")
    assert str(caught.value).startswith(
        "list.mbox:1: a DiscordChatExporter file must be a JSON object with guild, channel and "
        "messages (got 'F' first)"
    )
    result = CliRunner().invoke(main, ["analyze", f"{DATA}/mbox/list.mbox", "--format", "discord"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: list.mbox:1: a DiscordChatExporter file")


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", GENERAL, "--format", "discord", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str})
    # the rank order is the classifier's business: compare by user_id
    users = users.sort_values("user_id")
    # everyone has fewer than 3 messages (--min-messages): all members; ranked by
    # influence_score then user_id
    assert users[["user_id", "display_name", "segment", "messages"]].to_dict("list") == {
        "user_id": ["1", "2", "3", "4"],
        "display_name": ["Annie", "Bob", "cat", "Dan the Man"],
        "segment": ["member"] * 4,
        "messages": [1, 1, 2, 1],
    }


def test_streaming_across_tiny_chunks():
    from influence.sources._common import JsonStream
    from influence.sources.discord import scan_discord

    with open(GENERAL, "rb") as stream:
        _, small = scan_discord(stream, source="general.json")
    import io

    document = JsonStream(io.BytesIO(open(GENERAL, "rb").read()), "g.json", chunk_chars=7)
    lines = []
    for key in document.iter_object():
        if key == "messages":
            lines = [line for line, _ in document.iter_array()]
        else:
            document.value()
    assert lines == small["_line"] == [7, 20, 28, 33, 38, 47, 53, 60]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_discord(GENERAL)  # nothing skipped, no warning
