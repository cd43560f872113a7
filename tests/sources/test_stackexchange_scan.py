"""The vectorised row scanner (``influence.sources._xmlrows``) against expat.

``scan_rows`` (expat) is the reference: on every table file of the shipped
dumps, on a generated dump, on hand-made edge cases and on random rows, the
fast path must give exactly its columns, or give up (``None``) so that expat
reads the file and reports any error with its line.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import influence.sources.stackexchange as se
from influence.errors import SourceError
from influence.sources import _xmlrows as xr
from influence.sources._common import open_binary

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
SAMPLES = ["stackexchange-cardano-2021", "stackexchange-conlang-meta-2020"]
TEXTS = {"Posts": ("Title", "Body"), "Comments": ("Text",)}


def _options(table: str, texts: bool = False) -> dict:
    return {
        "lengths": se._LENGTHS.get(table, ()),
        "keep_if": se._KEEP_IF.get(table),
        "texts": TEXTS.get(table, ()) if texts else (),
    }


def _reference(data: bytes, table: str, texts: bool = False) -> dict[str, list]:
    return se.scan_rows(
        io.BytesIO(data), se.FIELDS[table], source=f"{table}.xml", **_options(table, texts)
    )


def _fast(data: bytes, table: str, texts: bool = False, chunk: int = 16 << 20) -> dict | None:
    columns = xr.scan_rows_fast(
        io.BytesIO(data), se.FIELDS[table], chunk_bytes=chunk, **_options(table, texts)
    )
    return None if columns is None else _lists(columns)


def _lists(columns: dict) -> dict[str, list]:
    """Compact columns as scan_rows' lists (``<NA>`` -> None, numpy ints -> int)."""
    return {
        name: [
            None
            if value is pd.NA or value is None
            else (value if isinstance(value, str) else int(value))
            for value in (values.tolist() if hasattr(values, "tolist") else list(values))
        ]
        for name, values in columns.items()
    }


def _table_files() -> list[tuple[str, str]]:
    out = []
    for sample in SAMPLES:
        for table in se._locate(DATASETS / sample):
            if table in se.FIELDS:
                out.append((sample, table))
    return out


@pytest.mark.parametrize(("sample", "table"), _table_files())
def test_fast_path_equals_expat_on_shipped_dumps(sample, table):
    data = se._locate(DATASETS / sample)[table].read_bytes()
    texts = table in TEXTS
    expected = _reference(data, table, texts)
    assert _fast(data, table, texts) == expected
    # small chunks: rows cut across many reads, the closing tag alone in the last one
    assert _fast(data, table, texts, chunk=4096) == expected
    assert len(expected["_line"]) > 0


def test_every_shipped_table_file_is_covered():
    # 6 tables in the conlang dump, 5 in the Cardano one (no PostHistory.xml)
    assert len(_table_files()) == 11


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A small dump from benchmarks/generate.py (seeded: the same bytes every run)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("generated")
    module.generate(out, posts=3000, comments=3000, users=500, seed=7, table=False)
    return out


@pytest.mark.parametrize("table", ["Posts", "Comments", "Users"])
def test_fast_path_equals_expat_on_a_generated_dump(generated, table):
    data = (generated / f"{table}.xml").read_bytes()
    texts = table in TEXTS
    expected = _reference(data, table, texts)
    assert _fast(data, table, texts, chunk=1 << 16) == expected
    # the generator writes the Community account (-1) besides the 500 users
    assert len(expected["_line"]) == {"Posts": 3000, "Comments": 3000, "Users": 501}[table]


@pytest.mark.parametrize("table", ["Posts", "Comments"])
def test_byte_ranges_use_the_fast_path_and_equal_expat(generated, table, monkeypatch):
    path = generated / f"{table}.xml"
    expected = _reference(path.read_bytes(), table)
    options = _options(table)
    reference = se.scan_rows

    def refuse(*args, **kwargs):
        raise SourceError("expat must not be needed here", path=str(path))

    # workers are forked: with expat refused, a range it had to read gives None
    monkeypatch.setattr(se, "scan_rows", refuse)
    got = se.scan_rows_parallel(path, se.FIELDS[table], processes=2, piece=50_000, **options)
    assert got is not None
    assert _lists(got) == expected
    # and with the fast path off, the ranges go through expat, same columns
    monkeypatch.setattr(se, "scan_rows", reference)
    monkeypatch.setattr(se, "FAST", False)
    got = se.scan_rows_parallel(path, se.FIELDS[table], processes=2, piece=50_000, **options)
    assert _lists(got) == expected


