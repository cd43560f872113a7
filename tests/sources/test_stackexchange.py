"""Tests of the Stack Exchange reader: real dumps, hand-made dumps, error paths."""

from __future__ import annotations

import bz2
import gzip
import io
import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from influence.errors import InfluenceDataWarning, SourceError
from influence.sources import stackexchange as se

ROOT = Path(__file__).resolve().parents[2]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"
CONLANG = ROOT / "datasets" / "stackexchange-conlang-meta-2020"


# ---------------------------------------------------------------------------
# An independent reference: ElementTree and plain Python loops, written from
# the rules in the module docstring, not from the reader's code.
# ---------------------------------------------------------------------------


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / name
    if not path.exists():
        return []
    return [row.attrib for row in ET.parse(path).getroot().iter("row")]


def _mention_reference(posts, comments, users, history):
    """Resolve @mentions with a loop per comment, the way the docstring states the rule."""
    names = {u["Id"]: re.sub(r"\s+", "", u.get("DisplayName", "")).casefold() for u in users}
    editors: dict[str, list] = {}
    if history:
        for row in history:
            if int(row["PostHistoryTypeId"]) in (4, 5, 6, 7, 8, 9) and row.get("UserId"):
                editors.setdefault(row["PostId"], []).append(
                    (row["UserId"], pd.Timestamp(row["CreationDate"]))
                )
    else:
        for post in posts.values():
            if post.get("LastEditorUserId") and post.get("LastEditDate"):
                editors.setdefault(post["Id"], []).append(
                    (post["LastEditorUserId"], pd.Timestamp(post["LastEditDate"]))
                )
    by_post: dict[str, list] = {}
    for comment in comments:
        by_post.setdefault(comment["PostId"], []).append(comment)
    found = resolved = 0
    mentions = set()
    for comment in comments:
        text = comment.get("Text", "")
        when = pd.Timestamp(comment["CreationDate"])
        key = (when, int(comment["Id"]))
        author = comment.get("UserId")
        post = posts.get(comment["PostId"])
        candidates = []  # (role, -time, -order, user)
        if post is not None and post.get("OwnerUserId"):
            candidates.append((1, 0, 0, post["OwnerUserId"]))
        for other in by_post.get(comment["PostId"], []):
            other_key = (pd.Timestamp(other["CreationDate"]), int(other["Id"]))
            if other.get("UserId") and other_key < key:
                candidates.append((0, -other_key[0].value, -other_key[1], other["UserId"]))
        for user, edited in editors.get(comment["PostId"], []):
            if edited <= when:
                candidates.append((2, -edited.value, 0, user))
        for match in re.finditer(r"(?<![\w@])@(\w[\w.'\-]*)", text):
            found += 1
            token = match.group(1).rstrip(".'-").casefold()
            if len(token) < 3:
                continue
            fits = sorted(
                c for c in candidates if c[3] != author and names.get(c[3], "\0").startswith(token)
            )
            if fits:
                resolved += 1
                mentions.add(("c" + comment["Id"], fits[0][3], author))
    return found, resolved, mentions


def reference(folder: Path) -> dict:
    """Expected counts for a dump, computed with ElementTree only."""
    post_rows = _rows(folder, "Posts.xml")
    posts = {p["Id"]: p for p in post_rows}
    conversation = {i: p for i, p in posts.items() if p["PostTypeId"] in ("1", "2")}
    comments_all = _rows(folder, "Comments.xml")
    comments = [
        c for c in comments_all if posts.get(c["PostId"], {}).get("PostTypeId") in (None, "1", "2")
    ]
    users = _rows(folder, "Users.xml")
    votes = _rows(folder, "Votes.xml")
    history = _rows(folder, "PostHistory.xml")
    owner = {i: p.get("OwnerUserId") for i, p in conversation.items()}
    owner.update({"c" + c["Id"]: c.get("UserId") for c in comments})

    kept = Counter()
    dropped = Counter()

    def judge(kind, source, target, known=True):
        if not known:
            dropped["reply_to_unknown_message"] += 1
        elif not source or not target:
            dropped["deleted_author"] += 1
        elif source == target:
            dropped["self_interaction"] += 1
        else:
            kept[kind] += 1

    for post in conversation.values():
        if post["PostTypeId"] == "2":
            parent = post["ParentId"]
            judge("reply", post.get("OwnerUserId"), owner.get(parent), parent in conversation)
    for comment in comments:
        parent = comment["PostId"]
        judge("reply", comment.get("UserId"), owner.get(parent), parent in conversation)
    for post in conversation.values():
        answer = post.get("AcceptedAnswerId")
        if post["PostTypeId"] == "1" and answer:
            known = conversation.get(answer, {}).get("PostTypeId") == "2"
            judge("accept", post.get("OwnerUserId"), owner.get(answer), known)
    for vote in votes:
        if vote.get("UserId"):
            judge("kudos", vote["UserId"], owner.get(vote["PostId"]), vote["PostId"] in owner)
    found, resolved, mentions = _mention_reference(conversation, comments, users, history)
    for _comment, target, author in mentions:
        judge("mention", author, target)
    return {
        "kinds": dict(
            Counter(
                {"1": "question", "2": "answer"}[p["PostTypeId"]] for p in conversation.values()
            )
            + Counter(comment=len(comments))
        ),
        "not_conversation_posts": len(posts) - len(conversation),
        "not_conversation_comments": len(comments_all) - len(comments),
        "users": len(users),
        "interactions": dict(kept),
        "dropped": dict(dropped),
        "mentions": (found, resolved, len(mentions)),
        "mention_pairs": {(c, t) for c, t, author in mentions if author and author != t},
    }


