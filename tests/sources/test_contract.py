"""One contract for every registered reader (influence.sources.FORMATS).

Each format has one small fixture: the hand-written files under
``tests/data/<format>/`` (and the shipped Stack Exchange sample). Every reader
is held to the same checks: canonical dtypes, unique message ids, read = kept
+ dropped, UTC times, interactions between known users, determinism,
detection, a clean SourceError when forced onto another format's files, and
the same tables through every container (.zip, .tar.gz, .7z, and .gz for a
single file).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import py7zr
import pytest

import influence
from influence.errors import SourceError
from influence.schema import INTERACTION_COLUMNS, MESSAGE_COLUMNS, USER_COLUMNS
from influence.sources import _REGISTRY, FORMATS, detect_format

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

#: One fixture per registered format: a folder or a single file.
FIXTURES = {
    "stackexchange": ROOT / "datasets" / "stackexchange-conlang-meta-2020",
    "reddit": DATA / "reddit" / "dump",
    "twitter": DATA / "twitter" / "v2.jsonl",
    "mastodon": DATA / "mastodon" / "export",
    "discourse": DATA / "discourse",
    "slack": DATA / "slack",
    "discord": DATA / "discord" / "general.json",
    "mbox": DATA / "mbox" / "list.mbox",
    "table": DATA / "table" / "posts.csv",
}
#: The generic reader, asked last by auto-detection: it may claim what it can parse.
GENERIC = "table"
CONTAINERS = (".zip", ".tar.gz", ".7z")


def _read(path: Path, format: str | None = None) -> influence.Community:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # data-quality warnings are tested per reader
        return influence.read(path, format=format)


_CACHE: dict[str, influence.Community] = {}


def _community(name: str) -> influence.Community:
    if name not in _CACHE:
        _CACHE[name] = _read(FIXTURES[name])
    return _CACHE[name]


def _files(fixture: Path) -> dict[str, bytes]:
    """Member name -> bytes: a folder's files relative to it, or the one file."""
    if fixture.is_file():
        return {fixture.name: fixture.read_bytes()}
    return {
        str(p.relative_to(fixture)): p.read_bytes()
        for p in sorted(fixture.rglob("*"))
        if p.is_file() and p.name != "SOURCE.md"
    }


def _pack(path: Path, files: dict[str, bytes]) -> Path:
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
            for member, data in files.items():
                bundle.writestr(member, data)
    elif path.name.endswith(".7z"):
        with py7zr.SevenZipFile(path, "w") as bundle:
            for member, data in files.items():
                bundle.writestr(data, member)
    else:
        with tarfile.open(path, "w:gz") as bundle:
            for member, data in files.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))
    return path


def test_every_registered_format_has_a_fixture():
    assert sorted(FIXTURES) == sorted(FORMATS)
    assert all(path.exists() for path in FIXTURES.values())


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_tables_are_canonical(name):
    community = _community(name)
    assert community.platform == ("table" if name == "table" else name)
    for frame, columns in (
        (community.messages, MESSAGE_COLUMNS),
        (community.interactions, INTERACTION_COLUMNS),
        (community.users, USER_COLUMNS),
    ):
        for column, dtype in columns.items():
            assert column in frame.columns, column
            assert str(frame[column].dtype) == str(pd.api.types.pandas_dtype(dtype)), column
    assert len(community.messages) > 0
    assert community.messages["message_id"].is_unique
    assert community.users["user_id"].is_unique


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_time_is_utc(name):
    community = _community(name)
    for frame in (community.messages, community.interactions, community.users):
        dtype = frame["created_at"].dtype
        assert isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"
    assert community.messages["created_at"].notna().all()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_read_is_kept_plus_dropped(name):
    entries = _community(name).read_stats.to_dict()["entries"]
    assert entries
    for entry in entries:
        assert entry["read"] == entry["kept"] + sum(entry["dropped"].values()), entry
        assert all(count > 0 for count in entry["dropped"].values()), entry


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_interactions_are_between_known_users(name):
    community = _community(name)
    known = set(community.users["user_id"])
    ends = set(community.interactions["source"]) | set(community.interactions["target"])
    assert ends <= known
    assert set(community.messages["author_id"].dropna()) <= known
    assert (community.interactions["source"] != community.interactions["target"]).all()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_reading_twice_gives_equal_tables(name):
    first, second = _community(name), _read(FIXTURES[name])
    pd.testing.assert_frame_equal(first.messages, second.messages)
    pd.testing.assert_frame_equal(first.interactions, second.interactions)
    pd.testing.assert_frame_equal(first.users, second.users)
    assert first.read_stats.to_dict() == second.read_stats.to_dict()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_sniff_and_detection_pick_the_format_and_only_it(name):
    path = FIXTURES[name]
    claimed = {other for other, fmt in _REGISTRY.items() if fmt.sniff(path)}
    assert name in claimed
    # only the generic table reader may also claim a specific format's file
    assert claimed - {name, GENERIC} == set()
    assert detect_format(path) == name


@pytest.mark.parametrize(
    ("forced", "name"),
    [(forced, name) for forced in sorted(FIXTURES) for name in sorted(FIXTURES) if forced != name],
)
def test_a_wrong_format_forced_is_a_source_error(forced, name):
    with pytest.raises(SourceError):
        _read(FIXTURES[name], format=forced)


#: Every fixture in every container; ``.gz`` holds a single file, so only single-file fixtures.
PACKED = [
    (name, suffix)
    for name, fixture in sorted(FIXTURES.items())
    for suffix in (*CONTAINERS, ".gz")
    if suffix != ".gz" or fixture.is_file()
]


@pytest.mark.parametrize(("name", "suffix"), PACKED)
def test_every_container_gives_the_same_tables(tmp_path, name, suffix):
    fixture = FIXTURES[name]
    if suffix == ".gz":
        packed = tmp_path / f"{fixture.name}.gz"
        packed.write_bytes(gzip.compress(fixture.read_bytes(), mtime=0))
    else:
        packed = _pack(tmp_path / f"{name}{suffix}", _files(fixture))
    assert detect_format(packed) == name
    plain, inside = _community(name), _read(packed)
    pd.testing.assert_frame_equal(plain.messages, inside.messages)
    pd.testing.assert_frame_equal(plain.interactions, inside.interactions)
    pd.testing.assert_frame_equal(plain.users, inside.users)
    assert _counts(plain) == _counts(inside)


def _counts(community: influence.Community) -> list[tuple]:
    """read_stats without the source names (an archive prefixes its own name)."""
    entries = community.read_stats.to_dict()["entries"]
    return sorted((e["table"], e["read"], e["kept"], sorted(e["dropped"].items())) for e in entries)
