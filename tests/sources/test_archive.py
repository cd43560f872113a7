"""Archives: every container reads like the plain folder or file; hostile archives are refused.

Every archive is built inside ``tmp_path`` by the test that uses it, from the
small Stack Exchange dump and message table below (written by hand from the
formats' documentation). The last section holds the "nothing lost" property
tests of the Stack Exchange and table readers, read plain and through a zip.
"""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import warnings
import zipfile
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import quoteattr

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import influence
from influence.cli import main
from influence.errors import (
    EmptyCommunityError,
    InfluenceDataWarning,
    SourceError,
    UnknownFormatError,
)
from influence.sources import _archive, detect_format
from influence.sources._archive import ExtractLimits, archive_kind, archive_stem, extract

py7zr = pytest.importorskip("py7zr")
zstandard = pytest.importorskip("zstandard")

# --------------------------------------------------------------------------- fixtures

POSTS = b"""<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="3" CreationDate="2021-03-01T10:00:00.000"
       Score="5" OwnerUserId="10" Tags="&lt;grammar&gt;" Body="&lt;p&gt;How?&lt;/p&gt;" />
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-03-01T11:00:00.000" Score="1"
       OwnerUserId="11" Body="Like this." />
  <row Id="3" PostTypeId="2" ParentId="1" CreationDate="2021-03-01T12:00:00.000" Score="3"
       OwnerUserId="12" Body="Or so." />
  <row Id="4" PostTypeId="1" CreationDate="2021-03-02T09:00:00.000" Score="0"
       OwnerUserId="11" Tags="&lt;phonology&gt;" Body="Why?" />
  <row Id="5" PostTypeId="2" ParentId="4" CreationDate="2021-03-02T10:00:00.000" Score="2"
       OwnerUserId="10" Body="Because." />
</posts>
"""
COMMENTS = b"""<?xml version="1.0" encoding="utf-8"?>
<comments>
  <row Id="20" PostId="2" Score="0" Text="Thanks @Bob" CreationDate="2021-03-01T11:30:00.000"
       UserId="12" />
  <row Id="21" PostId="5" Score="0" Text="Nice" CreationDate="2021-03-02T11:00:00.000"
       UserId="11" />
</comments>
"""
USERS = b"""<?xml version="1.0" encoding="utf-8"?>
<users>
  <row Id="-1" DisplayName="Community" CreationDate="2021-01-01T00:00:00.000" Reputation="1" />
  <row Id="10" DisplayName="Ann" CreationDate="2021-01-02T00:00:00.000" Reputation="101" />
  <row Id="11" DisplayName="Bob" CreationDate="2021-01-03T00:00:00.000" Reputation="11" />
  <row Id="12" DisplayName="Cid" CreationDate="2021-01-04T00:00:00.000" Reputation="15" />
</users>
"""
DUMP = {"Posts.xml": POSTS, "Comments.xml": COMMENTS, "Users.xml": USERS}

TABLE = (
    b"message_id,author_id,created_at,parent_id\n"
    b"1,ann,2024-01-01T00:00:00Z,\n"
    b"2,bob,2024-01-01T01:00:00Z,1\n"
    b"3,ann,2024-01-01T02:00:00Z,2\n"
    b"4,cid,2024-01-01T03:00:00Z,1\n"
)

CONTAINERS = ["zip", "tar", "tar.gz", "tgz", "tar.bz2", "tar.xz", "tar.zst", "7z"]


