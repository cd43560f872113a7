"""The Stack Exchange tables built on two threads equal the tables built on one.

``_parse_tables`` reads the posts (with the votes), the users (with the
badges), the post history and the comments' own rows side by side
(``run_together``), each step counting in its own ``ReadStats`` merged in the
order the files are read alone: the tables, the counts, the notes, the
warning and the first error must not depend on the number of threads.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest

from influence._parallel import THREADS_VARIABLE
from influence.community import ReadStats
from influence.errors import SourceError
from influence.sources.stackexchange import parse_stackexchange, read_stackexchange

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
DUMPS = ["stackexchange-cardano-2021", "stackexchange-conlang-meta-2020"]
WHEN = "2021-01-01T00:00:00.000"


def _read(path, threads: str, monkeypatch, **options):
    monkeypatch.setenv(THREADS_VARIABLE, threads)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        community = read_stackexchange(path, sentiment=False, **options)
    return community, [str(w.message) for w in caught]


@pytest.mark.parametrize("dump", DUMPS)
def test_tables_on_two_threads_equal_the_tables_on_one(dump, monkeypatch):
    before = threading.active_count()
    alone, _ = _read(DATASETS / dump, "1", monkeypatch)
    together, _ = _read(DATASETS / dump, "2", monkeypatch)
    for table in ("messages", "interactions", "users"):
        pd.testing.assert_frame_equal(
            getattr(alone, table), getattr(together, table), check_exact=True
        )
    assert together.read_stats.to_dict() == alone.read_stats.to_dict()
    assert together.read_stats.notes == alone.read_stats.notes
    assert threading.active_count() == before  # no thread left: the next read may fork


def _xml(folder: Path, name: str, rows: list[str]) -> None:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f"<{name.lower()}>"]
    lines += [f"  <row {row} />" for row in rows]
    (folder / f"{name}.xml").write_text("\n".join([*lines, f"</{name.lower()}>", ""]))


#: Per file in reading order: its good rows and one bad record (always on line 4).
ROWS = {
    "Posts": (
        [
            f'Id="1" PostTypeId="1" CreationDate="{WHEN}" OwnerUserId="7" Tags="|ada|"',
            f'Id="3" PostTypeId="2" ParentId="1" CreationDate="{WHEN}" OwnerUserId="8"',
        ],
        'Id="2" PostTypeId="2" ParentId="1" CreationDate="soon" OwnerUserId="8"',
    ),
    "Users": (
        [f'Id="7" DisplayName="Ann" CreationDate="{WHEN}"', 'Id="8" DisplayName="Bob"'],
        'DisplayName="nobody"',
    ),
    "Badges": (
        [f'Id="1" UserId="7" Name="Nice" Date="{WHEN}"', f'Id="3" UserId="8" Date="{WHEN}"'],
        'Id="2" Name="Lost" Date="x"',
    ),
    "PostHistory": (
        [
            f'Id="1" PostHistoryTypeId="5" PostId="1" UserId="8" CreationDate="{WHEN}"',
            f'Id="3" PostHistoryTypeId="2" PostId="3" UserId="8" CreationDate="{WHEN}"',
        ],
        'Id="2" PostHistoryTypeId="five" PostId="1" UserId="8" CreationDate="x"',
    ),
    "Comments": (
        [
            f'Id="10" PostId="1" CreationDate="{WHEN}" UserId="8" Text="@ann why?"',
            f'Id="12" PostId="3" CreationDate="{WHEN}" UserId="7" Text="thanks"',
        ],
        'Id="11" CreationDate="never" UserId="7" Text="@bob"',
    ),
}


def _write(folder: Path, bad: set[str]) -> Path:
    for name, (good, wrong) in ROWS.items():
        rows = [good[0], wrong, *good[1:]] if name in bad else good
        _xml(folder, name, rows)
    return folder


@pytest.fixture
def bad_dump(tmp_path):
    """Every file has one bad record (line 4)."""
    return _write(tmp_path, set(ROWS))


def test_the_first_error_in_reading_order_is_raised_whatever_the_threads(tmp_path, monkeypatch):
    # the bad files from the last one read to all of them: the first one read names the error
    names = list(ROWS)
    for first in range(len(names) - 1, -1, -1):
        _write(tmp_path, set(names[first:]))
        messages = []
        for threads in ("1", "2"):
            monkeypatch.setenv(THREADS_VARIABLE, threads)
            with pytest.raises(SourceError) as raised:
                read_stackexchange(tmp_path, sentiment=False)
            messages.append(str(raised.value))
        assert messages[0].startswith(f"{names[first]}.xml:4: ")
        assert messages[1] == messages[0]


def test_skipped_records_are_counted_and_noted_in_reading_order(bad_dump, monkeypatch):
    alone, warned_alone = _read(bad_dump, "1", monkeypatch, on_error="skip")
    together, warned_together = _read(bad_dump, "2", monkeypatch, on_error="skip")
    stats = together.read_stats
    assert stats.to_dict() == alone.read_stats.to_dict()
    assert stats.notes == alone.read_stats.notes
    assert warned_together == warned_alone and len(warned_together) == 1
    # one note per file with a bad record, in the order the files are read alone
    skipped = [note.split(":")[0] for note in stats.notes if "bad record" in note]
    assert skipped == ["Posts.xml", "Users.xml", "Badges.xml", "PostHistory.xml", "Comments.xml"]
    assert [s for s, table in stats._entries if table != "interactions"] == [
        "Posts.xml",
        "Users.xml",
        "Badges.xml",
        "PostHistory.xml",
        "Comments.xml",
        "Comments.xml",
    ]
    assert stats.dropped("messages") == {"malformed": 2}
    pd.testing.assert_frame_equal(together.messages, alone.messages, check_exact=True)
    assert together.messages["message_id"].tolist() == ["1", "3", "c10", "c12"]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_mentions_after_a_comment_on_a_skipped_post_find_their_comment(threads, monkeypatch):
    # the comment on the tag wiki (post 2) is dropped after its @name was read:
    # the tokens of the comments after it move up one row with them
    monkeypatch.setenv(THREADS_VARIABLE, threads)
    tables = {
        "Posts": {
            "Id": ["1", "2"],
            "PostTypeId": ["1", "4"],
            "ParentId": [None, None],
            "CreationDate": ["2021-01-01T00:00:00.000"] * 2,
            "OwnerUserId": ["7", "9"],
            "Tags": ["|ada|", None],
        },
        "Users": {"Id": ["7", "8", "9"], "DisplayName": ["Ann", "Bob", "Zed"]},
        "Comments": {
            "Id": ["10", "11", "12"],
            "PostId": ["2", "1", "1"],
            "CreationDate": [f"2021-01-0{day}T00:00:00.000" for day in (2, 3, 4)],
            "UserId": ["8", "8", "7"],
            "Text": ["@zed wiki", "@ann why?", "@bob because"],
        },
    }
    stats = ReadStats()
    messages, links, _users = parse_stackexchange(tables, stats=stats)
    mentions = links.loc[links["kind"] == "mention", ["source_message_id", "target"]]
    assert mentions.to_dict("records") == [
        {"source_message_id": "c11", "target": "7"},
        {"source_message_id": "c12", "target": "8"},
    ]
    assert messages["message_id"].tolist() == ["1", "c11", "c12"]
    assert stats.dropped("messages") == {"not_conversation": 2}
    assert stats.total("mentions") == {"read": 2, "kept": 2, "dropped": 0}
