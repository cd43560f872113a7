"""Aliases, bots and staff, exclusions: nothing is dropped silently."""

from __future__ import annotations

import pandas as pd
import pytest

from influence.community import Community
from influence.errors import SourceError
from influence.identities import (
    EXCLUDED_COLUMNS,
    apply_identities,
    detect_accounts,
    exclude_accounts,
    merge_aliases,
    read_aliases,
    read_exclusions,
)
from influence.sources.table import parse_table


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_aliases(tmp_path):
    path = write(tmp_path, "a.csv", "note,user_id,person_id\nx,fay,fh\n,hal,fh\n\ny,fay,fh\n")
    table = read_aliases(path)
    assert table.to_dict("list") == {"user_id": ["fay", "hal"], "person_id": ["fh", "fh"]}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("user,person\na,b\n", 1, "alias file must have the columns user_id and person_id"),
        ("user_id,person_id\na,b\nc,\n", 3, "alias must have a user_id and a person_id"),
        ("user_id,person_id\na,b\na,c\n", 3, "account 'a' must belong to one person"),
        ("", 1, "alias file must have a header row"),
    ],
)
def test_bad_alias_files_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, "aliases.csv", text)
    with pytest.raises(SourceError, match=message) as caught:
        read_aliases(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_missing_alias_file(tmp_path):
    with pytest.raises(SourceError, match="file must be readable UTF-8 text"):
        read_aliases(tmp_path / "nope.csv")


def test_merge_aliases_on_the_toy(toy_community):
    aliases = pd.DataFrame({"user_id": ["fay", "hal"], "person_id": ["fh", "fh"]})
    merged = merge_aliases(toy_community, aliases)
    # fay and hal only ever talk to each other: reply r7, r8 and mention r7, r8 become
    # self-interactions and are dropped (27 - 4 = 23)
    assert len(merged.interactions) == 23
    assert (merged.messages["author_id"] == "fh").sum() == 4  # p2 p3 r7 r8
    assert sorted(merged.users["user_id"]) == ["ann", "bob", "cat", "dan", "eve", "fh", "gus"]
    assert merged.users.set_index("user_id").loc["fh", "display_name"] == "Fay"  # first id
    assert any("2 accounts in the data merged into 1 people; 4 interactions" in n
               for n in merged.read_stats.notes)  # fmt: skip
    # the input is untouched
    assert len(toy_community.interactions) == 27 and "fh" not in set(toy_community.user_ids)
    assert not any("aliases" in n for n in toy_community.read_stats.notes)


def test_merge_keeps_flags_and_earliest_creation():
    users = pd.DataFrame(
        {
            "user_id": ["a1", "a2", "b"],
            "display_name": [None, "Ann", "Bob"],
            "created_at": pd.to_datetime(["2020-01-01", "2019-01-01", None], utc=True),
            "is_bot": [False, True, False],
        }
    )
    msgs = pd.DataFrame(
        {
            "message_id": ["1", "2"],
            "author_id": ["a1", "b"],
            "parent_id": [None, "1"],
            "created_at": ["2024-01-01 00:00", "2024-01-01 01:00"],
        }
    )
    base = parse_table(msgs)
    community = Community(base.messages, base.interactions, users)
    merged = merge_aliases(community, pd.DataFrame({"user_id": ["a1", "a2"], "person_id": "a"}))
    row = merged.users.set_index("user_id").loc["a"]
    assert row["display_name"] == "Ann" and bool(row["is_bot"])
    assert row["created_at"] == pd.Timestamp("2019-01-01", tz="UTC")
    assert merged.interactions[["source", "target"]].values.tolist() == [["b", "a"]]


def _bot_community() -> Community:
    rows = []
    # "spam" posts 25 times a minute apart with the same length: templated, fast
    for i in range(25):
        rows.append((f"s{i}", "spam", f"2024-01-01 00:{i:02d}", 120))
    # "busy" posts 25 times a minute apart, every length different: fast, not templated
    for i in range(25):
        rows.append((f"b{i}", "busy", f"2024-01-02 00:{i:02d}", 100 + i))
    # "slow" posts 25 identical messages a day apart: templated, not fast
    for i in range(25):
        rows.append((f"w{i}", "slow", f"2024-02-{i + 1:02d} 00:00", 50))
    for i, name in enumerate(["AutoModerator", "deploy-bot", "Robot", "mod", "flagged", "ann"]):
        rows.append((f"x{i}", name, "2024-03-01 00:00", 10))
    msgs = pd.DataFrame(rows, columns=["message_id", "author_id", "created_at", "text_length"])
    base = parse_table(msgs)
    users = base.users.copy()
    users["title"] = pd.array(
        ["Moderator" if u == "mod" else None for u in users["user_id"]], dtype="string"
    )
    users["is_bot"] = (users["user_id"] == "flagged").to_numpy(bool)
    return Community(base.messages, base.interactions, users)


def test_detect_accounts_names_flags_titles_and_templates():
    found = detect_accounts(_bot_community())
    table = found.set_index("user_id")
    assert sorted(table.index) == ["AutoModerator", "deploy-bot", "flagged", "mod", "spam"]
    assert table.loc["AutoModerator", "reason"] == "known bot name"
    assert table.loc["deploy-bot", "reason"] == "bot-like name"
    assert table.loc["flagged", "reason"] == "platform flag is_bot"
    assert (table.loc["mod", "kind"], table.loc["mod", "reason"]) == (
        "staff",
        "staff title 'Moderator'",
    )
    # 25 of 25 messages share one length; median gap 1 minute
    assert table.loc["spam", "reason"] == (
        "templated high-frequency posting (100% same text length, median 1.0 min apart)"
    )
    assert table.loc["spam", "messages"] == 25.0
    assert found["kind"].tolist() == ["bot", "bot", "bot", "bot", "staff"]


def test_templated_uses_text_when_present():
    rows = [(f"m{i}", "t", f"2024-01-01 00:{i:02d}", "Welcome to the forum!") for i in range(20)]
    msgs = pd.DataFrame(rows, columns=["message_id", "author_id", "created_at", "text"])
    base = parse_table(msgs)
    # a reader may keep the text beside text_length; lengths here all differ
    messages = base.messages.assign(text=msgs["text"].to_numpy(), text_length=range(len(msgs)))
    community = Community(messages, base.interactions, base.users)
    found = detect_accounts(community, min_messages=20)
    assert found["reason"].tolist() == [
        "templated high-frequency posting (100% same text, median 1.0 min apart)"
    ]
    assert detect_accounts(community, min_messages=21).empty
    assert detect_accounts(
        community.__class__(messages.drop(columns="text"), base.interactions, base.users),
        min_messages=20,
    ).empty


def test_read_exclusions_both_forms(tmp_path):
    plain = write(tmp_path, "x.txt", "# bots\nspam\n\n  mod  \nspam\n")
    assert read_exclusions(plain).to_dict("list") == {
        "user_id": ["spam", "mod"],
        "reason": ["exclusion list", "exclusion list"],
    }
    table = write(tmp_path, "x.csv", "user_id,reason\nspam,vendor\nmod,\n")
    assert read_exclusions(table)["reason"].tolist() == ["vendor", "exclusion list"]
    bad = write(tmp_path, "bad.csv", "user_id,reason\nspam,ok\n,why\n")
    with pytest.raises(SourceError, match="exclusion must have a user_id") as caught:
        read_exclusions(bad)
    assert str(caught.value).startswith(f"{bad}:3: ")


def test_exclude_accounts_reports_everything(toy_community):
    kept, excluded = exclude_accounts(toy_community, ["eve", "zed"])
    # eve wrote s1 r4 q2 c5; her interactions: kudos eve->cat, accept eve->dan,
    # share eve->bob, reply eve->bob (r4), dan->eve (a3), eve->dan (c5), cat->eve (a4)
    assert list(excluded.columns) == list(EXCLUDED_COLUMNS)
    assert excluded.fillna({"display_name": "?"}).to_dict("records") == [
        {
            "user_id": "eve",
            "display_name": "Eve",
            "kind": "listed",
            "reason": "exclusion list",
            "messages": 4.0,
            "interactions": 7.0,
        },
        {
            "user_id": "zed",
            "display_name": "?",
            "kind": "listed",
            "reason": "exclusion list",
            "messages": 0.0,
            "interactions": 0.0,
        },
    ]
    assert len(kept.messages) == 27 - 4 and len(kept.interactions) == 27 - 7
    assert "eve" not in set(kept.user_ids)
    assert "excluded 2 accounts (listed 2) with their 4 messages and 7 interactions; " \
        "see excluded.csv" in kept.read_stats.notes  # fmt: skip
    assert len(toy_community.messages) == 27  # input untouched


def test_apply_identities_chains_aliases_and_detection(tmp_path):
    community = _bot_community()
    aliases = write(tmp_path, "a.csv", "user_id,person_id\nspam,ann\n")
    listed = write(tmp_path, "x.txt", "busy\n")
    kept, excluded = apply_identities(community, aliases=aliases, exclude=listed, exclude_bots=True)
    # spam became ann (no longer flagged by name; ann's 26 messages are not all alike
    # but 25/26 share a length and the median gap is 1 minute: still templated)
    assert excluded["user_id"].tolist() == [
        "busy",
        "AutoModerator",
        "ann",
        "deploy-bot",
        "flagged",
    ]
    assert "mod" in set(kept.user_ids)  # staff kept unless asked
    _, staff = apply_identities(community, exclude_staff=True)
    assert staff["user_id"].tolist() == ["mod"]
    same, none = apply_identities(community)
    assert same is community and none.empty and list(none.columns) == list(EXCLUDED_COLUMNS)