# ---------------------------------------------------------------------------
# Real dumps: exact counts, hard-coded and cross-checked against the reference.
# ---------------------------------------------------------------------------

EXPECTED = {
    "cardano": {
        "folder": CARDANO,
        "kinds": {"question": 1042, "answer": 1496, "comment": 1828},
        "users": 3988,
        "interactions": {"reply": 2688, "accept": 418, "kudos": 267, "mention": 161},
        "dropped": {"deleted_author": 8, "self_interaction": 699},
        "stats": {
            ("Posts.xml", "messages"): (2630, 2538, {"not_conversation": 92}),
            ("Comments.xml", "messages"): (1829, 1828, {"not_conversation": 1}),
            ("Comments.xml", "mentions"): (180, 161, {"mention_unresolved": 19}),
            ("Users.xml", "users"): (3988, 3988, {}),
            ("Votes.xml", "votes"): (9147, 9147, {}),
            ("Badges.xml", "badges"): (4467, 4467, {}),
            ("(derived)", "interactions"): (
                4241,
                3534,
                {"deleted_author": 8, "self_interaction": 699},
            ),
        },
    },
    "conlang": {
        "folder": CONLANG,
        "kinds": {"question": 54, "answer": 115, "comment": 230},
        "users": 272,
        "interactions": {"reply": 259, "accept": 9, "kudos": 9, "mention": 41},
        "dropped": {"deleted_author": 37, "self_interaction": 59},
        "stats": {
            ("Posts.xml", "messages"): (177, 169, {"not_conversation": 8}),
            ("Comments.xml", "messages"): (230, 230, {}),
            ("Comments.xml", "mentions"): (66, 48, {"mention_unresolved": 18}),
            ("Users.xml", "users"): (272, 272, {}),
            ("Votes.xml", "votes"): (1119, 1119, {}),
            ("Badges.xml", "badges"): (612, 612, {}),
            ("PostHistory.xml", "editors"): (450, 128, {"not_an_edit": 320, "deleted_author": 2}),
            ("(derived)", "interactions"): (
                414,
                318,
                {"deleted_author": 37, "self_interaction": 59},
            ),
        },
    },
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def real(request):
    expected = EXPECTED[request.param]
    return expected, se.read_stackexchange(expected["folder"])


def _entries(community):
    return {
        (e["source"], e["table"]): (e["read"], e["kept"], e["dropped"])
        for e in community.read_stats.to_dict()["entries"]
    }


def test_real_dump_messages(real):
    expected, community = real
    kinds = community.messages["kind"].value_counts()
    assert kinds[kinds > 0].to_dict() == expected["kinds"]
    assert len(community.users) == expected["users"]
    assert community.platform == "stackexchange"
    assert community.name == expected["folder"].name
    assert community.messages["message_id"].is_unique


def test_real_dump_interactions_and_read_stats(real):
    expected, community = real
    kinds = community.interactions["kind"].value_counts()
    assert kinds[kinds > 0].to_dict() == expected["interactions"]
    assert community.read_stats.dropped("interactions") == expected["dropped"]
    entries = _entries(community)
    assert entries == expected["stats"]
    for read, kept, dropped in entries.values():
        assert read == kept + sum(dropped.values())


def test_real_dump_matches_independent_reference(real):
    expected, community = real
    ref = reference(expected["folder"])
    mentions = community.interactions.loc[community.interactions["kind"] == "mention"]
    assert set(zip(mentions["message_id"], mentions["target"], strict=True)) == ref["mention_pairs"]
    assert ref["kinds"] == expected["kinds"]
    assert ref["users"] == expected["users"]
    assert ref["interactions"] == expected["interactions"]
    assert ref["dropped"] == expected["dropped"]
    stats = expected["stats"]
    assert ref["not_conversation_posts"] == stats["Posts.xml", "messages"][2].get(
        "not_conversation", 0
    )
    found, resolved, distinct = ref["mentions"]
    read, kept, dropped = stats["Comments.xml", "mentions"]
    assert (found, distinct) == (read, kept)
    assert resolved - distinct == dropped.get("mention_repeated", 0)


def test_real_dump_known_facts_from_source_md():
    """Facts stated in datasets/*/SOURCE.md, checked through the reader's tables."""
    community = se.read_stackexchange(CARDANO)
    messages = community.messages
    assert (messages["kind"] == "question").sum() == 1042
    assert (messages["kind"] == "answer").sum() == 1496
    stats = _entries(community)
    assert stats["Posts.xml", "messages"][2] == {"not_conversation": 43 + 43 + 6}
    # 459 questions carry AcceptedAnswerId; 41 accepts are self-accepts or by deleted users.
    assert community.read_stats.total("interactions")["read"] == 4241
    assert (
        messages.loc[messages["author_id"].isna() & (messages["kind"] != "comment")].shape[0] == 2
    )
    users = community.users.set_index("user_id")
    assert users.loc["-1", "is_system"]
    assert users["is_system"].sum() == 1
    assert sorted(users["site_reputation"].nlargest(3).tolist()) == [2242.0, 2820.0, 5519.0]
    assert users[["gold_badges", "silver_badges", "bronze_badges"]].sum().tolist() == [9, 123, 4335]
    assert users["badges"].sum() == 4467
    assert set(messages.loc[messages["kind"] == "question", "topic"].dropna()) >= {"plutus"}
    assert messages["tags"].str.contains(";").any()
    assert messages["text_length"].gt(0).mean() > 0.98
    assert "Tags.xml: not used" in community.read_stats.notes
    assert "PostLinks.xml: not used" in community.read_stats.notes


def test_real_dump_accepts_count_matches_questions_with_accepted_answer():
    posts = _rows(CARDANO, "Posts.xml")
    accepted = sum(1 for p in posts if p.get("AcceptedAnswerId"))
    assert accepted == 459
    community = se.read_stackexchange(CARDANO)
    accepts = community.interactions.loc[community.interactions["kind"] == "accept"]
    # The remaining 41 are self-accepts (asker answered their own question).
    self_accepts = sum(
        1
        for p in posts
        if p.get("AcceptedAnswerId")
        and {q["Id"]: q for q in posts}[p["AcceptedAnswerId"]].get("OwnerUserId")
        == p.get("OwnerUserId")
    )
    assert len(accepts) + self_accepts == 459


def test_compressed_dump_reads_the_same(tmp_path):
    folder = tmp_path / "conlang"
    folder.mkdir()
    for path in CONLANG.glob("*.xml"):
        opener = gzip.open if path.name != "Users.xml" else bz2.open
        suffix = ".gz" if path.name != "Users.xml" else ".bz2"
        with opener(folder / (path.name + suffix), "wb") as out:
            out.write(path.read_bytes())
    assert se.sniff(folder)
    packed = se.read_stackexchange(folder)
    plain = se.read_stackexchange(CONLANG)
    pd.testing.assert_frame_equal(packed.messages, plain.messages)
    pd.testing.assert_frame_equal(packed.interactions, plain.interactions)
    pd.testing.assert_frame_equal(packed.users, plain.users)
    assert _entries(packed)["Posts.xml.gz", "messages"] == _entries(plain)["Posts.xml", "messages"]


def test_removal_of_votes_badges_scores_and_reputation(tmp_path):
    folder = tmp_path / "cardano-stripped"
    folder.mkdir()
    for path in CARDANO.glob("*.xml"):
        if path.name in ("Votes.xml", "Badges.xml"):
            continue
        text = path.read_text(encoding="utf-8-sig")
        text = re.sub(r' (Score|Reputation)="[^"]*"', "", text)
        (folder / path.name).write_text(text, encoding="utf-8")
    community = se.read_stackexchange(folder)
    assert community.messages["score"].isna().all()
    kinds = community.interactions["kind"].value_counts()
    assert kinds.get("kudos", 0) == 0
    assert kinds[kinds > 0].to_dict() == {"reply": 2688, "accept": 418, "mention": 161}
    assert community.users["site_reputation"].isna().all()
    assert "badges" not in community.users.columns
    notes = community.read_stats.notes
    assert "Votes.xml: absent; no kudos; accepts are timed by the answer" in notes
    assert "Badges.xml: absent; no badge counts" in notes
    assert "Posts.xml: no Score attribute; score is missing" in notes
    assert "Users.xml: no Reputation attribute; site_reputation is missing" in notes
    assert ("Votes.xml", "votes") not in _entries(community)


# ---------------------------------------------------------------------------
# A tiny hand-made dump, with every table worked out by hand.
# ---------------------------------------------------------------------------

POSTS = """\
<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE posts>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="2" CreationDate="2021-05-01T10:00:00.000" \
Body="&lt;p&gt;Why?&lt;/p&gt;" OwnerUserId="10" Tags="|plutus|wallet|" />
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-05-01T11:00:00.000" \
Body="Because." OwnerUserId="11" />
  <row Id="3" PostTypeId="2" ParentId="99" CreationDate="2021-05-02T09:00:00.000" \
Body="orphan" OwnerUserId="12" />
  <row Id="4" PostTypeId="1" AcceptedAnswerId="5" CreationDate="2021-05-03T08:00:00.000" \
Body="q2" OwnerDisplayName="user99" Tags="|staking|" />
  <row Id="5" PostTypeId="2" ParentId="4" CreationDate="2021-05-03T09:30:00.000" \
Body="a" OwnerUserId="10" />
  <row Id="6" PostTypeId="4" CreationDate="2021-05-04T00:00:00.000" Body="excerpt" \
OwnerUserId="-1" />
  <row Id="7" PostTypeId="1" AcceptedAnswerId="8" CreationDate="2021-05-05T08:00:00.000" \
OwnerUserId="12" Tags="|plutus|" />
  <row Id="8" PostTypeId="2" ParentId="7" CreationDate="2021-05-05T09:00:00.000" \
Body="yes" OwnerUserId="13" />
</posts>
"""

COMMENTS = """\
<?xml version="1.0" encoding="utf-8"?>
<comments>
  <row Id="1" PostId="1" Text="Could you clarify?" CreationDate="2021-05-01T12:00:00.000" \
UserId="11" />
  <row Id="2" PostId="1" Text="@bob I agree" CreationDate="2021-05-01T13:00:00.000" UserId="12" />
  <row Id="3" PostId="1" Text="@Bob thanks" CreationDate="2021-05-01T14:00:00.000" UserId="10" />
  <row Id="4" PostId="2" Text="@zed and @Carla: mail me@example.com" \
CreationDate="2021-05-01T15:00:00.000" UserId="10" />
  <row Id="7" PostId="2" Text="@Bo nice" CreationDate="2021-05-01T16:00:00.000" \
UserDisplayName="ghost" />
  <row Id="5" PostId="99" Text="dangling" CreationDate="2021-05-02T10:00:00.000" UserId="13" />
  <row Id="6" PostId="6" Text="wiki talk" CreationDate="2021-05-04T01:00:00.000" UserId="10" />
</comments>
"""

USERS = """\
<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="-1" Reputation="1" CreationDate="2021-01-01T00:00:00.000" DisplayName="Community" />
  <row Id="10" Reputation="120" CreationDate="2021-01-02T00:00:00.000" DisplayName="Ann Lee" \
AboutMe="&lt;p&gt;Plutus &amp;amp; Haskell&lt;/p&gt;" WebsiteUrl="https://ann.example" \
Location="Lyon" UpVotes="3" DownVotes="0" Views="7" />
  <row Id="11" Reputation="15" CreationDate="2021-01-03T00:00:00.000" DisplayName="Bob Smith" />
  <row Id="12" Reputation="1" CreationDate="2021-01-04T00:00:00.000" DisplayName="Bobby Tables" />
  <row Id="13" CreationDate="2021-01-05T00:00:00.000" DisplayName="Carla" />
</users>
"""

VOTES = """\
<?xml version="1.0" encoding="utf-8"?>
<votes>
  <row Id="1" PostId="2" VoteTypeId="1" CreationDate="2021-05-02T00:00:00.000" />
  <row Id="2" PostId="1" VoteTypeId="2" CreationDate="2021-05-02T00:00:00.000" />
  <row Id="3" PostId="1" VoteTypeId="2" CreationDate="2021-05-02T00:00:00.000" />
  <row Id="4" PostId="2" VoteTypeId="3" CreationDate="2021-05-02T00:00:00.000" />
  <row Id="5" PostId="1" VoteTypeId="5" UserId="13" CreationDate="2021-05-06T00:00:00.000" />
  <row Id="6" PostId="7" VoteTypeId="5" UserId="12" CreationDate="2021-05-06T00:00:00.000" />
</votes>
"""

BADGES = """\
<?xml version="1.0" encoding="utf-8"?>
<badges>
  <row Id="1" UserId="10" Name="Teacher" Date="2021-05-02T00:00:00.000" Class="3" />
  <row Id="2" UserId="10" Name="Guru" Date="2021-05-02T00:00:00.000" Class="1" />
  <row Id="3" UserId="11" Name="Student" Date="2021-05-02T00:00:00.000" Class="3" />
  <row Id="4" UserId="77" Name="Student" Date="2021-05-02T00:00:00.000" Class="3" />
</badges>
"""


def _write(folder: Path, name: str, text: str, *, bom_crlf: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if bom_crlf:
        (folder / name).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    else:
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def mini(tmp_path):
    folder = tmp_path / "mini.stackexchange.com"
    _write(folder, "Posts.xml", POSTS, bom_crlf=True)
    _write(folder, "Comments.xml", COMMENTS)
    _write(folder, "Users.xml", USERS)
    _write(folder, "Votes.xml", VOTES)
    _write(folder, "Badges.xml", BADGES)
    _write(folder, "PostLinks.xml", "<postlinks />")
    return folder


def _utc(text):
    return pd.Timestamp(text, tz="UTC")


def test_mini_messages(mini):
    community = se.read_stackexchange(mini)
    assert community.name == "mini.stackexchange.com"
    got = community.messages.astype(object).where(community.messages.notna(), None)
    table = got[
        [
            "message_id",
            "author_id",
            "thread_id",
            "parent_id",
            "kind",
            "topic",
            "tags",
            "score",
            "text_length",
        ]
    ].values.tolist()
    nan = None
    assert table == [
        ["1", "10", "1", None, "question", "plutus", "plutus;wallet", 2.0, 11],
        ["2", "11", "1", "1", "answer", "plutus", "plutus;wallet", -1.0, 8],
        ["c1", "11", "1", "1", "comment", "plutus", "plutus;wallet", nan, 18],
        ["c2", "12", "1", "1", "comment", "plutus", "plutus;wallet", nan, 12],
        ["c3", "10", "1", "1", "comment", "plutus", "plutus;wallet", nan, 11],
        ["c4", "10", "1", "2", "comment", "plutus", "plutus;wallet", nan, 36],
        ["c7", None, "1", "2", "comment", "plutus", "plutus;wallet", nan, 8],
        ["3", "12", "99", "99", "answer", None, None, 0.0, 6],
        ["c5", "13", "99", "99", "comment", None, None, nan, 8],
        ["4", None, "4", None, "question", "staking", "staking", 0.0, 2],
        ["5", "10", "4", "4", "answer", "staking", "staking", 0.0, 1],
        ["7", "12", "7", None, "question", "plutus", "plutus", 0.0, 0],
        ["8", "13", "7", "7", "answer", "plutus", "plutus", 0.0, 3],
    ]
    assert community.messages["created_at"].iloc[0] == _utc("2021-05-01T10:00")
    assert (community.messages["platform"] == "stackexchange").all()


def test_mini_interactions(mini):
    community = se.read_stackexchange(mini)
    got = community.interactions[["source", "target", "kind", "message_id", "created_at"]]
    rows = [tuple(r) for r in got.astype(object).values.tolist()]
    assert rows == [
        ("11", "10", "reply", "2", _utc("2021-05-01T11:00")),
        ("11", "10", "reply", "c1", _utc("2021-05-01T12:00")),
        ("12", "11", "mention", "c2", _utc("2021-05-01T13:00")),
        ("12", "10", "reply", "c2", _utc("2021-05-01T13:00")),
        # "@Bob" from Ann matches Bob Smith and Bobby Tables: the latest commenter wins.
        ("10", "12", "mention", "c3", _utc("2021-05-01T14:00")),
        ("10", "11", "reply", "c4", _utc("2021-05-01T15:00")),
        # accept timed by the AcceptedByOriginator vote (2021-05-02), not the answer
        ("10", "11", "accept", "2", _utc("2021-05-02T00:00")),
        # no vote for this accept: timed by the answer (same time: ordered by kind)
        ("12", "13", "accept", "8", _utc("2021-05-05T09:00")),
        ("13", "12", "reply", "8", _utc("2021-05-05T09:00")),
        ("13", "10", "kudos", "1", _utc("2021-05-06T00:00")),
    ]
    assert _entries(community)["(derived)", "interactions"] == (
        17,
        10,
        {"reply_to_unknown_message": 2, "deleted_author": 3, "self_interaction": 2},
    )


def test_mini_read_stats(mini):
    community = se.read_stackexchange(mini)
    entries = _entries(community)
    assert entries["Posts.xml", "messages"] == (8, 7, {"not_conversation": 1})
    assert entries["Comments.xml", "messages"] == (7, 6, {"not_conversation": 1})
    # tokens: bob, bob, zed, carla (not a participant of post 2), bo (too short)
    assert entries["Comments.xml", "mentions"] == (5, 2, {"mention_unresolved": 3})
    assert entries["Badges.xml", "badges"] == (4, 3, {"unknown_user": 1})
    assert entries["Users.xml", "users"] == (5, 5, {})
    assert entries["Votes.xml", "votes"] == (6, 6, {})
    notes = community.read_stats.notes
    assert "PostHistory.xml: absent; editors are the posts' last editors" in notes
    assert "PostLinks.xml: not used" in notes
    assert "Users.xml: user -1 (Community) is a system account; kept and flagged is_system" in (
        notes
    )


def test_mini_users(mini):
    users = se.read_stackexchange(mini).users.set_index("user_id")
    assert users.index.tolist() == ["-1", "10", "11", "12", "13"]
    assert users.loc["10", "about"] == "Plutus & Haskell"
    assert users.loc["10", "website"] == "https://ann.example"
    assert users.loc["10", "location"] == "Lyon"
    assert users["site_reputation"].tolist()[:4] == [1.0, 120.0, 15.0, 1.0]
    assert np.isnan(users.loc["13", "site_reputation"])
    assert users["badges"].tolist() == [0, 2, 1, 0, 0]
    assert users["gold_badges"].tolist() == [0, 1, 0, 0, 0]
    assert users["bronze_badges"].tolist() == [0, 1, 1, 0, 0]
    assert users["is_system"].tolist() == [True, False, False, False, False]
    assert users.loc["11", "created_at"] == _utc("2021-01-03")


def test_mini_without_votes_and_badges(mini):
    (mini / "Votes.xml").unlink()
    (mini / "Badges.xml").unlink()
    community = se.read_stackexchange(mini)
    assert community.messages["score"].isna().all()
    accepts = community.interactions.loc[community.interactions["kind"] == "accept"]
    assert accepts["created_at"].tolist() == [_utc("2021-05-01T11:00"), _utc("2021-05-05T09:00")]
    assert "kudos" not in set(community.interactions["kind"])
    assert "badges" not in community.users.columns
    assert "Posts.xml: no Score attribute; score is missing" in community.read_stats.notes


def test_mini_without_users_or_comments(mini):
    (mini / "Users.xml").unlink()
    (mini / "Comments.xml").unlink()
    community = se.read_stackexchange(mini)
    assert set(community.messages["kind"]) == {"question", "answer"}
    assert sorted(community.users["user_id"]) == ["10", "11", "12", "13"]
    assert _entries(community)["Badges.xml", "badges"] == (4, 0, {"unknown_user": 4})
    notes = community.read_stats.notes
    assert "Comments.xml: absent; no comments and no mentions" in notes
    assert "Users.xml: absent; users are known by id only and mentions cannot be resolved" in notes


def test_mention_prefers_latest_commenter_then_owner_then_editor():
    posts = pd.DataFrame(
        {
            "message_id": ["1"],
            "author_id": ["12"],  # Bobby Tables owns the post
            "thread_id": ["1"],
            "created_at": pd.to_datetime(["2021-05-01"], utc=True),
            "kind": ["question"],
            "topic": [None],
            "tags": [None],
        }
    )
    users = se.parse_users(
        {
            "Id": ["10", "11", "12", "13", "14"],
            "DisplayName": ["Ann", "Bob Smith", "Bobby Tables", "Bob Carla", "Carl"],
        }
    )
    editors = pd.DataFrame(
        {
            "post_id": ["1", "1"],
            "user_id": ["14", "13"],
            "created_at": pd.to_datetime(["2021-05-01 01:00", "2021-05-01 02:00"], utc=True),
        }
    )
    _comments, mentions = se.parse_comments(
        {
            "Id": ["1", "2", "3"],
            "PostId": ["1", "1", "1"],
            "CreationDate": ["2021-05-02T00:00:00", "2021-05-03T00:00:00", "2021-05-04T00:00:00"],
            "UserId": ["10", "11", "10"],
            # c1 "@bob": the owner (Bobby Tables) beats the editor Bob Carla;
            #    "@carl": only the editor Carl ("bobcarla" does not start with "carl").
            # c3 "@Bob": the earlier commenter Bob Smith beats owner and editor;
            #    "@bobc": only the editor Bob Carla.
            "Text": ["@bob @carl", "thanks", "@Bob, @bobc"],
        },
        posts,
        users=users,
        editors=editors,
    )
    assert list(zip(mentions["message_id"], mentions["target"], strict=True)) == [
        ("c1", "12"),
        ("c1", "14"),
        ("c3", "11"),
        ("c3", "13"),
    ]


def test_mentions_use_post_history_editors(tmp_path):
    folder = tmp_path / "dump"
    _write(folder, "Posts.xml", POSTS)
    _write(folder, "Users.xml", USERS)
    _write(
        folder,
        "Comments.xml",
        '<comments><row Id="1" PostId="7" Text="@carla, @bobby: ok?" '
        'CreationDate="2021-05-05T12:00:00.000" UserId="10" /></comments>',
    )
    # Carla edited post 7 before the comment; Bob Smith edited it only afterwards.
    _write(
        folder,
        "PostHistory.xml",
        "<posthistory>"
        '<row Id="1" PostHistoryTypeId="5" PostId="7" UserId="13" '
        'CreationDate="2021-05-05T10:00:00.000" Text="long body" />'
        '<row Id="2" PostHistoryTypeId="5" PostId="7" UserId="11" '
        'CreationDate="2021-05-05T13:00:00.000" />'
        '<row Id="3" PostHistoryTypeId="2" PostId="7" UserId="12" '
        'CreationDate="2021-05-05T08:00:00.000" />'
        "</posthistory>",
    )
    community = se.read_stackexchange(folder)
    mentions = community.interactions.loc[community.interactions["kind"] == "mention"]
    # "@bobby" resolves to the owner (Bobby Tables), "@carla" to the editor.
    assert sorted(mentions["target"]) == ["12", "13"]
    assert _entries(community)["PostHistory.xml", "editors"] == (3, 2, {"not_an_edit": 1})


def test_mentions_fall_back_on_last_editor(tmp_path):
    folder = tmp_path / "dump"
    _write(
        folder,
        "Posts.xml",
        '<posts><row Id="1" PostTypeId="1" CreationDate="2021-05-01T00:00:00.000" '
        'OwnerUserId="10" LastEditorUserId="13" LastEditDate="2021-05-01T01:00:00.000" />'
        '<row Id="2" PostTypeId="1" CreationDate="2021-05-01T00:00:00.000" '
        'OwnerUserId="10" LastEditorUserId="13" LastEditDate="2021-05-03T00:00:00.000" />'
        "</posts>",
    )
    _write(folder, "Users.xml", USERS)
    _write(
        folder,
        "Comments.xml",
        '<comments><row Id="1" PostId="1" Text="thanks @Carla" '
        'CreationDate="2021-05-02T00:00:00.000" UserId="10" />'
        '<row Id="2" PostId="2" Text="thanks @Carla" '
        'CreationDate="2021-05-02T00:00:00.000" UserId="10" /></comments>',
    )
    community = se.read_stackexchange(folder)
    mentions = community.interactions.loc[community.interactions["kind"] == "mention"]
    assert mentions["message_id"].tolist() == ["c1"]  # post 2 was edited after the comment
    assert mentions["target"].tolist() == ["13"]


def test_tags_in_angle_bracket_form():
    messages, _ = se.parse_posts(
        {
            "Id": ["1"],
            "PostTypeId": ["1"],
            "CreationDate": ["2021-01-01T00:00:00"],
            "Tags": ["<cardano-node><staking>"],
        }
    )
    assert messages[["topic", "tags"]].values.tolist() == [["cardano-node", "cardano-node;staking"]]


def test_score_absent_without_votes_is_nan_and_present_score_is_kept():
    rows = {
        "Id": ["1", "2"],
        "PostTypeId": ["1", "2"],
        "ParentId": [None, "1"],
        "CreationDate": ["2021-01-01T00:00:00"] * 2,
    }
    messages, _ = se.parse_posts(rows)
    assert messages["score"].isna().all()
    messages, _ = se.parse_posts({**rows, "Score": ["4", None]})
    assert messages["score"].tolist()[0] == 4.0
    assert np.isnan(messages["score"].tolist()[1])


# ---------------------------------------------------------------------------
# Streaming and hardening.
# ---------------------------------------------------------------------------


def test_scan_rows_keeps_only_lengths_and_mention_texts():
    xml = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n<comments>\r\n'
        '  <row Id="1" PostId="1" Text="no mention here" CreationDate="2021-01-01T00:00:00" />\r\n'
        '  <row Id="2" PostId="1" Text="hi @ann &amp; co" CreationDate="2021-01-01T00:00:00" />\r\n'
        "</comments>"
    ).encode()
    columns = se.scan_rows(
        io.BytesIO(xml), ["Id"], source="Comments.xml", lengths=["Text"], keep_if={"Text": "@"}
    )
    assert columns == {
        "Id": ["1", "2"],
        "Text_length": [15, 12],
        "Text": [None, "hi @ann & co"],
        "_line": [3, 4],
    }


def test_scan_rows_reads_in_chunks(monkeypatch):
    monkeypatch.setattr(se, "CHUNK_BYTES", 7)
    rows = "".join(f'<row Id="{i}" />\n' for i in range(50))
    columns = se.scan_rows(io.BytesIO(f"<x>\n{rows}</x>".encode()), ["Id"], source="x.xml")
    assert columns["Id"] == [str(i) for i in range(50)]
    assert columns["_line"] == list(range(2, 52))


def test_truncated_posts_is_a_source_error_with_line(tmp_path):
    folder = tmp_path / "dump"
    _write(folder, "Posts.xml", POSTS[: POSTS.index('<row Id="3"') + 30])
    with pytest.raises(SourceError) as caught:
        se.read_stackexchange(folder)
    # line 6 is the third <row>, cut in the middle of its attributes
    assert str(caught.value) == "Posts.xml:6: XML must be well-formed (got unclosed token)"
    assert caught.value.path == "Posts.xml"
    assert caught.value.line == 6


def test_truncated_real_posts(tmp_path):
    folder = tmp_path / "dump"
    folder.mkdir()
    data = (CONLANG / "Posts.xml").read_bytes()
    (folder / "Posts.xml").write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"^Posts\.xml:\d+: XML must be well-formed \(got "):
        se.read_stackexchange(folder)


