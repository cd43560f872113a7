"""write_csv: users.csv built column by column is the plain ``to_csv`` file, byte for byte."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from influence.report.write import _CSV_SPECIAL, _csv_cells, write_csv

#: Floats whose shortest text is easy to get wrong: signed zero, subnormals, the
#: edges of the exponent notation (1e-5 / 1e-4, 1e16 / 1e15), integers as floats
#: around 2**53, binary fractions that do not round-trip in few digits.
TRICKY = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1.7976931348623157e308,
    1e-5,
    1e-4,
    0.0001234,
    9.999999999999999e-5,
    1e15,
    1e16,
    9999999999999998.0,
    1.2345678901234567e16,
    0.1 + 0.2,
    1 / 3,
    2 / 3,
    100.0,
    3.0,
    -7.0,
    2.0**53,
    2.0**53 + 2,
    123456789.0,
    0.5,
    np.inf,
    -np.inf,
    np.nan,
    -np.nan,
]


def _tricky_floats() -> np.ndarray:
    rng = np.random.default_rng(3)
    bits = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, 2000, dtype=np.int64)
    return np.concatenate(
        [
            np.array(TRICKY),
            bits.view(np.float64),  # any bit pattern: every exponent, NaN payloads
            rng.random(300),
            rng.random(50) * 1e-7,
            rng.standard_normal(50) * 1e17,
            rng.integers(0, 50, 300).astype(np.float64),  # repeated values
            np.array(TRICKY),  # again: distinct values are formatted once, then mapped
        ]
    )


def test_float_cells_are_the_plain_repr_of_each_value():
    values = _tricky_floats()
    cells = _csv_cells(pd.Series(values)).to_pylist()
    expected = ["" if np.isnan(v) else repr(v) for v in values.tolist()]
    assert cells == expected
    assert cells[1] == "-0.0" and cells[0] == "0.0"  # equal values, different text
    assert cells[np.flatnonzero(values == 1e16)[0]] == "1e+16"
    assert cells[np.flatnonzero(values == 1e-5)[0]] == "1e-05"


def test_float_texts_equal_repr_across_every_magnitude():
    # Arrow's cast, rewritten per range, against repr: log-uniform magnitudes of
    # both signs, whole numbers, the range edges and their neighbouring floats
    rng = np.random.default_rng(11)
    spread = 10.0 ** rng.uniform(-323, 308, 20_000) * rng.choice([-1.0, 1.0], 20_000)
    edges = np.array([1e-6, 1e-5, 1e-4, 1e9, 1e16, 5e-324, 1e308])
    near = np.concatenate([np.nextafter(edges, 0), edges, np.nextafter(edges, np.inf)])
    short = rng.integers(1, 1000, 2_000) * 10.0 ** -rng.integers(6, 10, 2_000)  # few digits
    whole = np.floor(10.0 ** rng.uniform(0, 17, 2_000))
    values = np.concatenate([spread, near, -near, short, whole, -whole, np.array(TRICKY)])
    values = values[~np.isnan(values)]
    texts = _csv_cells(pd.Series(values)).to_pylist()
    assert texts == [repr(v) for v in values.tolist()]


def test_integer_and_boolean_cells_are_their_plain_text():
    ints = np.array([0, -1, 2**62, -(2**63), 7, 7], dtype=np.int64)
    assert _csv_cells(pd.Series(ints)).to_pylist() == [str(v) for v in ints.tolist()]
    assert _csv_cells(pd.Series([True, False, True])).to_pylist() == ["True", "False", "True"]


def test_every_character_outside_the_special_ones_is_written_as_is():
    fields = [f"a{chr(c)}b" for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    fields = [f for f in fields if not any(s in f for s in _CSV_SPECIAL)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([f, "x"] for f in fields)
    assert buffer.getvalue() == "".join(f"{f},x\n" for f in fields)


def _table() -> pd.DataFrame:
    values = _tricky_floats()
    n = len(values)
    texts = ["plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "", " padded ", "é ✓ 😀"]
    text = [texts[i % len(texts)] for i in range(n)]
    return pd.DataFrame(
        {
            "user_id": pd.array([f"u{i}" for i in range(n)], dtype="string"),
            "display_name": pd.array(
                [None if i % 5 == 0 else t for i, t in enumerate(text)], dtype="string[python]"
            ),
            "arrow_name": pd.array(
                [None if i % 3 == 0 else t for i, t in enumerate(text)], dtype="string[pyarrow]"
            ),
            "str_name": pd.Series([None if i % 6 == 0 else t for i, t in enumerate(text)]),
            "segment": pd.Categorical(
                [None if i % 7 == 0 else ["member", "x,y"][i % 2] for i in range(n)]
            ),
            "score": values,
            "count": np.arange(n, dtype=np.int64),
            "flag": np.arange(n) % 3 == 0,
            "reasons": np.array([None if i % 4 == 0 else t for i, t in enumerate(text)], object),
            "half": np.where(np.arange(n) % 2, np.nan, values),
            "empty": np.full(n, np.nan),
        }
    )


def test_write_csv_is_byte_identical_to_plain_to_csv(tmp_path):
    table = _table()
    before = table.copy()
    plain, fast = tmp_path / "plain.csv", tmp_path / "fast.csv"
    table.to_csv(plain, index=False, lineterminator="\n")
    write_csv(table, fast)
    assert fast.read_bytes() == plain.read_bytes()
    pd.testing.assert_frame_equal(table, before)  # the input is not modified


def test_write_csv_in_several_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr("influence.report.write._CSV_ROWS_PER_WRITE", 7)
    table = _table().head(100)
    plain, fast = tmp_path / "plain.csv", tmp_path / "fast.csv"
    table.to_csv(plain, index=False, lineterminator="\n")
    write_csv(table, fast)
    assert fast.read_bytes() == plain.read_bytes()


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame({"when": pd.to_datetime(["2024-01-01", None], utc=True), "n": [1.0, 2.0]}),
        pd.DataFrame({"mixed": np.array(["a", 1.5], dtype=object), "n": [1.0, 2.0]}),
        pd.DataFrame({"only": ["", "a"]}),  # one column: an empty field is quoted
        pd.DataFrame({"small": np.array([1.5, 2.25], dtype=np.float32), "n": [1, 2]}),
        pd.DataFrame({"a": pd.Series([], dtype=np.float64), "b": pd.Series([], dtype="string")}),
        pd.DataFrame({"a": [np.nan, np.nan], "b": np.array([None, None], dtype=object)}),
    ],
    ids=["dates", "mixed-objects", "one-column", "float32", "no-rows", "all-missing"],
)
def test_write_csv_edge_tables_match_to_csv(tmp_path, table):
    plain, fast = tmp_path / "plain.csv", tmp_path / "fast.csv"
    table.to_csv(plain, index=False, lineterminator="\n")
    write_csv(table, fast)
    assert fast.read_bytes() == plain.read_bytes()