# Hand-made rows written from the XML specification and the dump format.
EDGE = (
    "\ufeff<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\r\n"
    "<comments>\r\n"
    '  <row Id="1" PostId="10" Text="a&#xA;b &amp; &quot;q&quot; &apos;s&apos; &lt;i&gt; @ann" '
    'CreationDate="2021-01-01T00:00:00.000" UserId="5" />\r\n'
    '  <row UserId="6" Text="caf\u00e9 \u4e2d\u6587 \U0001f600 &#x1F600; &#128512; &#233;" '
    'Id="2" />\r\n'
    '  <row Id="3" Text="tab\there &#9;kept &#64;bob &#x40;cy" PostId="" />\r\n'
    '  <row Id="4" Text="&amp;lt; stays &amp;#38; and &#38;amp; too @" Score="-2" />\r\n'
    '  <row Id="5" Text="&gt; ]]&gt; and ]]> and > are fine, no at" />\r\n'
    '  <row Id="6" Text="" UserId="" />\r\n'
    '  <row Id="7" FutureAttribute="x" AnotherNewOne="&#xD;" />\r\n'
    "</comments>\r\n"
)


def test_edge_cases_equal_expat_and_hand_values():
    data = EDGE.encode("utf-8")
    expected = _reference(data, "Comments", texts=True)
    got = _fast(data, "Comments", texts=True)
    assert got == expected
    # worked out by hand: lines count from the declaration (line 1)
    assert got["_line"] == [3, 4, 5, 6, 7, 8, 9]
    assert got["Id"] == ["1", "2", "3", "4", "5", "6", "7"]
    assert got["PostId"] == ["10", None, "", None, None, None, None]
    assert got["text:Text"][0] == "a\nb & \"q\" 's' <i> @ann"
    # a literal tab becomes a space (attribute-value normalisation), &#9; stays a tab
    assert got["text:Text"][2] == "tab here \tkept @bob @cy"
    assert got["text:Text"][3] == "&lt; stays &#38; and &amp; too @"
    # lengths in characters: the emoji is one, written literally or as a reference
    assert got["Text_length"][1] == len(
        "caf\u00e9 \u4e2d\u6587 \U0001f600 \U0001f600 \U0001f600 \u00e9"
    )
    assert got["Text_length"][5] == 0 and got["Text_length"][6] == 0
    # kept only with an "@" once decoded (&#64; and &#x40; are "@")
    assert got["Text"] == [
        got["text:Text"][0],
        None,
        got["text:Text"][2],
        got["text:Text"][3],
        None,
        None,
        None,
    ]


@pytest.mark.parametrize("chunk", [64, 200, 1 << 20])
def test_edge_cases_in_small_chunks(chunk):
    data = EDGE.encode("utf-8")
    assert _fast(data, "Comments", texts=True, chunk=chunk) == _reference(
        data, "Comments", texts=True
    )