def test_entity_declarations_are_refused(tmp_path):
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE posts [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        '<posts><row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" Body="&lol2;" />'
        "</posts>"
    )
    _write(tmp_path / "dump", "Posts.xml", laughs)
    with pytest.raises(SourceError) as caught:
        se.read_stackexchange(tmp_path / "dump")
    assert str(caught.value) == (
        "Posts.xml:3: XML must not declare entities (got <!ENTITY lol ...>)"
    )


def test_external_entities_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE posts [ <!ENTITY x SYSTEM "{secret.as_uri()}"> ]>\n'
        '<posts><row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" Body="&x;" />'
        "</posts>"
    )
    _write(tmp_path / "dump", "Posts.xml", xxe)
    with pytest.raises(SourceError, match="must not declare entities"):
        se.read_stackexchange(tmp_path / "dump")
    # An external DTD is never fetched: the document reads normally.
    _write(
        tmp_path / "dump2",
        "Posts.xml",
        f'<!DOCTYPE posts SYSTEM "{secret.as_uri()}">\n'
        '<posts><row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" /></posts>',
    )
    assert len(se.read_stackexchange(tmp_path / "dump2").messages) == 1


def test_missing_posts_file_is_a_source_error(tmp_path):
    _write(tmp_path / "dump", "Users.xml", USERS)
    with pytest.raises(SourceError, match=r"must contain Posts\.xml"):
        se.read_stackexchange(tmp_path / "dump")


