"""open_binary: compressed streams, and truncated zstd files that must not end silently."""

from __future__ import annotations

import pytest

from influence.errors import SourceError
from influence.sources._common import open_binary
from influence.sources.stackexchange import read_stackexchange

zstandard = pytest.importorskip("zstandard")

# 20,000 distinct lines (~500 kB): the frame spans several zstd blocks
TEXT = b"".join(b'<row Id="%d" Text="line %d" />\n' % (n, n * 7919) for n in range(20000))


def _frames(*parts: bytes) -> bytes:
    return b"".join(zstandard.ZstdCompressor().compress(part) for part in parts)


def test_zst_reads_every_frame(tmp_path):
    path = tmp_path / "two.zst"
    path.write_bytes(_frames(TEXT, b"tail\n"))
    with open_binary(path) as stream:
        assert stream.read() == TEXT + b"tail\n"


def test_empty_zst_is_empty(tmp_path):
    path = tmp_path / "empty.zst"
    path.write_bytes(b"")
    with open_binary(path) as stream:
        assert stream.read() == b""


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_zst_frame_raises_naming_the_file(tmp_path, keep):
    data = _frames(TEXT)
    path = tmp_path / "cut.zst"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(SourceError, match=r"cut\.zst: zstd stream must end with a complete frame"):
        with open_binary(path) as stream:
            while stream.read(1 << 16):
                pass


def test_truncated_second_frame_raises(tmp_path):
    # the first frame is whole; the cut falls inside the second: the old reader
    # stopped quietly at the frame boundary
    data = _frames(TEXT, TEXT)
    path = tmp_path / "cut2.zst"
    path.write_bytes(data[:-10])
    with pytest.raises(SourceError, match=r"cut2\.zst: zstd stream must end .*truncated"):
        with open_binary(path) as stream:
            stream.read()


def test_truncated_stackexchange_zst_is_a_source_error(tmp_path):
    posts = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
        + b"".join(
            b'<row Id="%d" PostTypeId="1" CreationDate="2021-01-01T00:00:00.000" '
            b'OwnerUserId="%d" Body="question number %d" />\n' % (n, n % 97, n * 31)
            for n in range(1, 20001)
        )
        + b"</posts>\n"
    )
    data = _frames(posts)
    (tmp_path / "Posts.xml.zst").write_bytes(data[: len(data) - 100])
    with pytest.raises(SourceError, match=r"Posts\.xml\.zst: zstd stream must end"):
        read_stackexchange(tmp_path)
