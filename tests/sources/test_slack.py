"""The Slack reader on a hand-written export folder (tests/data/slack).

users.json: ann (display name "annie", title), bob (deactivated, empty display name
-> real name "Bob Stone"), cat (no profile names -> "cat"), a bot user and Slackbot.

general/2024-01-15.json (ts 1705312800 is 2024-01-15 10:00:00 UTC):
  10:00:00.000100 ann "Welcome <@U02BOB> and <@U03CAT|cat>!" (36 chars), thread parent;
      reactions wave [bob, cat] and heart [bob, bot] -> score 4, kudos bob->ann, cat->ann
  10:01 channel_join (system_message); 10:05 bob replies in the thread, mentions ann;
  10:10 bot_message (bot); 10:15 cat thread_broadcast reply, mentions the bot.
general/2024-01-16.json: 10:00 cat "Anyone around?" (reactions [] -> score 0);
  10:05 Slackbot (bot); 10:10 ann replies in cat's thread.
random/2024-01-15.json: 10:00:00.000100 bob "lunch?" (same ts as in general, another id),
  reaction +1 by ann, count 3 -> score 3; 10:01:40 ann me_message; channel_topic (system).
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
from influence.sources.slack import parse_slack_ts, read_slack, sniff

DATA = Path(__file__).resolve().parents[1] / "data"
SLACK = DATA / "slack"


def _stamp(text):
    return pd.Timestamp(text, tz="UTC")


def _entries(community):
    return {
        (e["source"], e["table"]): (e["read"], e["kept"], e["dropped"])
        for e in community.read_stats.to_dict()["entries"]
    }


def _copy(tmp_path):
    target = tmp_path / "export"
    shutil.copytree(SLACK, target)
    return target


def test_messages_exact():
    messages = read_slack(SLACK).messages
    assert messages["message_id"].tolist() == [
        "general:1705312800.000100",
        "random:1705312800.000100",
        "random:1705312900.000900",
        "general:1705313100.000300",
        "general:1705313700.000500",
        "general:1705399200.000600",
        "general:1705399800.000800",
    ]
    assert messages["author_id"].tolist() == [
        "U01ANN",
        "U02BOB",
        "U01ANN",
        "U02BOB",
        "U03CAT",
        "U03CAT",
        "U01ANN",
    ]
    thread = "general:1705312800.000100"
    other = "general:1705399200.000600"
    assert messages["parent_id"].fillna("-").tolist() == ["-", "-", "-", thread, thread, "-", other]
    assert messages["thread_id"].tolist() == [
        thread,
        "random:1705312800.000100",
        "random:1705312900.000900",
        thread,
        thread,
        other,
        other,
    ]
    assert messages["kind"].astype(str).tolist() == ["post"] * 3 + ["reply"] * 2 + [
        "post",
        "reply",
    ]
    assert messages["created_at"].tolist() == [
        _stamp("2024-01-15 10:00:00.000100"),
        _stamp("2024-01-15 10:00:00.000100"),
        _stamp("2024-01-15 10:01:40.000900"),
        _stamp("2024-01-15 10:05:00.000300"),
        _stamp("2024-01-15 10:15:00.000500"),
        _stamp("2024-01-16 10:00:00.000600"),
        _stamp("2024-01-16 10:10:00.000800"),
    ]
    assert messages["topic"].tolist() == ["general", "random", "random"] + ["general"] * 4
    np.testing.assert_array_equal(
        messages["score"].to_numpy(), [4.0, 3.0, np.nan, np.nan, np.nan, 0.0, np.nan]
    )
    assert messages["text_length"].tolist() == [36, 6, 9, 16, 16, 14, 3]


def test_interactions_users_and_stats_exact():
    community = read_slack(SLACK)
    frame = community.interactions
    assert list(zip(frame["source"], frame["target"], frame["kind"].astype(str), strict=True)) == [
        ("U01ANN", "U02BOB", "kudos"),  # ann's +1 on bob's "lunch?"
        ("U02BOB", "U01ANN", "kudos"),
        ("U03CAT", "U01ANN", "kudos"),
        ("U01ANN", "U02BOB", "mention"),
        ("U01ANN", "U03CAT", "mention"),
        ("U02BOB", "U01ANN", "mention"),
        ("U02BOB", "U01ANN", "reply"),
        ("U03CAT", "U01ANN", "reply"),
        ("U01ANN", "U03CAT", "reply"),
    ]
    users = community.users
    assert users[["user_id", "display_name", "title", "deleted"]].fillna("-").to_dict("list") == {
        "user_id": ["U01ANN", "U02BOB", "U03CAT"],
        "display_name": ["annie", "Bob Stone", "cat"],
        "title": ["Community lead", "-", "-"],
        "deleted": [False, True, False],
    }
    assert _entries(community) == {
        ("users.json", "users"): (5, 3, {"bot": 2}),
        ("general/2024-01-15.json", "messages"): (5, 3, {"bot": 1, "system_message": 1}),
        ("general/2024-01-15.json", "mentions"): (4, 3, {"bot": 1}),
        ("general/2024-01-15.json", "reactions"): (4, 2, {"bot": 1, "repeated": 1}),
        ("general/2024-01-16.json", "messages"): (3, 2, {"bot": 1}),
        ("random/2024-01-15.json", "messages"): (3, 2, {"system_message": 1}),
        ("random/2024-01-15.json", "reactions"): (1, 1, {}),
        ("(derived)", "interactions"): (9, 9, {}),
    }


def test_slack_ts_is_exact_to_the_microsecond():
    stamps = parse_slack_ts(pd.Series(["1512085950.000216", "1512085950.9", " 0 ", "1.2.3", None]))
    assert stamps.tolist()[:3] == [
        _stamp("2017-11-30 23:52:30.000216"),
        _stamp("2017-11-30 23:52:30.9"),
        _stamp("1970-01-01"),
    ]
    assert stamps.isna().tolist() == [False, False, False, True, True]


def test_sniff_and_wrapped_folder(tmp_path):
    assert sniff(SLACK) and not sniff(SLACK / "users.json") and not sniff(DATA / "discord")
    wrapped = tmp_path / "outer"
    wrapped.mkdir()
    shutil.copytree(SLACK, wrapped / "Acme Slack export")
    assert influence.sources.detect_format(wrapped) == "slack"
    assert len(read_slack(wrapped).messages) == 7


def test_truncated_day_file(tmp_path):
    root = _copy(tmp_path)
    day = root / "general" / "2024-01-15.json"
    day.write_text("\n".join(day.read_text().split("\n")[:26]))  # inside the record of line 22
    with pytest.raises(SourceError) as caught:
        read_slack(root)
    assert str(caught.value) == (
        "general/2024-01-15.json:22: JSON must be complete (got end of file; the file is truncated)"
    )


def test_missing_ts_and_user(tmp_path):
    root = _copy(tmp_path)
    day = root / "general" / "2024-01-16.json"
    records = json.loads(day.read_text())
    del records[2]["ts"]
    del records[0]["user"]
    day.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    with pytest.raises(SourceError) as caught:
        read_slack(root)
    # the user check comes after the ts check, but line 2 comes first
    assert str(caught.value) == "general/2024-01-16.json:2: user must be present (got missing)"
    with pytest.warns(InfluenceDataWarning, match="general/2024-01-16.json: 2 malformed"):
        community = read_slack(root, on_error="skip")
    assert _entries(community)[("general/2024-01-16.json", "messages")] == (
        3,
        0,
        {"bot": 1, "malformed": 2},
    )
    del records[0]
    day.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    with pytest.raises(SourceError) as caught:
        read_slack(root)
    assert str(caught.value) == (
        "general/2024-01-16.json:3: ts must be a Slack timestamp such as '1512085950.000216' "
        "(got missing)"
    )


def test_invalid_utf8(tmp_path):
    root = _copy(tmp_path)
    day = root / "random" / "2024-01-15.json"
    day.write_bytes(day.read_bytes().replace(b"lunch?", b"d\xe9jeuner?"))
    with pytest.raises(SourceError) as caught:
        read_slack(root)
    assert str(caught.value).startswith(
        "random/2024-01-15.json:2: text must be UTF-8 (got byte 0xe9); convert the file"
    )


def test_wrong_format_forced():
    with pytest.raises(SourceError) as caught:
        influence.read(DATA / "discord", format="slack")
    assert str(caught.value).startswith(
        f"{DATA / 'discord'}: a Slack export folder must contain users.json and channels.json"
    )
    result = CliRunner().invoke(main, ["analyze", str(DATA / "mbox"), "--format", "slack"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {DATA / 'mbox'}: a Slack export folder must")


def test_unlisted_folder_and_stray_file_are_noted(tmp_path):
    root = _copy(tmp_path)
    (root / "general" / "notes.txt").write_text("x")
    (root / "ops").mkdir()
    (root / "ops" / "2024-01-17.json").write_text("[]")
    community = read_slack(root)
    assert community.read_stats.notes == [
        "general/notes.txt: not a daily message file; not used",
        "ops/: not listed in the channel files; read as a channel",
    ]


def test_cli_users_table(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(SLACK), "--format", "slack", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str})
    # the rank order is the classifier's business: compare by user_id
    users = users.sort_values("user_id")
    # ann has 3 messages (min-messages 3) and tops both axes among three members
    assert users[["user_id", "display_name", "segment", "messages"]].to_dict("list") == {
        "user_id": ["U01ANN", "U02BOB", "U03CAT"],
        "display_name": ["annie", "Bob Stone", "cat"],
        "segment": ["true_influencer", "member", "member"],
        "messages": [3, 2, 2],
    }