def test_on_error_must_be_known(mini):
    with pytest.raises(ValueError, match="on_error must be 'raise' or 'skip'"):
        se.read_stackexchange(mini, on_error="ignore")


# Bad records: (rows, message with line, reason counted with on_error="skip").
BAD_POSTS = {
    "missing id": (
        '<row PostTypeId="1" CreationDate="2021-01-01T00:00:00" />',
        "Posts.xml:4: Id must be present (got missing)",
        {"malformed": 1},
    ),
    "bad date": (
        '<row Id="9" PostTypeId="1" CreationDate="yesterday" />',
        "Posts.xml:4: CreationDate must be an ISO 8601 time (got 'yesterday')",
        {"malformed": 1},
    ),
    "duplicate id": (
        '<row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" />',
        "Posts.xml:4: Id must be unique (got 1 again; first on line 3)",
        {"duplicate_id": 1},
    ),
    "non-numeric post type": (
        '<row Id="9" PostTypeId="question" CreationDate="2021-01-01T00:00:00" />',
        "Posts.xml:4: PostTypeId must be an integer (got 'question')",
        {"malformed": 1},
    ),
    "answer without parent": (
        '<row Id="9" PostTypeId="2" CreationDate="2021-01-01T00:00:00" />',
        "Posts.xml:4: ParentId must be present on an answer (got missing)",
        {"malformed": 1},
    ),
}