def _doc(*rows: str, head: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
    return (head + "<posts>\n" + "".join(f"  {row}\n" for row in rows) + "</posts>\n").encode()


GOOD = '<row Id="1" PostTypeId="1" Body="ok" />'

#: Inputs the fast path must refuse; expat reads them (or reports their error).
GIVE_UP = {
    "lt_in_value": _doc(GOOD, '<row Id="2" Body="a < b" />'),
    "undefined_entity": _doc(GOOD, '<row Id="2" Body="&nbsp;" />'),
    "entity_without_semicolon": _doc(GOOD, '<row Id="2" Body="AT&T rocks" />'),
    "char_ref_to_nul": _doc(GOOD, '<row Id="2" Body="&#0;" />'),
    "char_ref_to_surrogate": _doc(GOOD, '<row Id="2" Body="&#xD800;" />'),
    "upper_case_x": _doc(GOOD, '<row Id="2" Body="&#X41;" />'),
    "long_char_ref": _doc(GOOD, '<row Id="2" Body="&#x0000041;" />'),
    "invalid_utf8": _doc(GOOD).replace(b"ok", b"\xff\xfe"),
    "latin1_declared": _doc(GOOD, head='<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
    "utf8_without_dash": _doc(
        '<row Id="1" Body="caf\u00e9" />', head='<?xml version="1.0" encoding="utf8"?>\n'
    ),
    "row_over_two_lines": _doc(GOOD, '<row Id="2"\n  Body="x" />'),
    "single_quotes": _doc(GOOD, "<row Id='2' Body='x' />"),
    "duplicate_attribute": _doc(GOOD, '<row Id="2" Id="3" />'),
    "comment_line": _doc(GOOD, "<!-- note -->", '<row Id="2" />'),
    "blank_line": _doc(GOOD, "", '<row Id="2" />'),
    "lone_cr": _doc(GOOD, '<row Id="2" Body="a\rb" />'),
    "no_attributes": _doc(GOOD, "<row />"),
    "spaces_around_equals": _doc(GOOD, '<row Id = "2" />'),
    "two_spaces_between": _doc(GOOD, '<row Id="2"  Body="x" />'),
    "control_character": _doc(GOOD, '<row Id="2" Body="a\x01b" />'),
    "noncharacter": _doc(GOOD, '<row Id="2" Body="\uffff" />'),
    "namespaced_name": _doc(GOOD, '<row Id="2" xml:lang="en" />'),
    "very_long_name": _doc(GOOD, '<row Id="2" AnAttributeNameLongerThanTwentyFour="x" />'),
    "no_closing_tag": _doc(GOOD)[: -len(b"</posts>\n")],
    "wrong_closing_tag": _doc(GOOD).replace(b"</posts>", b"</votes>"),
    "text_after_root": _doc(GOOD) + b"junk\n",
    "doctype": _doc(GOOD, head="<!DOCTYPE posts>\n"),
    "root_on_row_line": b'<posts><row Id="1" />\n</posts>\n',
}


@pytest.mark.parametrize("case", sorted(GIVE_UP))
def test_fast_path_gives_up_and_expat_decides(case, tmp_path):
    data = GIVE_UP[case]
    assert _fast(data, "Posts") is None
    path = tmp_path / "Posts.xml"
    path.write_bytes(data)
    try:
        expected = _reference(data, "Posts")
    except SourceError as err:
        with pytest.raises(SourceError) as caught:
            se._scan_file(path, "Posts")
        assert str(caught.value) == str(err)
        assert caught.value.line == err.line
        return
    assert _lists(se._scan_file(path, "Posts")) == _lists(expected)


def test_expat_errors_keep_their_line(tmp_path):
    path = tmp_path / "Posts.xml"
    path.write_bytes(GIVE_UP["lt_in_value"])
    with pytest.raises(SourceError, match=r"Posts\.xml:4: XML must be well-formed") as caught:
        se._scan_file(path, "Posts")
    assert caught.value.line == 4


def test_ranges_that_give_up_fall_back_to_expat_per_range(tmp_path):
    # one odd row (single quotes) in a file cut into many ranges: that range goes
    # through expat, the others through the fast scanner, same columns
    rows = [f'<row Id="{n}" PostTypeId="1" Body="b&amp;{n}" />' for n in range(200)]
    rows[120] = "<row Id='120' PostTypeId='1' Body='b&amp;120' />"
    path = tmp_path / "Posts.xml"
    path.write_bytes(_doc(*rows))
    expected = _reference(path.read_bytes(), "Posts")
    got = se.scan_rows_parallel(
        path, se.FIELDS["Posts"], processes=1, piece=600, **_options("Posts")
    )
    assert _lists(got) == expected


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
def test_compressed_files_use_the_fast_path(tmp_path, suffix, monkeypatch):
    source = se._locate(DATASETS / SAMPLES[1])["Comments"]
    data = source.read_bytes()
    path = tmp_path / f"Comments.xml{suffix}"
    path.write_bytes((gzip if suffix == ".gz" else bz2).compress(data))
    expected = _reference(data, "Comments")
    monkeypatch.setattr(se, "scan_rows", lambda *a, **k: pytest.fail("expat used"))
    assert _lists(se._scan_file(path, "Comments")) == expected


def test_truncated_gzip_is_reported_by_expat(tmp_path):
    source = se._locate(DATASETS / SAMPLES[1])["Comments"]
    path = tmp_path / "Comments.xml.gz"
    path.write_bytes(gzip.compress(source.read_bytes())[:-2000])
    with pytest.raises(SourceError, match=r"Comments\.xml\.gz"):
        se._scan_file(path, "Comments")


def test_split_document_refuses_what_it_does_not_know():
    assert xr.split_document(b"<a>\n<row/>\n</a>\n", head=True, tail=True) == (4, 11, b"a")
    assert xr.split_document(b"<a>\n<row/>\n</b>\n", head=True, tail=True) is None
    assert xr.split_document(b"<a>\r<row/>\n</a>\n", head=True, tail=True) is None
    assert xr.split_document(b'<row Id="1" />\n', head=False, tail=False) == (0, 15, None)
    assert xr.split_document(b'<row Id="1" />', head=False, tail=False) is None


def test_scan_needs_padding_after_the_rows():
    scanner = xr.RowScanner(["Id"])
    with pytest.raises(ValueError, match=r"must hold 32 bytes after the rows \(got 0\)"):
        scanner.scan(b'<row Id="1" />\n', 0, 15, 1)


# Random rows: values drawn from characters that matter to XML (entities, quotes
# written as entities, tabs, non-ASCII, astral characters), attributes in any
# order and any subset, any indentation and line end.
_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "@",
        ">",
        "]]>",
        "\t",
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&apos;",
        "&#xA;",
        "&#10;",
        "&#64;",
        "&#x40;",
        "&#38;",
        "&#233;",
        "&#x1F600;",
        "\u00e9",
        "\u4e2d",
        "\U0001f600",
        "&amp;lt;",
        ";",
        "#",
    ]
)
_VALUES = st.lists(_PIECES, max_size=8).map("".join)
_NAMES = ["Id", "PostId", "Score", "Text", "CreationDate", "UserId", "UserDisplayName", "X"]


