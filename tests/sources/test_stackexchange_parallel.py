"""The parallel byte-range read of Stack Exchange files against the one-process reference.

``scan_rows_parallel`` cuts a file at line ends and reads each range with
``scan_rows`` (expat) in a worker process; ``scan_rows`` on the whole file is
the reference. Ranges are made tiny here (``piece``) so that even the shipped
samples are cut into dozens of ranges.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import influence.sources.stackexchange as se
from influence.errors import SourceError
from influence.sources._common import open_binary

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
SAMPLES = ["stackexchange-cardano-2021", "stackexchange-conlang-meta-2020"]


def _reference(path: Path, table: str) -> dict[str, list]:
    with open_binary(path) as stream:
        return se.scan_rows(
            stream,
            se.FIELDS[table],
            source=path.name,
            lengths=se._LENGTHS.get(table, ()),
            keep_if=se._KEEP_IF.get(table),
        )


def _lists(columns: dict | None) -> dict[str, list] | None:
    """The parallel columns as scan_rows' lists (``<NA>`` -> None, numpy ints -> int)."""
    if columns is None:
        return None
    return {
        name: [
            None if value is pd.NA else (value if isinstance(value, str) else int(value))
            for value in values
        ]
        for name, values in columns.items()
    }


def _parallel(path: Path, table: str, piece: int) -> dict[str, list] | None:
    return _lists(
        se.scan_rows_parallel(
            path,
            se.FIELDS[table],
            lengths=se._LENGTHS.get(table, ()),
            keep_if=se._KEEP_IF.get(table),
            processes=2,
            piece=piece,
        )
    )


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("piece", [1500, 50_000])
def test_parallel_equals_reference_on_shipped_dumps(sample, piece):
    files = se._locate(DATASETS / sample)
    compared = 0
    for table in se.FIELDS:
        if table not in files:
            continue
        expected = _reference(files[table], table)
        got = _parallel(files[table], table, piece)
        assert got == expected, table
        compared += 1
    assert compared >= 5


