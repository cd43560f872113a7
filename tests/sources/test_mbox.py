"""The mbox reader on a hand-written mailing-list archive (tests/data/mbox/list.mbox).

Messages (``From `` separator line in brackets):

1. [1]  Ann Lee <Ann@Example.org>, 2024-01-01 10:00 +0000, List-Id dev.lists.example.org,
        body "Shall we release on Friday?\\n" (28 characters);
2. [11] encoded name Björn, 12:30 +0200 = 10:30 UTC, In-Reply-To r1, "Friday works.\\n" (14);
3. [24] pipermail style "cat at example.com (Cat Doe)", 11:00 GMT, no In-Reply-To: the
        last References id (r2) is the parent; no List-Id: topic from "[dev]"; the
        multipart's plain part "I agree." (8: the line break belongs to the boundary);
4. [44] ann again (her name is an address: not shown), 2024-01-02 09:00 -0500 = 14:00 UTC,
        replies to <gone@elsewhere.org>, not in the archive: thread named after it;
5. [54] Dan, no Message-ID: synthetic id; no list, no prefix: no topic; ">From the start.\\n";
6. [61] message 1 again: duplicate.
Pseudonyms: "u" + 12 hex digits of sha256 of the lower-cased address.
"""

import gzip
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.cli import main
from influence.errors import InfluenceDataWarning, SourceError
from influence.sources.mbox import pseudonym, read_mbox, sniff

DATA = Path(__file__).resolve().parents[1] / "data"
MBOX = DATA / "mbox" / "list.mbox"
ANN, BJORN, CAT, DAN = "u438c4c7afe60", "u9217285ccf3c", "ud2d66462631a", "uc8cf6521c193"
ADDRESS = re.compile(rb"[\w.+-]+(@| at )[\w-]+\.[\w.-]+")


def _stamp(text):
    return pd.Timestamp(text, tz="UTC")


def _entries(community):
    return {
        (e["source"], e["table"]): (e["read"], e["kept"], e["dropped"])
        for e in community.read_stats.to_dict()["entries"]
    }


def test_pseudonyms_are_the_documented_hash():
    assert [pseudonym(a) for a in ("ann@example.org", "bjorn@example.net")] == [ANN, BJORN]
    assert pseudonym("cat@example.com") == CAT and pseudonym("DAN@example.com ") == DAN


def test_messages_exact():
    messages = read_mbox(MBOX).messages
    ids = messages["message_id"].tolist()
    assert ids[:4] == [
        "r1@mail.example.org",
        "r2@mail.example.net",
        "r3@example.com",
        "r4@mail.example.org",
    ]
    assert re.fullmatch(r"missing-[0-9a-f]{16}", ids[4])
    assert messages["author_id"].tolist() == [ANN, BJORN, CAT, ANN, DAN]
    assert messages["parent_id"].fillna("-").tolist() == [
        "-",
        "r1@mail.example.org",
        "r2@mail.example.net",
        "gone@elsewhere.org",
        "-",
    ]
    assert messages["thread_id"].tolist() == ["r1@mail.example.org"] * 3 + [
        "gone@elsewhere.org",
        ids[4],
    ]
    assert messages["kind"].astype(str).tolist() == ["post", "reply", "reply", "reply", "post"]
    assert messages["created_at"].tolist() == [
        _stamp("2024-01-01 10:00"),
        _stamp("2024-01-01 10:30"),
        _stamp("2024-01-01 11:00"),
        _stamp("2024-01-02 14:00"),
        _stamp("2024-01-03 08:00"),
    ]
    assert messages["topic"].fillna("-").tolist() == [
        "dev.lists.example.org",
        "dev.lists.example.org",
        "dev",
        "dev.lists.example.org",
        "-",
    ]
    assert messages["text_length"].tolist() == [28, 14, 8, 14, 17]
    assert messages["score"].isna().all()
    assert read_mbox(MBOX).messages["message_id"].tolist() == ids  # the synthetic id is stable


def test_interactions_users_and_stats_exact():
    community = read_mbox(MBOX)
    frame = community.interactions
    assert list(zip(frame["source"], frame["target"], frame["kind"].astype(str), strict=True)) == [
        (BJORN, ANN, "reply"),
        (CAT, BJORN, "reply"),
    ]
    assert community.users[["user_id", "display_name"]].to_dict("list") == {
        "user_id": [ANN, BJORN, DAN, CAT],
        "display_name": ["Ann Lee", "Björn", "Dan", "Cat Doe"],
    }
    assert _entries(community) == {
        ("list.mbox", "messages"): (6, 5, {"duplicate": 1}),
        ("(derived)", "interactions"): (3, 2, {"reply_to_unknown_message": 1}),
    }
    assert community.read_stats.notes == [
        "list.mbox: 1 message(s) without Message-ID got a synthetic id "
        "(missing- and a hash of the message)"
    ]


def test_reveal_addresses_on_request():
    community = read_mbox(MBOX, reveal_addresses=True)
    assert community.users["user_id"].tolist() == [
        "ann@example.org",
        "bjorn@example.net",
        "cat@example.com",
        "dan@example.com",
    ]