def _bad_dump(folder: Path, row: str) -> Path:
    _write(
        folder,
        "Posts.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
        '<row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" OwnerUserId="5" />\n'
        f"{row}\n"
        '<row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-01-02T00:00:00" '
        'OwnerUserId="6" />\n</posts>\n',
    )
    return folder


@pytest.mark.parametrize("case", sorted(BAD_POSTS))
def test_bad_record_raises_with_file_and_line(tmp_path, case):
    row, message, _reasons = BAD_POSTS[case]
    folder = _bad_dump(tmp_path / "dump", row)
    with pytest.raises(SourceError) as caught:
        se.read_stackexchange(folder)
    assert str(caught.value) == message


@pytest.mark.parametrize("case", sorted(BAD_POSTS))
def test_bad_record_skipped_counted_and_warned_once(tmp_path, case):
    row, message, reasons = BAD_POSTS[case]
    folder = _bad_dump(tmp_path / "dump", row)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        community = se.read_stackexchange(folder, on_error="skip")
    ours = [w for w in caught if issubclass(w.category, InfluenceDataWarning)]
    assert len(ours) == 1
    assert "Posts.xml: 1 " + next(iter(reasons)) in str(ours[0].message)
    assert _entries(community)["Posts.xml", "messages"] == (3, 2, reasons)
    assert community.messages["message_id"].tolist() == ["1", "2"]
    assert f"Posts.xml: skipped 1 bad record(s); first: {message}" in community.read_stats.notes


