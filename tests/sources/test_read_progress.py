"""watch_reading: open_binary reports how far each file has been read, per chunk."""

from __future__ import annotations

import bz2
import gc
import gzip
import io
import lzma
import os
from pathlib import Path

import pytest

import influence
from influence.errors import SourceError
from influence.sources._common import open_binary, watch_reading

DATASETS = Path(__file__).resolve().parents[2] / "datasets"

# ~1.5 MB of distinct lines: many 64 KiB chunks, and not all alike once compressed
TEXT = b"".join(b'<row Id="%d" Text="line %d" />\n' % (n, n * 7919) for n in range(50_000))


def _zst(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


COMPRESS = {
    "": lambda data: data,
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": _zst,
}


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_counts_grow_to_the_size_on_disk(tmp_path, suffix):
    path = tmp_path / f"posts.xml{suffix}"
    path.write_bytes(COMPRESS[suffix](TEXT))
    size = path.stat().st_size
    calls = []
    with watch_reading(lambda *call: calls.append(call)):
        with open_binary(path) as stream:
            lines = sum(1 for _line in stream)  # the content is unchanged by the counting
    assert lines == 50_000
    assert {name for name, _done, _size in calls} == {str(path)}
    assert {total for _name, _done, total in calls} == {size}
    done = [consumed for _name, consumed, _total in calls]
    assert done == sorted(set(done))  # strictly growing
    assert done[-1] == size  # of the compressed file: the share done is done / size
    if size > 1 << 18:  # chunks of 64 KiB (128 KiB for zstd): several calls
        assert len(calls) >= size // (1 << 17)
    assert len(calls) <= size // (1 << 15) + 2  # and never per line


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_closing_the_stream_closes_the_file(tmp_path, suffix):
    path = tmp_path / f"posts.xml{suffix}"
    path.write_bytes(COMPRESS[suffix](TEXT))
    before = len(os.listdir("/proc/self/fd"))
    gc.disable()  # only close() may close the file, not the garbage collector
    try:
        with watch_reading(lambda *call: None):
            with open_binary(path) as stream:
                stream.read(100)
                assert len(os.listdir("/proc/self/fd")) == before + 1
            text = io.TextIOWrapper(open_binary(path), encoding="utf-8")
            text.readline()
            text.close()
            assert len(os.listdir("/proc/self/fd")) == before
    finally:
        gc.enable()
    del stream, text


def test_nothing_is_counted_outside_the_block(tmp_path):
    path = tmp_path / "posts.xml"
    path.write_bytes(TEXT)
    calls = []
    with watch_reading(lambda *call: calls.append(call)):
        pass
    with open_binary(path) as stream:
        assert stream.read() == TEXT
        # no counting layer at all: the plain buffered file of open()
        assert type(stream) is io.BufferedReader and type(stream.raw) is io.FileIO
    assert calls == []


def test_a_seekable_counted_file_reads_the_same(tmp_path):
    path = tmp_path / "posts.xml"
    path.write_bytes(TEXT)
    calls = []
    with watch_reading(lambda *call: calls.append(call)), open_binary(path) as stream:
        stream.seek(len(TEXT) - 10)
        tail = stream.read()
        stream.seek(0)
        head = stream.read(5)
    assert (tail, head) == (TEXT[-10:], TEXT[:5])
    # the furthest point reached, never back to the start
    assert [done for _n, done, _s in calls] == [len(TEXT)]


def test_errors_are_unchanged(tmp_path):
    with watch_reading(lambda *call: None), pytest.raises(SourceError, match="must be readable"):
        open_binary(tmp_path / "missing.xml")
    data = _zst(TEXT)
    path = tmp_path / "cut.zst"
    path.write_bytes(data[: len(data) // 2])
    with (
        watch_reading(lambda *call: None),
        pytest.raises(SourceError, match="must end with a complete frame"),
        open_binary(path) as stream,
    ):
        stream.read()


def test_a_whole_dump_reports_its_files_read_to_the_end():
    folder = Path(__file__).resolve().parents[2] / "datasets" / "stackexchange-conlang-meta-2020"
    seen: dict[str, int] = {}

    def listener(name, consumed, size):
        seen[name] = max(seen.get(name, 0), consumed)

    with watch_reading(listener):
        influence.read(folder)
    sizes = {name: Path(name).stat().st_size for name in seen}
    assert {Path(name).name for name in seen} >= {"Posts.xml", "Users.xml", "Comments.xml"}
    assert seen == sizes


def test_a_stack_exchange_read_tells_its_rows():
    rows: dict[str, int] = {}

    def count(path: str, n: int) -> None:
        rows[Path(path).name] = rows.get(Path(path).name, 0) + n

    with watch_reading(lambda *args: None, rows=count):
        influence.read(folder := DATASETS / "stackexchange-conlang-meta-2020")
    for name, told in rows.items():
        # one <row .../> per line in the dump files: the rows told are the file's rows
        assert told == (folder / name).read_bytes().count(b"<row "), name
    assert {"Posts.xml", "Comments.xml", "Users.xml"} <= set(rows)


def test_a_reddit_read_tells_its_rows_chunk_by_chunk(tmp_path, monkeypatch):
    import json

    import influence.sources.reddit as rd

    monkeypatch.setattr(rd, "CHUNK_ROWS", 3)
    path = tmp_path / "RC_2023-01.jsonl"
    comments = [
        {
            "id": f"c{n}",
            "author": f"u{n % 3}",
            "parent_id": "t3_p",
            "link_id": "t3_p",
            "created_utc": 1_672_531_200 + n,
            "subreddit": "x",
            "body": "hello",
            "score": 1,
        }
        for n in range(7)
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in comments))
    told: list[int] = []
    with watch_reading(lambda *args: None, rows=lambda name, n: told.append(n)):
        influence.read(path, format="reddit")
    assert told == [3, 3, 1]