def test_compressed_and_folder(tmp_path):
    packed = tmp_path / "2024-January.txt.gz"
    packed.write_bytes(gzip.compress(MBOX.read_bytes()))
    (tmp_path / "README").write_text("not mail\n")
    assert sniff(packed) and sniff(tmp_path) and not sniff(tmp_path / "README")
    assert influence.sources.detect_format(packed) == "mbox"
    plain = read_mbox(MBOX)
    pd.testing.assert_frame_equal(read_mbox(packed).messages, plain.messages)
    folder = read_mbox(tmp_path)
    pd.testing.assert_frame_equal(folder.messages, plain.messages)
    assert folder.read_stats.notes[0] == "README: not an mbox file; not used"


def test_truncated_gz(tmp_path):
    data = gzip.compress(MBOX.read_bytes())
    path = tmp_path / "list.mbox.gz"
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(SourceError, match=r"^list\.mbox\.gz:\d+: file must be readable \(got "):
        read_mbox(path)


def _edited(tmp_path, old: bytes, new: bytes) -> Path:
    path = tmp_path / "list.mbox"
    data = MBOX.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))
    return path


def test_missing_date_raises_then_skips(tmp_path):
    path = _edited(tmp_path, b"Date: Mon, 01 Jan 2024 12:30:00 +0200\n", b"")
    with pytest.raises(SourceError) as caught:
        read_mbox(path)
    assert str(caught.value) == (
        "list.mbox:11: Date of message 2 must be an RFC 2822 date (got missing)"
    )
    with pytest.warns(InfluenceDataWarning, match="list.mbox: 1 malformed"):
        community = read_mbox(path, on_error="skip")
    assert "r2@mail.example.net" not in community.messages["message_id"].tolist()
    assert _entries(community)[("list.mbox", "messages")] == (
        6,
        4,
        {"duplicate": 1, "malformed": 1},
    )
    # cat's reply now points at a message that is not there
    assert community.interactions.empty


def test_invalid_date_and_missing_sender(tmp_path):
    path = _edited(tmp_path, b"Wed, 3 Jan 2024 08:00:00 +0000", b"someday soon")
    with pytest.raises(SourceError) as caught:
        read_mbox(path)
    assert str(caught.value) == (
        "list.mbox:54: Date of message 5 must be an RFC 2822 date (got 'someday soon')"
    )
    path = _edited(tmp_path, b"From: Dan <dan@example.com>\n", b"From: Dan\n")
    with pytest.raises(SourceError) as caught:
        read_mbox(path)
    assert str(caught.value) == (
        "list.mbox:54: From of message 5 must hold an e-mail address (got none)"
    )


def test_invalid_utf8_header_is_decoded_as_latin1_and_counted(tmp_path):
    path = _edited(tmp_path, b"From: Dan <dan@", b"From: J\xe9r\xf4me <dan@")
    community = read_mbox(path)
    names = community.users.set_index("user_id")["display_name"]
    assert names[DAN] == "Jérôme"
    assert community.read_stats.notes[-1] == (
        "list.mbox: 1 message(s) had header bytes that are not UTF-8 and declare no charset; "
        "decoded as Latin-1"
    )


def test_wrong_format_forced():
    with pytest.raises(SourceError) as caught:
        influence.read(DATA / "discord" / "general.json", format="mbox")
    assert str(caught.value) == (
        "general.json:1: an mbox file must start with a 'From ' line (got text before the "
        "first message); force another format with --format NAME"
    )
    result = CliRunner().invoke(main, ["analyze", str(DATA / "slack"), "--format", "mbox"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "a folder of mbox files must hold one (got none)" in result.output


def test_cli_users_table_and_no_address_in_any_output(tmp_path):
    result = CliRunner().invoke(
        main, ["analyze", str(MBOX), "--format", "mbox", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str})
    # the rank order is the classifier's business: compare by user_id
    users = users.sort_values("user_id")
    assert users[["user_id", "display_name", "segment", "messages"]].to_dict("list") == {
        "user_id": [ANN, BJORN, DAN, CAT],
        "display_name": ["Ann Lee", "Björn", "Dan", "Cat Doe"],
        "segment": ["member"] * 4,
        "messages": [2, 1, 1, 1],
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report.html",
        "summary.json",
        "users.csv",
        "users.parquet",
    ]
    for name in ("users.csv", "summary.json", "report.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "@" not in text, name
        assert "example.org" not in text and "example.net" not in text, name
    json.loads((tmp_path / "summary.json").read_text())
    raw = (tmp_path / "users.parquet").read_bytes()
    assert not ADDRESS.search(raw) and b"example" not in raw
    frame = pd.read_parquet(tmp_path / "users.parquet")
    for column in frame.columns:
        assert not frame[column].astype(str).str.contains("@").any(), column


def test_copies_of_one_archive_in_a_folder_are_duplicates(tmp_path):
    shutil.copy(MBOX, tmp_path / "a.mbox")
    shutil.copy(MBOX, tmp_path / "b.mbox")
    community = read_mbox(tmp_path)
    assert len(community.messages) == 5
    assert _entries(community)[("b.mbox", "messages")] == (6, 0, {"duplicate": 6})
    np.testing.assert_array_equal(community.messages["text_length"], [28, 14, 8, 14, 17])