def _tar_bytes(files: dict[str, bytes], compression: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:" + compression) as bundle:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _pack(path: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (member name -> bytes) as the archive ``path``, by its suffix."""
    name = path.name
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
            for member, data in files.items():
                bundle.writestr(member, data)
    elif name.endswith(".7z"):
        with py7zr.SevenZipFile(path, "w") as bundle:
            for member, data in files.items():
                bundle.writestr(data, member)
    elif name.endswith(".tar.zst"):
        path.write_bytes(zstandard.ZstdCompressor().compress(_tar_bytes(files)))
    else:
        compression = {".tar": "", ".tgz": "gz", ".gz": "gz", ".bz2": "bz2", ".xz": "xz"}
        path.write_bytes(_tar_bytes(files, compression[Path(name).suffix]))
    return path


def _plain(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _same_tables(left, right) -> None:
    pd.testing.assert_frame_equal(left.messages, right.messages)
    pd.testing.assert_frame_equal(left.interactions, right.interactions)
    pd.testing.assert_frame_equal(left.users, right.users)


def _sources(community) -> list[str]:
    return sorted(
        (entry["source"], entry["table"]) for entry in community.read_stats.to_dict()["entries"]
    )


def _raises(path, message: str, error=SourceError):
    """Reading ``path`` raises exactly ``error`` with exactly ``str(err) == message``."""
    with pytest.raises(error) as caught:
        influence.read(path)
    assert type(caught.value) is error
    assert str(caught.value) == message
    return caught.value


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Make tempfile extract under a folder the test can inspect afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


# --------------------------------------------------------------------------- every container


def test_the_fixture_dump_reads_as_worked_out_by_hand(tmp_path):
    community = influence.read(_plain(tmp_path / "dump", DUMP))
    # 5 posts + 2 comments; replies 2->1 (11->10), 3->1 (12->10), 5->4 (10->11),
    # comment 20 on post 2 (12->11), comment 21 on post 5 (11->10); accept of answer 3
    # by the asker (10->12); "@Bob" in comment 20 resolves to the owner of post 2 (12->11).
    assert len(community.messages) == 7
    pairs = sorted(
        zip(
            community.interactions["source"],
            community.interactions["target"],
            community.interactions["kind"].astype(str),
            strict=True,
        )
    )
    assert pairs == [
        ("10", "11", "reply"),
        ("10", "12", "accept"),
        ("11", "10", "reply"),
        ("11", "10", "reply"),
        ("12", "10", "reply"),
        ("12", "11", "mention"),
        ("12", "11", "reply"),
    ]


@pytest.mark.parametrize("kind", CONTAINERS)
@pytest.mark.parametrize("top", ["", "site/"], ids=["flat", "folder"])
def test_a_stackexchange_dump_in_each_container_reads_like_the_folder(tmp_path, kind, top):
    plain = influence.read(_plain(tmp_path / "site", DUMP))
    archive = _pack(tmp_path / f"site.{kind}", {top + n: d for n, d in DUMP.items()})
    community = influence.read(archive)
    _same_tables(community, plain)
    assert community.platform == "stackexchange"
    assert community.name == "site"
    # the sources name the member inside the archive; the derived table keeps its name
    assert _sources(community) == sorted(
        (f"{archive}:{top}{source}" if source != "(derived)" else source, table)
        for source, table in _sources(plain)
    )
    assert detect_format(archive) == "stackexchange"


@pytest.mark.parametrize("kind", CONTAINERS)
def test_a_table_in_each_container_reads_like_the_file(tmp_path, kind):
    plain = influence.read(_plain(tmp_path / "plain", {"posts.csv": TABLE}) / "posts.csv")
    archive = _pack(tmp_path / f"export.{kind}", {"posts.csv": TABLE})
    community = influence.read(archive)
    _same_tables(community, plain)
    # bob->ann, ann->bob, cid->ann
    assert len(community.interactions) == 3
    assert community.name == "export"
    assert _sources(community) == [
        ("(derived)", "interactions"),
        (f"{archive}:posts.csv", "messages"),
    ]
    assert detect_format(archive) == "table"


def test_format_and_mapping_pass_through_to_the_archive_contents(tmp_path):
    renamed = TABLE.replace(b"author_id", b"author")
    archive = _pack(tmp_path / "export.zip", {"data/posts.csv": renamed})
    community = influence.read(archive, format="table", mapping={"author_id": "author"})
    assert len(community.interactions) == 3


def test_archives_are_recognised_by_content_when_the_name_does_not_say(tmp_path):
    zipped = _pack(tmp_path / "export.zip", {"posts.csv": TABLE})
    disguised = zipped.rename(tmp_path / "export.bin")
    tarred = tmp_path / "dump.gz"  # a tar, gzipped, without ".tar" in the name
    tarred.write_bytes(_tar_bytes(DUMP, "gz"))
    plain_gz = tmp_path / "Posts.xml.gz"  # a plain compressed file is no archive
    plain_gz.write_bytes(gzip.compress(POSTS))
    assert [archive_kind(p) for p in (disguised, tarred, plain_gz)] == ["zip", "tar", None]
    assert len(influence.read(disguised).interactions) == 3
    assert len(influence.read(tarred).messages) == 7


def test_archive_stem():
    assert archive_stem("a/conlang.meta.stackexchange.com.7z") == ("conlang.meta.stackexchange.com")
    assert [archive_stem(n) for n in ("x.tar.gz", "x.TGZ", "x.tar.zst", "x.bin", ".zip")] == [
        "x",
        "x",
        "x",
        "x",
        "archive",
    ]


def test_the_real_sample_reads_the_same_from_its_7z(tmp_path):
    folder = Path(__file__).resolve().parents[2] / "datasets" / "stackexchange-conlang-meta-2020"
    archive = tmp_path / "conlang.meta.stackexchange.com.7z"
    with py7zr.SevenZipFile(archive, "w") as bundle:
        for file in sorted(folder.glob("*.xml")):
            bundle.write(file, file.name)
    community = influence.read(archive)
    _same_tables(community, influence.read(folder))
    # the counts of the reader's own doctest: 54 questions, 115 answers, 230 comments
    assert len(community.messages) == 399
    assert community.name == "conlang.meta.stackexchange.com"


# --------------------------------------------------------------------------- naming members


def test_reader_errors_name_the_archive_and_the_member(tmp_path):
    bad = POSTS.replace(b'<row Id="4" PostTypeId="1"', b'<row Id="4" PostTypeId="one"')
    flat = _pack(tmp_path / "site.7z", {**DUMP, "Posts.xml": bad})
    nested = _pack(tmp_path / "site.zip", {f"site/{n}": d for n, d in {**DUMP}.items()})
    _pack(nested, {"site/Posts.xml": bad, "site/Users.xml": USERS})
    # line 9 of POSTS is the row with Id 4
    message = "PostTypeId must be an integer (got 'one')"
    error = _raises(flat, f"{flat}:Posts.xml:9: {message}")
    assert (error.path, error.line) == (f"{flat}:Posts.xml", 9)
    _raises(nested, f"{nested}:site/Posts.xml:9: {message}")


def test_table_errors_and_warnings_name_the_member_not_the_temporary_folder(tmp_path):
    bad = TABLE + b"5,dan,yesterday,1\n"
    archive = _pack(tmp_path / "export.tar.gz", {"posts.csv": bad})
    # the header is line 1, so the sixth data line is line 6
    with pytest.raises(SourceError, match=r"^\S+export\.tar\.gz:posts\.csv:6: created_at must"):
        influence.read(archive)
    with pytest.warns(InfluenceDataWarning, match=r"\(posts\.csv: 1 malformed\)"):
        community = influence.read(archive, on_error="skip")
    assert community.read_stats.dropped("messages") == {"malformed": 1}
    # messages 5 and 6 reply to each other: the reader warns about the loop
    looping = TABLE + b"5,dan,2024-01-02T00:00:00Z,6\n6,eve,2024-01-02T01:00:00Z,5\n"
    archive = _pack(tmp_path / "loops.zip", {"posts.csv": looping})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        community = influence.read(archive)
    texts = [str(w.message) for w in caught] + community.read_stats.notes
    assert any("loops" in text for text in texts)
    assert all(str(tmp_path) not in t and "influence-" not in t for t in texts)


def test_the_xml_bomb_is_refused_through_influence_read(tmp_path):
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE posts [\n <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        b'<posts><row Id="1" PostTypeId="1" CreationDate="2021-01-01T00:00:00" Body="&lol3;" />'
        b"</posts>"
    )
    folder = _plain(tmp_path / "dump", {"Posts.xml": laughs})
    refused = "XML must not declare entities (got <!ENTITY lol ...>)"
    _raises(folder, f"Posts.xml:3: {refused}")
    archive = _pack(tmp_path / "dump.zip", {"Posts.xml": laughs})
    _raises(archive, f"{archive}:Posts.xml:3: {refused}")


def test_the_cli_names_the_member_in_its_one_line_error(tmp_path):
    archive = _pack(tmp_path / "export.zip", {"posts.csv": TABLE + b"5,dan,yesterday,1\n"})
    result = CliRunner().invoke(main, ["analyze", str(archive), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {archive}:posts.csv:6: created_at must be ")
    assert "Traceback" not in result.output


def test_the_temporary_folder_is_removed_after_reading_and_after_an_error(tmp_path, private_tmp):
    archive = _pack(tmp_path / "export.zip", {"posts.csv": TABLE})
    influence.read(archive)
    detect_format(archive)
    assert list(private_tmp.iterdir()) == []
    _pack(archive, {"posts.csv": TABLE + b"5,dan,yesterday,1\n"})
    with pytest.raises(SourceError):
        influence.read(archive)
    assert list(private_tmp.iterdir()) == []
    with extract(archive) as inner:
        assert inner.root.parent.parent == private_tmp.resolve()
        assert stat.S_IMODE(inner.root.parent.stat().st_mode) == 0o700  # private to the user
    assert list(private_tmp.iterdir()) == []


# --------------------------------------------------------------------------- hostile archives


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "a/../../outside.csv", "..\\..\\outside.csv", "C:/x.csv"],
)
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_members_escaping_the_archive_are_refused(tmp_path, private_tmp, name, kind):
    archive = _pack(tmp_path / f"slip.{kind}", {"posts.csv": TABLE, name: b"owned\n"})
    _raises(archive, f"{archive}: archive member must stay inside the archive (got {name!r})")
    assert not (tmp_path / "outside.csv").exists()
    assert list(private_tmp.iterdir()) == []


def _tar_with(tmp_path: Path, member: tarfile.TarInfo) -> Path:
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as bundle:
        ok = tarfile.TarInfo("dump/posts.csv")
        ok.size = len(TABLE)
        bundle.addfile(ok, io.BytesIO(TABLE))
        bundle.addfile(member)
    return path


_SPECIAL = "must be a regular file or folder (got 'dump/x', a device or FIFO)"


@pytest.mark.parametrize(
    ("type_", "link", "expected"),
    [
        (tarfile.SYMTYPE, "/etc/passwd", "must not be a symbolic link (got 'dump/x' -> "
         "'/etc/passwd')"),
        (tarfile.LNKTYPE, "dump/posts.csv", "must not be a hard link (got 'dump/x' -> "
         "'dump/posts.csv')"),
        (tarfile.CHRTYPE, "", _SPECIAL),
        (tarfile.FIFOTYPE, "", _SPECIAL),
    ],
    ids=["symlink", "hardlink", "device", "fifo"],
)  # fmt: skip
def test_tar_links_and_special_files_are_refused(tmp_path, private_tmp, type_, link, expected):
    member = tarfile.TarInfo("dump/x")
    member.type = type_
    member.linkname = link
    archive = _tar_with(tmp_path, member)
    _raises(archive, f"{archive}: archive member {expected}")
    assert list(private_tmp.iterdir()) == []


def test_zip_symlinks_are_refused(tmp_path):
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("posts.csv", TABLE)
        info = zipfile.ZipInfo("evil")
        info.create_system = 3  # Unix: the high 16 bits of external_attr are st_mode
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(info, "/etc/passwd")
    _raises(archive, f"{archive}: archive member must not be a symbolic link (got 'evil')")


def test_7z_symlinks_are_refused(tmp_path):
    source = _plain(tmp_path / "src", {"posts.csv": TABLE})
    (source / "evil").symlink_to("/etc/passwd")
    archive = tmp_path / "links.7z"
    with py7zr.SevenZipFile(archive, "w", dereference=False) as bundle:
        bundle.write(source / "posts.csv", "posts.csv")
        bundle.write(source / "evil", "evil")
    _raises(archive, f"{archive}: archive member must not be a symbolic link (got 'evil')")


class _SpyBudget(_archive._Budget):
    """Remembers every budget, to check how much was written when a bomb was stopped."""

    made: ClassVar[list] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _SpyBudget.made.append(self)


@pytest.fixture
def spy(monkeypatch):
    _SpyBudget.made = []
    monkeypatch.setattr(_archive, "_Budget", _SpyBudget)
    return _SpyBudget.made


ZEROS = bytes(20 << 20)  # 20 MiB of zeros: a deflated zip holds it in about 20 KiB


def test_a_zip_bomb_is_refused_from_its_headers_before_writing(tmp_path, monkeypatch, spy):
    monkeypatch.setenv("INFLUENCE_MAX_EXTRACT_BYTES", "4M")
    archive = _pack(tmp_path / "bomb.zip", {"posts.csv": TABLE, "zeros.bin": ZEROS})
    assert archive.stat().st_size < 100_000
    declared = len(TABLE) + len(ZEROS)
    _raises(
        archive,
        f"{archive}: archive must uncompress to at most 4194304 bytes (got {declared} declared "
        "by its headers); set INFLUENCE_MAX_EXTRACT_BYTES to raise the limit",
    )
    assert spy[0].written == 0


def test_a_zip_whose_headers_understate_a_member_is_refused(tmp_path, monkeypatch):
    # the headers claim 1000 bytes; the data holds 20 MiB. zipfile stops at the
    # declared size, and the CRC (of the 20 MiB) then fails: nothing more is written.
    archive = _pack(tmp_path / "liar.zip", {"zeros.bin": ZEROS})
    data = bytearray(archive.read_bytes())
    size = len(ZEROS).to_bytes(4, "little")
    for offset in _find_all(data, size):
        data[offset : offset + 4] = (1000).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(SourceError) as caught:
        influence.read(archive)
    assert str(caught.value) == (
        f"{archive}: archive must be a valid ZIP archive (got BadZipFile at member "
        "'zeros.bin': Bad CRC-32 for file 'zeros.bin')"
    )


def _find_all(data: bytearray, needle: bytes) -> list[int]:
    found, start = [], 0
    while (at := data.find(needle, start)) >= 0:
        found.append(at)
        start = at + 1
    return found


@pytest.mark.parametrize("kind", ["tar.xz", "7z"])
def test_a_stream_bomb_is_stopped_while_writing(tmp_path, spy, kind):
    # 20 MiB of zeros compress to a few KiB with xz and LZMA2: far beyond 1000:1.
    # Nothing in a tar header gives the compressed size, so the ratio is checked
    # while writing; writing stops just past the 1 MiB floor, at most a chunk later.
    archive = _pack(tmp_path / f"bomb.{kind}", {"dump/zeros.bin": ZEROS})
    assert archive.stat().st_size < 20_000
    _raises(
        archive,
        f"{archive}: archive member must uncompress to at most 1000 times its compressed "
        "size (got more for 'dump/zeros.bin', a likely decompression bomb); set "
        "INFLUENCE_MAX_EXTRACT_RATIO to raise the limit",
    )
    if kind == "7z":  # py7zr hands over blocks of up to 128 MB: this one in one go
        assert spy[0].written < len(ZEROS)
    else:
        assert (1 << 20) <= spy[0].written <= (1 << 20) + _archive.CHUNK_BYTES


def test_a_zip_member_past_the_ratio_is_refused_from_its_headers(tmp_path, spy):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_LZMA) as bundle:
        bundle.writestr("zeros.bin", ZEROS)
    _raises(
        archive,
        f"{archive}: archive member must uncompress to at most 1000 times its compressed "
        "size (got more for 'zeros.bin', a likely decompression bomb); set "
        "INFLUENCE_MAX_EXTRACT_RATIO to raise the limit",
    )
    assert spy[0].written == 0


def test_the_ratio_limit_can_be_raised(tmp_path, monkeypatch):
    archive = _pack(tmp_path / "zeros.tar.xz", {"posts.csv": TABLE, "zeros.bin": ZEROS})
    monkeypatch.setenv("INFLUENCE_MAX_EXTRACT_RATIO", "1000000")
    # extracted fine; the folder holds a CSV and an unknown file: nothing is recognised
    with pytest.raises(UnknownFormatError, match=r"^\S+zeros\.tar\.xz: format must be one of"):
        influence.read(archive)


def test_a_tar_past_the_total_limit_is_stopped_at_the_member(tmp_path, monkeypatch, spy):
    monkeypatch.setenv("INFLUENCE_MAX_EXTRACT_BYTES", "5MiB")
    chunk = bytes(2 << 20)
    files = {"a.bin": chunk, "b.bin": chunk, "c.bin": chunk}
    archive = _pack(tmp_path / "big.tar.gz", files)
    _raises(
        archive,
        f"{archive}: archive must uncompress to at most 5242880 bytes (got more than 5242880 "
        "at member 'c.bin'); set INFLUENCE_MAX_EXTRACT_BYTES to raise the limit",
    )
    assert spy[0].written == 4 << 20  # a.bin and b.bin, nothing of c.bin


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUENCE_MAX_EXTRACT_MEMBERS", "3")
    archive = _pack(tmp_path / "many.zip", {f"f{i}.csv": TABLE for i in range(5)})
    _raises(
        archive,
        f"{archive}: archive must hold at most 3 members (got more, up to 'f3.csv'); "
        "set INFLUENCE_MAX_EXTRACT_MEMBERS to raise the limit",
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("INFLUENCE_MAX_EXTRACT_BYTES", "lots", "a byte count such as 100000000000 or 100G"),
        ("INFLUENCE_MAX_EXTRACT_BYTES", "0", "a byte count such as 100000000000 or 100G"),
        ("INFLUENCE_MAX_EXTRACT_RATIO", "-5", "a positive number"),
    ],
)
def test_bad_limit_variables_are_refused(tmp_path, monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    archive = _pack(tmp_path / "export.zip", {"posts.csv": TABLE})
    _raises(archive, f"{archive}: {variable} must be {expected} (got {value!r})")


def test_limits_read_units():
    limits = ExtractLimits.from_environment(
        {
            "INFLUENCE_MAX_EXTRACT_BYTES": "512MiB",
            "INFLUENCE_MAX_EXTRACT_RATIO": "50",
            "INFLUENCE_MAX_EXTRACT_MEMBERS": "7",
        }
    )
    assert (limits.max_bytes, limits.max_ratio, limits.max_members) == (512 << 20, 50.0, 7)
    assert (
        ExtractLimits.from_environment({"INFLUENCE_MAX_EXTRACT_BYTES": "1t"}).max_bytes == 1 << 40
    )


def test_encrypted_members_are_refused(tmp_path):
    archive = _pack(tmp_path / "secret.zip", {"posts.csv": TABLE})
    data = bytearray(archive.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + flag_at
        data[at] |= 0x01  # general purpose bit 0: encrypted
    archive.write_bytes(bytes(data))
    _raises(archive, f"{archive}: archive member must not be encrypted (got 'posts.csv')")

    locked = tmp_path / "secret.7z"
    with py7zr.SevenZipFile(locked, "w", password="hunter2", header_encryption=True) as bundle:
        bundle.writestr(TABLE, "posts.csv")
    with pytest.raises(SourceError, match=r"^\S+secret\.7z: archive must "):
        influence.read(locked)


# --------------------------------------------------------------------------- broken archives


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("junk.zip", "archive must be a valid ZIP archive (got BadZipFile: File is not a zip "
         "file)"),
        ("junk.tar.gz", "archive must be a valid tar archive (got ReadError: invalid header)"),
        ("junk.7z", "archive must be a valid 7z archive (got Bad7zFile: not a 7z file)"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_archive_is_refused(tmp_path, name, expected):
    path = tmp_path / name
    path.write_bytes(b"this is not an archive at all\n" * 20)
    _raises(path, f"{path}: {expected}")


@pytest.mark.parametrize("kind", ["zip", "tar.gz", "tar.xz", "tar.zst", "7z"])
def test_a_truncated_archive_is_refused_naming_it(tmp_path, private_tmp, kind):
    archive = _pack(tmp_path / f"site.{kind}", {n: d * 20 for n, d in DUMP.items()})
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(SourceError) as caught:
        influence.read(archive)
    assert type(caught.value) is SourceError
    assert str(caught.value).startswith(f"{archive}: archive must be a valid ")
    assert list(private_tmp.iterdir()) == []


def test_corrupt_member_data_names_the_member(tmp_path):
    archive = _pack(tmp_path / "site.zip", {"Posts.xml": POSTS * 20})
    data = bytearray(archive.read_bytes())
    start = data.find(b"Posts.xml") + len("Posts.xml") + 40
    data[start : start + 64] = bytes(64)
    archive.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=r"^\S+site\.zip: archive must be a valid ZIP archive "
                       r"\(got \w+ at member 'Posts\.xml': "):  # fmt: skip
        influence.read(archive)


@pytest.mark.parametrize("kind", ["zip", "tar", "7z"])
def test_an_empty_archive_is_refused(tmp_path, kind):
    archive = _pack(tmp_path / f"empty.{kind}", {})
    _raises(archive, f"{archive}: archive must contain at least one file (got none)")


def test_an_archive_of_folders_and_mac_metadata_only_is_empty(tmp_path):
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("dump/", b"")
        bundle.writestr("__MACOSX/dump/._posts.csv", b"\x00\x05\x16\x07")
        bundle.writestr("dump/.DS_Store", b"\x00\x00\x00\x01Bud1")
    _raises(archive, f"{archive}: archive must contain at least one file (got none)")


def test_mac_metadata_does_not_hide_the_single_file(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("posts.csv", TABLE)
        bundle.writestr("__MACOSX/._posts.csv", b"\x00\x05\x16\x07")
    assert len(influence.read(archive).interactions) == 3


def test_an_archive_with_nothing_recognisable_lists_the_formats(tmp_path):
    archive = _pack(tmp_path / "photos.zip", {"notes.txt": b"hello\n", "cat.png": b"\x89PNG"})
    with pytest.raises(UnknownFormatError) as caught:
        influence.read(archive)
    error = caught.value
    assert error.path == str(archive)
    assert error.reason.startswith("format must be one of [")
    assert "'stackexchange'" in error.reason and "'table'" in error.reason
    assert error.reason.endswith("(got none recognised); force one with --format NAME")
    with pytest.raises(UnknownFormatError):
        detect_format(archive)


def test_an_archive_holding_only_another_archive_is_refused(tmp_path):
    inner = _pack(tmp_path / "inner.zip", {"posts.csv": TABLE})
    outer = _pack(tmp_path / "outer.tar.gz", {"export/inner.zip": inner.read_bytes()})
    _raises(
        outer,
        f"{outer}: archive must not hold just another archive (got 'export/inner.zip'); "
        "extract the outer one first",
    )


def test_a_missing_archive_says_so(tmp_path):
    _raises(tmp_path / "gone.zip", f"{tmp_path / 'gone.zip'}: path must exist (got no such "
            "file or folder)")  # fmt: skip


# --------------------------------------------------------------------------- nothing lost

_IDS = st.sampled_from(["1", "2", "3", "4", "x", "", "007"])
_TIMES = st.sampled_from(
    ["2024-01-01T00:00:00Z", "2024-01-02T10:00:00", "1704067200", "", "yesterday", "2024-13-01"]
)
_USERS = st.sampled_from(["ann", "bob", "cid", ""])


@st.composite
def _csv_tables(draw) -> bytes:
    rows = draw(
        st.lists(st.tuples(_IDS, _USERS, _TIMES, _IDS, st.booleans()), min_size=1, max_size=8)
    )
    lines = ["message_id,author_id,created_at,parent_id"]
    for message_id, author, when, parent, _ in rows:
        lines.append(",".join((message_id, author, when, parent)))
    return ("\n".join(lines) + "\n").encode()


def _check_adds_up(community, files: dict[str, int]) -> None:
    """Every entry adds up; each input file's rows were all read; kept rows are the tables."""
    entries = community.read_stats.to_dict()["entries"]
    for entry in entries:
        assert entry["read"] == entry["kept"] + sum(entry["dropped"].values()), entry
    for source, rows in files.items():
        read = [e["read"] for e in entries if e["source"] == source and e["table"] == "messages"]
        assert read == [rows], (source, entries)
    kept = sum(e["kept"] for e in entries if e["table"] == "messages")
    assert kept == len(community.messages)
    derived = [e for e in entries if e["source"] == "(derived)" and e["table"] == "interactions"]
    assert [e["kept"] for e in derived] == [len(community.interactions)]


def _read_quietly(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return influence.read(path, on_error="skip")


_PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_PROPERTY
@given(table=_csv_tables())
def test_table_read_stats_add_up_plain_and_zipped(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("table")
    plain = folder / "posts.csv"
    plain.write_bytes(table)
    archive = _pack(folder / "posts.zip", {"posts.csv": table})
    rows = table.count(b"\n") - 1
    try:
        community = _read_quietly(plain)
    except (SourceError, EmptyCommunityError) as err:
        # a skip-mode read may still refuse a file as a whole (e.g. nothing left),
        # and then the archive says the same, naming its member
        with pytest.raises(type(err)) as caught:
            _read_quietly(archive)
        assert caught.value.reason == err.reason
        return
    _check_adds_up(community, {plain.name: rows})
    zipped = _read_quietly(archive)
    _check_adds_up(zipped, {f"{archive}:posts.csv": rows})
    _same_tables(zipped, community)


_POST_TYPES = st.sampled_from(["1", "2", "5", "x", None])


@st.composite
def _dumps(draw) -> tuple[bytes, bytes, int, int]:
    posts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "Id": st.one_of(_IDS, st.none()),
                    "PostTypeId": _POST_TYPES,
                    "ParentId": st.one_of(_IDS, st.none()),
                    "CreationDate": st.one_of(_TIMES, st.none()),
                    "OwnerUserId": st.sampled_from(["10", "11", "12", None, "-1"]),
                }
            ),
            min_size=1,
            max_size=8,
        )
    )
    comments = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "Id": st.one_of(_IDS, st.none()),
                    "PostId": st.one_of(_IDS, st.none()),
                    "CreationDate": st.one_of(_TIMES, st.none()),
                    "UserId": st.sampled_from(["10", "11", None]),
                    "Text": st.sampled_from(["ok", "@Ann thanks", "@bo", ""]),
                }
            ),
            max_size=6,
        )
    )

    def xml(root: str, rows: list[dict]) -> bytes:
        lines = [f"<{root}>"]
        for row in rows:
            attributes = " ".join(
                f"{key}={quoteattr(value)}" for key, value in row.items() if value is not None
            )
            lines.append(f"  <row {attributes} />")
        lines.append(f"</{root}>")
        return ("\n".join(lines) + "\n").encode()

    return xml("posts", posts), xml("comments", comments), len(posts), len(comments)


@_PROPERTY
@given(dump=_dumps())
def test_stackexchange_read_stats_add_up_plain_and_zipped(tmp_path_factory, dump):
    posts, comments, n_posts, n_comments = dump
    files = {"Posts.xml": posts, "Comments.xml": comments, "Users.xml": USERS}
    folder = _plain(tmp_path_factory.mktemp("se") / "site", files)
    archive = _pack(folder.parent / "site.7z", files)
    try:
        community = _read_quietly(folder)
    except (SourceError, EmptyCommunityError) as err:
        with pytest.raises(type(err)) as caught:
            _read_quietly(archive)
        assert caught.value.reason == err.reason
        return
    _check_adds_up(community, {"Posts.xml": n_posts, "Comments.xml": n_comments})
    zipped = _read_quietly(archive)
    _check_adds_up(zipped, {f"{archive}:Posts.xml": n_posts, f"{archive}:Comments.xml": n_comments})
    _same_tables(zipped, community)