@st.composite
def _dumps(draw) -> bytes:
    indent = draw(st.sampled_from(["", " ", "  "]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        names = draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=6, unique=True))
        attributes = " ".join(f'{name}="{draw(_VALUES)}"' for name in names)
        tail = draw(st.sampled_from([" />", "/>"]))
        rows.append(f"{indent}<row {attributes}{tail}{end}")
    head = draw(st.sampled_from(["", '<?xml version="1.0" encoding="utf-8"?>' + end, "\ufeff"]))
    return (head + "<comments>" + end + "".join(rows) + "</comments>" + end).encode("utf-8")


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_dumps())
def test_random_rows_equal_expat(data):
    expected = _reference(data, "Comments", texts=True)
    got = _fast(data, "Comments", texts=True)
    if expected["_line"]:
        assert got is not None  # every drawn dump has the simple shape
    if got is not None:
        assert got == expected


def test_joined_columns_are_compact_and_typed():
    data = EDGE.encode("utf-8")
    columns = xr.scan_rows_fast(io.BytesIO(data), ["Id"], lengths=["Text"], chunk_bytes=64)
    assert isinstance(columns["Id"].dtype, pd.StringDtype)
    assert columns["Text_length"].dtype == np.int64
    assert columns["_line"].dtype == np.int64


def test_open_binary_stream_and_bytes_give_the_same(tmp_path):
    source = se._locate(DATASETS / SAMPLES[1])["Votes"]
    with open_binary(source) as stream:
        from_stream = xr.scan_rows_fast(stream, se.FIELDS["Votes"])
    assert _lists(from_stream) == _reference(source.read_bytes(), "Votes")


# Entity bodies are read as one 8-byte word (the bytes before the first ";") and
# looked up by that word alone; the scratch arrays are reused from block to block.