@pytest.mark.parametrize("sample", SAMPLES)
def test_read_stackexchange_same_community_in_parallel(sample, monkeypatch):
    one = se.read_stackexchange(DATASETS / sample)
    monkeypatch.setattr(se, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(se, "RANGE_BYTES", 4096)
    monkeypatch.setattr(se.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(se.threading, "active_count", lambda: 1)
    both = se.read_stackexchange(DATASETS / sample)
    pd.testing.assert_frame_equal(both.messages, one.messages)
    pd.testing.assert_frame_equal(both.interactions, one.interactions)
    pd.testing.assert_frame_equal(both.users, one.users)
    assert both.read_stats.to_dict() == one.read_stats.to_dict()


# Hand-made rows written from the dump format's documentation: entities, any
# attribute order, CRLF line ends, a byte-order mark, a missing attribute.
EDGE = (
    '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n'
    "<comments>\r\n"
    '  <row Id="1" PostId="10" Text="line&#xA;break &amp; &quot;quoted&quot; @ann" '
    'CreationDate="2021-01-01T00:00:00.000" UserId="5" />\r\n'
    '  <row UserId="6" CreationDate="2021-01-02T00:00:00.000" Text="&lt;b&gt;no at&lt;/b&gt;" '
    'PostId="10" Id="2" />\r\n'
    '  <row Text="caf\u00e9 &#x1F600; &#64;bob" Id="3" PostId="11" '
    'CreationDate="2021-01-03T00:00:00.000" />\r\n'
    '  <row Id="4" PostId="11" Score="2" CreationDate="2021-01-04T00:00:00.000" '
    'Text="it&apos;s &#39;fine&#39; @cy" UserId="7" />\r\n'
    "</comments>\r\n"
)


@pytest.mark.parametrize("piece", [1, 60, 200, 10_000])
def test_edge_cases_equal_reference(tmp_path, piece):
    path = tmp_path / "Comments.xml"
    path.write_bytes(EDGE.encode("utf-8"))
    expected = _reference(path, "Comments")
    got = _parallel(path, "Comments", piece)
    assert got == expected
    # worked out by hand from EDGE: lines count the XML declaration (line 1);
    # &#xA; is one character, the emoji one code point; '&#64;' is an '@'
    assert got["_line"] == [3, 4, 5, 6]
    assert got["Id"] == ["1", "2", "3", "4"]
    assert got["UserId"] == ["5", "6", None, "7"]
    assert got["Text"] == [
        'line\nbreak & "quoted" @ann',
        None,
        "caf\u00e9 \U0001f600 @bob",
        "it's 'fine' @cy",
    ]
    # lengths after decoding: 'line' + LF + 'break & "quoted" @ann' = 4 + 1 + 21;
    # '<b>no at</b>' = 12; 'café 😀 @bob' = 11; "it's 'fine' @cy" = 15
    assert got["Text_length"] == [26, 12, 11, 15]


def test_row_over_several_lines_falls_back_to_one_process(tmp_path):
    text = '<posts>\n<row Id="1"\n PostTypeId="1" />\n<row Id="2" PostTypeId="1" />\n</posts>\n'
    path = tmp_path / "Posts.xml"
    path.write_text(text)
    # cut inside the first row: a range does not parse, so the caller must use scan_rows
    assert se.scan_rows_parallel(path, ["Id", "PostTypeId"], piece=10) is None
    got = _lists(se.scan_rows_parallel(path, ["Id", "PostTypeId"], piece=1000))
    assert got == _reference_ids(path)


def _reference_ids(path: Path) -> dict[str, list]:
    with open_binary(path) as stream:
        return se.scan_rows(stream, ["Id", "PostTypeId"], source=path.name)


def test_compressed_or_rootless_files_are_not_split(tmp_path):
    gz = tmp_path / "Posts.xml.gz"
    gz.write_bytes(b"")
    assert se.scan_rows_parallel(gz, ["Id"]) is None
    odd = tmp_path / "Posts.xml"
    odd.write_bytes(b"<!-- a comment first -->\n<posts>\n</posts>\n")
    assert se.scan_rows_parallel(odd, ["Id"]) is None


def test_malformed_file_gives_the_reference_error(tmp_path, monkeypatch):
    rows = "".join(
        f'  <row Id="{n}" PostTypeId="1" CreationDate="2021-01-01T00:00:00.000" />\n'
        for n in range(1, 200)
    )
    (tmp_path / "Posts.xml").write_text(f'<posts>\n{rows}  <row Id="x" </posts>\n')
    monkeypatch.setattr(se, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(se, "RANGE_BYTES", 512)
    monkeypatch.setattr(se.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(se.threading, "active_count", lambda: 1)
    with pytest.raises(SourceError, match=r"Posts\.xml:201: XML must be well-formed"):
        se.read_stackexchange(tmp_path)


@pytest.mark.parametrize(
    "values",
    [
        ["1", "2", None],
        ["1", "2", "3"],
        ["1.5", "2", None],
        [" 3", "x", None],
        [None, None],
        ["1e3", "-4"],
        ["+5", "0"],
        ["9223372036854775807", "1"],
        ["", "3"],
        [],
    ],
)
def test_fast_integers_equal_to_numeric(values):
    series = pd.Series(values, dtype=object)
    expected = pd.to_numeric(series, errors="coerce")
    pd.testing.assert_series_equal(se._integers(series), expected)
    # the same column as the string dtype (as _frame makes it) gives the same numbers
    as_string = series.astype("string")
    pd.testing.assert_series_equal(se._integers(as_string), expected)


def test_no_fork_from_a_threaded_process(tmp_path, monkeypatch):
    # with other threads alive, _scan_file reads in this process (scan_rows_parallel
    # is never called), so a lock held by another thread cannot hang a child
    monkeypatch.setattr(se, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(se.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(se.threading, "active_count", lambda: 3)
    monkeypatch.setattr(se, "scan_rows_parallel", lambda *args, **kwargs: pytest.fail("forked"))
    files = se._locate(DATASETS / SAMPLES[1])
    assert _lists(se._scan_file(files["Posts"], "Posts")) == _reference(files["Posts"], "Posts")


def test_parallel_read_tells_the_listener_each_range_in_order():
    from influence.sources._common import watch_reading

    path = DATASETS / "stackexchange-cardano-2021" / "Comments.xml"
    seen: list[tuple[str, int, int]] = []
    with watch_reading(lambda name, consumed, size: seen.append((name, consumed, size))):
        columns = se.scan_rows_parallel(path, se.FIELDS["Comments"], processes=2, piece=50_000)
    size = path.stat().st_size
    assert columns is not None
    assert len(seen) > 2
    assert {name for name, _consumed, _size in seen} == {str(path)}
    consumed = [consumed for _name, consumed, _size in seen]
    assert consumed == sorted(consumed) and consumed[-1] == size
    assert {total for _name, _consumed, total in seen} == {size}
