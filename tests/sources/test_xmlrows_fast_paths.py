"""The fast paths of the row scanner (``influence.sources._xmlrows``) against the plain ones.

* ``_count_odd``: one pass counting control bytes, ``<`` and non-ASCII bytes,
  against counting each kind on its own (the per-kind counts stay in the
  scanner for the blocks where the one count is not the rows' own bytes);
* ``RowScanner._guess_spellings``: entities guessed from their first two
  bytes, against ``RowScanner._spell`` (reading each entity byte by byte);
* ASCII-only blocks (one count) and blocks with non-ASCII bytes, tabs, a
  ``<`` or a control byte in a value (the per-kind counts), against expat;
* the byte range buffer a worker of ``scan_rows_parallel`` keeps from one
  range to the next.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import influence.sources.stackexchange as se
from influence.errors import SourceError
from influence.sources import _xmlrows as xr


def _plain_odd(data: bytes) -> int:
    """Control bytes, ``<`` and non-ASCII bytes, each kind counted on its own."""
    return sum(1 for byte in data if byte < 32) + data.count(b"<") + sum(1 for b in data if b > 127)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_count_equals_the_counts_of_each_kind(seed):
    rng = np.random.default_rng(seed)
    # every byte value, then random bytes weighted towards the ones that matter
    every = bytes(range(256))
    special = np.array([0, 9, 10, 13, 31, 32, 33, 59, 60, 61, 63, 127, 128, 195, 255])
    drawn = np.where(
        rng.random(5000) < 0.5,
        rng.choice(special, 5000),
        rng.integers(0, 256, 5000),
    ).astype(np.uint8)
    for data in (every, drawn.tobytes(), b"", b"plain ascii text without them"):
        raw = np.frombuffer(data, dtype=np.uint8)
        assert xr._count_odd(raw, np.empty_like(raw)) == _plain_odd(data)
    # by hand: 32 control bytes, one "<", 128 non-ASCII bytes
    assert _plain_odd(every) == 32 + 1 + 128


def _words(bodies: list[bytes]) -> np.ndarray:
    """The 8 bytes after "&" of each entity spelled ``body`` (then a space, then zeros)."""
    return np.array([xr._Table.split(body, 1)[0] for body in bodies], dtype=np.uint64)


def test_guessed_spellings_equal_the_byte_by_byte_reading():
    scanner = xr.RowScanner(["Id"], lengths=["Body"])
    # "#xD;" shares its first two bytes with "#xA;" (registered first): a miss
    # the reference reads; "#x1F600;" is eight bytes with its ";"
    seen = [b"lt; x", b"gt;", b"amp;", b"quot;", b"apos;", b"#xA;", b"#xD;", b"#x9;"]
    later = [b"#x1F600;", b"#39;", b"#38;", b"#39;a", b"#x1F600;"]
    words = _words(seen + later)
    view = memoryview(bytearray(64))  # only read for spellings seen for the first time
    reference = scanner._spell(view, np.zeros(len(words), dtype=np.int64), words)
    assert reference is None  # "#x1F600" and "#39" are not registered: read from view
    # register them as a scan would, then every entity is known
    for body in (b"#x1F600", b"#39", b"#38"):
        assert scanner._entity(body) >= 0
    expected = scanner._spell(view, np.zeros(len(words), dtype=np.int64), words)
    entity, body, missed = scanner._guess_spellings(words)
    fixed_entity, fixed_body = entity.copy(), body.copy()
    fixed_entity[missed], fixed_body[missed] = scanner._spell(view, missed, words[missed])
    assert fixed_entity.tolist() == expected[0].tolist()
    assert fixed_body.tolist() == expected[1].tolist()
    # by hand: lengths of the bodies; "#x" guesses "#xA" (the first "#x" seen) and
    # "#3" guesses "#39": the other "#x" and "#3" spellings miss
    assert fixed_body.tolist() == [2, 2, 3, 4, 4, 3, 3, 3, 7, 3, 3, 3, 7]
    assert missed.tolist() == [6, 7, 8, 10, 12]  # "#xD", "#x9", "#x1F600", "#38", "#x1F600"


@pytest.mark.parametrize(
    "word",
    [b"lt", b"lt ", b"ltt;", b"l;", b"gtx;", b"#xAB;", b"quot", b"#x1F60;", b";"],
)
def test_a_guess_never_takes_a_different_spelling(word):
    # the guess for these first two bytes exists, but the word is not that spelling
    # and its ";": the guess misses, and the reference decides
    scanner = xr.RowScanner(["Id"])
    scanner._entity(b"#x1F600")
    words = _words([word])
    _entity, _body, missed = scanner._guess_spellings(words)
    assert missed.tolist() == [0]


ROW = '  <row Id="{n}" PostTypeId="1" Tags="|t{n}|" Body="{body}" />\r\n'


def _dump(bodies: list[str]) -> bytes:
    rows = "".join(ROW.format(n=n, body=body) for n, body in enumerate(bodies, 1))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\r\n<posts>\r\n' + rows + "</posts>\r\n"
    ).encode()


def _scan(data: bytes) -> dict | None:
    columns = xr.scan_rows_fast(io.BytesIO(data), se.FIELDS["Posts"], lengths=["Body"])
    return None if columns is None else {k: list(v.tolist()) for k, v in columns.items()}


def _expat(data: bytes) -> dict:
    columns = se.scan_rows(
        io.BytesIO(data), se.FIELDS["Posts"], source="Posts.xml", lengths=["Body"]
    )
    return {k: [v if v is not None else None for v in values] for k, values in columns.items()}


@pytest.mark.parametrize(
    ("bodies", "lengths"),
    [
        # ASCII only: the one count is the rows' "<" and line ends
        (["&lt;p&gt;hi&#xA;", "&#xD;&#xA;&#x9;", "&amp;&quot;&apos;"], [6, 3, 3]),
        # non-ASCII bytes: counted on their own (UTF-8 checked, lengths in characters)
        (["caf\u00e9 &lt;", "\U0001f600&#x1F600;", "plain"], [6, 2, 5]),
        # a literal tab in a value: a space once normalised, one character
        (["a\tb", "&#9;", "c"], [3, 1, 1]),
    ],
)
def test_ascii_and_non_ascii_blocks_equal_expat(bodies, lengths):
    data = _dump(bodies)
    got = _scan(data)
    expected = _expat(data)
    assert got is not None
    assert got["Body_length"] == expected["Body_length"] == lengths
    assert got["Id"] == expected["Id"] == ["1", "2", "3"]
    assert got["Tags"] == expected["Tags"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("a < b", "< in a value"),  # ASCII block
        ("caf\u00e9 < b", "< in a value"),  # non-ASCII block
        ("a\x01b", "control byte in a value"),  # ASCII block
        ("caf\u00e9\x01", "control byte in a value"),  # non-ASCII block
        ("x#FF#", "invalid UTF-8"),  # the byte 0xFF, put in below
    ],
)
def test_blocks_with_an_odd_byte_in_a_value_give_up_and_expat_decides(body, reason):
    data = _dump(["ok", body]).replace(b"#FF#", b"\xff")
    scanner = xr.RowScanner(se.FIELDS["Posts"], lengths=["Body"])
    begin = data.index(b"  <row")
    end = data.index(b"</posts>")
    buffer = data + bytes(xr.PAD)
    assert scanner.scan(buffer, begin, end, 3) is None
    assert scanner.stopped == reason
    with pytest.raises(SourceError, match=r"Posts\.xml:4: "):
        _expat(data)


def test_a_worker_reuses_its_range_buffer(tmp_path, monkeypatch):
    # a long range, then a short one: the kept buffer holds the long range's
    # bytes past the short one's end, which must not be read
    long_rows = [f'<row Id="{n}" PostTypeId="1" Body="&lt;{"x" * 300}" />' for n in range(40)]
    path = tmp_path / "Posts.xml"
    path.write_bytes(
        b"<posts>\n" + "".join(f"  {row}\n" for row in long_rows).encode() + b"</posts>\n"
    )
    data = path.read_bytes()
    cut = data.index(b"\n", data.index(b'Id="30"')) + 1
    fields, lengths = list(se.FIELDS["Posts"]), ["Body"]
    monkeypatch.setattr(se, "_RANGE_BUFFER", None)
    fresh = [
        se._scan_range(str(path), 0, cut, b"posts", False, fields, lengths, {}),
        se._scan_range(str(path), cut, len(data), b"posts", True, fields, lengths, {}),
    ]
    se._keep_range_buffer()
    kept = se._RANGE_BUFFER
    reused = [
        se._scan_range(str(path), 0, cut, b"posts", False, fields, lengths, {}),
        se._scan_range(str(path), cut, len(data), b"posts", True, fields, lengths, {}),
    ]
    assert se._RANGE_BUFFER is not kept and len(se._RANGE_BUFFER) >= cut  # grown once
    for (got, got_lines), (want, want_lines) in zip(reused, fresh, strict=True):
        assert got_lines == want_lines
        assert {k: list(v) for k, v in got.items()} == {k: list(v) for k, v in want.items()}
    assert [len(part[xr.LINE]) for part, _lines in reused] == [31, 9]
    assert reused[1][0]["Body_length"].tolist() == [301] * 9