def test_one_word_table_finds_exactly_its_keys():
    table = xr._Table(1, one_word=True)
    keys = [b"lt", b"#xA", b"#x1F600", b"quot"]
    numbers = [table.add(key) for key in keys]
    assert numbers == [0, 1, 2, 3]
    words = np.array([xr._Table.split(key, 1)[0] for key in [*keys, b"l", b"#x1F60", b"ltt"]])
    words = words.astype(np.uint64)
    assert table.lookup_word(words).tolist() == [0, 1, 2, 3, -1, -1, -1]
    lengths = np.array([2, 3, 7, 4, 1, 6, 3])
    assert table.lookup([words], lengths).tolist() == [0, 1, 2, 3, -1, -1, -1]
    with pytest.raises(ValueError, match="one_word table must have words=1"):
        xr._Table(2, one_word=True)
    with pytest.raises(ValueError, match="lookup_word needs a one_word table"):
        xr._Table(1).lookup_word(words)


@pytest.mark.parametrize(
    ("body", "length"),
    [
        ("&#x1F600;", 1),  # ";" is the eighth byte after "&": the longest body read
        ("&#128512;x", 2),
        ("a&lt;&gt;&amp;&quot;&apos;&#xA;&#xD;&#x9;b", 10),  # every pre-registered one
        ("&#38;lt;", 4),  # decodes to "&lt;", four characters, not "<"
    ],
)
def test_entity_lengths_equal_expat(body, length):
    data = _doc(f'<row Id="1" PostTypeId="1" Body="{body}" />')
    got = _fast(data, "Posts")
    assert got == _reference(data, "Posts")
    assert got["Body_length"] == [length]


@pytest.mark.parametrize("body", ["&;", "x&;y"])
def test_empty_entity_gives_up_and_expat_reports_it(body, tmp_path):
    data = _doc(GOOD, f'<row Id="2" Body="{body}" />')
    assert _fast(data, "Posts") is None
    path = tmp_path / "Posts.xml"
    path.write_bytes(data)
    with pytest.raises(SourceError, match=r"Posts\.xml:4: XML must be well-formed"):
        se._scan_file(path, "Posts")


@pytest.mark.parametrize("value", ["&lt", "&gt", "a&lt"])
def test_an_entity_body_never_reaches_into_the_padding(value):
    # the padding after the rows is any bytes: here ";" everywhere, so the first ";"
    # after the "&" lies past the row's end, within the 8 bytes read; the scanner
    # must not take that as an entity (the body holds the row end) and gives up
    line = f'<row Id="1" Body="{value}" />\n'.encode()
    scanner = xr.RowScanner(["Id"], lengths=["Body"])
    assert scanner.scan(line + b";" * xr.PAD, 0, len(line), 1) is None
    assert scanner.stopped == "unknown entity"
    good = f'<row Id="1" Body="{value};" />\n'.encode()
    block = xr.RowScanner(["Id"], lengths=["Body"]).scan(good + b";" * xr.PAD, 0, len(good), 1)
    assert block["Body_length"].tolist() == [value.index("&") + 1]  # one character


def test_one_scanner_gives_the_same_columns_on_blocks_of_any_size():
    # the per-byte scratch arrays grow and are sliced: a small block after a large
    # one, then a larger one, must read as with a fresh scanner each time
    def block(count: int, start: int) -> bytes:
        return "".join(
            f'  <row Id="{n}" PostTypeId="1" Body="&lt;p&gt;{"x" * (n % 50)}&amp;" />\r\n'
            for n in range(start, start + count)
        ).encode()

    blocks = [block(300, 0), block(3, 300), block(900, 303), block(1, 1203)]
    shared = xr.RowScanner(se.FIELDS["Posts"], lengths=["Body"])
    for line, data in enumerate(blocks):
        buffer = data + bytes(xr.PAD)
        fresh = xr.RowScanner(se.FIELDS["Posts"], lengths=["Body"])
        expected = _lists(fresh.scan(buffer, 0, len(data), line))
        assert _lists(shared.scan(buffer, 0, len(data), line)) == expected
        assert expected["Body_length"][-1] == len("<p>") + int(expected["Id"][-1]) % 50 + 1