def test_skip_summarises_several_files_in_one_warning(tmp_path):
    folder = _bad_dump(tmp_path / "dump", BAD_POSTS["bad date"][0])
    _write(
        folder,
        "Comments.xml",
        '<comments><row PostId="1" CreationDate="2021-01-03T00:00:00" UserId="6" />'
        '<row Id="1" PostId="1" CreationDate="2021-01-03T00:00:00" UserId="6" />'
        '<row Id="1" PostId="1" CreationDate="2021-01-03T00:00:00" UserId="6" /></comments>',
    )
    with pytest.warns(InfluenceDataWarning) as caught:
        community = se.read_stackexchange(folder, on_error="skip")
    assert len(caught) == 1
    assert str(caught[0].message).startswith(
        "bad records were skipped (Posts.xml: 1 malformed; Comments.xml: 1 malformed; "
        "Comments.xml: 1 duplicate_id)"
    )
    assert _entries(community)["Comments.xml", "messages"] == (
        3,
        1,
        {"malformed": 1, "duplicate_id": 1},
    )
    _bad_dump(folder, "")  # Posts.xml fixed: the first bad comment now stops the read
    with pytest.raises(SourceError) as caught:
        se.read_stackexchange(folder)
    assert str(caught.value) == "Comments.xml:1: Id must be present (got missing)"


def test_no_warning_when_nothing_is_skipped(mini):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InfluenceDataWarning)
        se.read_stackexchange(mini, on_error="skip")


# ---------------------------------------------------------------------------
# Detection.
# ---------------------------------------------------------------------------


def test_sniff(tmp_path):
    assert se.sniff(CARDANO)
    assert se.sniff(CARDANO / "Posts.xml")
    assert not se.sniff(CARDANO / "Users.xml")
    lower = tmp_path / "lower"
    lower.mkdir()
    shutil.copy(CONLANG / "Posts.xml", lower / "posts.xml")
    assert se.sniff(lower)
    assert not se.sniff(tmp_path)
    assert not se.sniff(tmp_path / "missing")


def test_read_from_posts_file_uses_its_folder():
    community = se.read_stackexchange(CONLANG / "Posts.xml")
    assert community.name == CONLANG.name
    assert len(community.messages) == 399
