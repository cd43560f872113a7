"""The (prefix, number) split of ``influence/_lookup.py`` against the rule in plain Python.

``_python_split`` applies the rule value by value: the prefix is what is
left once the trailing digits and ``-`` are cut, the rest an integer written
plainly. The Arrow split must give the same prefixes (in the order they
first appear), codes and numbers, and refuse the same columns.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import influence
from influence._lookup import (
    _PREFIXES,
    _SAMPLE,
    IdLookup,
    _integer_ids,
    _split_ids,
    arrow_strings,
    id_positions,
)

_NUMBER_CHARS = "0123456789-"
DATASETS = Path(__file__).resolve().parent.parent / "datasets"


_PLAIN_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def _python_split(ids: list, prefixes: list | None = None):
    """The split value by value: the prefix is the value without its trailing digits and "-"."""
    parts = [None if value is None else value.rstrip(_NUMBER_CHARS) for value in ids]
    if prefixes is None:
        prefixes = list(dict.fromkeys(part for part in parts if part is not None)) or [""]
        if len(prefixes) > _PREFIXES:
            return None
    if any(set(prefix) & set(_NUMBER_CHARS) for prefix in prefixes):
        return None
    codes, numbers = [], []
    for value, head in zip(ids, parts, strict=True):
        if head is None or head not in prefixes:
            codes.append(-1)
            numbers.append(0)
            continue
        tail = value[len(head) :]
        if not _PLAIN_INTEGER.fullmatch(tail) or tail == "-0" or abs(int(tail)) >= 2**63:
            return None
        codes.append(prefixes.index(head))
        numbers.append(int(tail))
    return prefixes, codes, numbers


def _as_lists(split):
    if split is None:
        return None
    prefixes, code, number = split
    assert code.dtype == np.int64 and number.dtype == np.int64
    return prefixes.to_pylist(), code.tolist(), number.tolist()


def _assert_same_split(values: pa.Array) -> None:
    """The split equals the plain one, alone and for keys split by its prefixes."""
    expected = _split_ids(values)
    assert _as_lists(expected) == _python_split(values.to_pylist())
    given_prefixes = [
        pa.array(["", "c"], type=pa.large_string()),
        pa.array([""], type=pa.large_string()),
    ]
    if expected is not None:
        given_prefixes.append(expected[0])
    for prefixes in given_prefixes:
        expected = _python_split(values.to_pylist(), prefixes.to_pylist())
        assert _as_lists(_split_ids(values, prefixes)) == expected


_PREFIX = st.sampled_from(
    ["", "", "c", "c", "a", "é", "+", " ", "-", "a-b", "b1", "日本", "ab", "0x", "0X"]
)
_NUMBER = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(2**63) - 2, 2**63 + 1),
    st.integers(-(10**25), 10**25),
)
_SIGN = st.sampled_from(["", "", "", "-", "+", " ", "--", "0", "00"])
_TEXT = st.text(alphabet="0123456789-+ xXabcé日\x00", max_size=14)


@st.composite
def _id(draw):
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return None
    if kind == 1:
        return draw(_TEXT)
    number = draw(_NUMBER)
    written = str(abs(number))
    sign = "-" if number < 0 else ""
    if draw(st.integers(0, 3)) == 0:
        sign = draw(_SIGN) + sign
    return draw(_PREFIX) + sign + written + draw(st.sampled_from(["", "", "", "-", "x"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_id(), max_size=30))
def test_split_equals_arrow_passes(ids):
    values = pa.array(ids, type=pa.large_string())
    _assert_same_split(values)
    _assert_same_split(pa.array(ids, type=pa.string()))
    # a slice starts inside the buffers; a long column is sampled first
    _assert_same_split(pa.array([*ids, "c1"], type=pa.large_string()).slice(1, len(ids)))
    long = [ids[n % len(ids)] for n in range(3 * _SAMPLE)] if ids else []
    _assert_same_split(pa.array(long, type=pa.large_string()))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(10**6), 10**6), max_size=40), st.sets(_PREFIX, min_size=1))
def test_split_equals_arrow_passes_on_well_formed_ids(numbers, prefixes):
    prefixes = sorted(prefixes)
    ids = [prefixes[n % len(prefixes)] + str(n) for n in numbers]
    _assert_same_split(pa.array(ids, type=pa.large_string()))


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["17", "c17", None, "c-3", "é5"], (["", "c", "é"], [0, 1, -1, 1, 2], [17, 17, 0, -3, 5])),
        ([], ([""], [], [])),
        ([None, None], ([""], [-1, -1], [0, 0])),
        (["+5", " 5", "5"], (["+", " ", ""], [0, 1, 2], [5, 5, 5])),
        (["9223372036854775807", "-9223372036854775807"], None),  # as ints they fit
        (["-9223372036854775808"], None),
        (["c9223372036854775808"], None),
        (["c99999999999999999999"], None),
        (["c-0"], None),
        (["c017"], None),
        (["c5-"], None),
        (["c"], None),
        ([""], None),
        (["a1b2"], None),
        ([f"p{n}q{n}" for n in range(_PREFIXES + 1)], None),
    ],
)
def test_split_hand_computed(ids, expected):
    values = pa.array(ids, type=pa.large_string())
    got = _as_lists(_split_ids(values))
    if ids[:1] == ["9223372036854775807"]:
        assert got == ([""], [0, 0], [2**63 - 1, -(2**63) + 1])
    else:
        assert got == (None if expected is None else tuple(expected))
    assert got == _python_split(ids)


def test_hexadecimal_is_not_a_plain_integer():
    # Arrow casts "0x10000000000" to 1099511627776, whose 13 digits are as many
    # as its characters: the plain version took it for that number
    hexadecimal = pa.array(["0x10000000000"], type=pa.large_string())
    assert hexadecimal.cast(pa.int64()).to_pylist() == [1099511627776]
    assert _integer_ids(hexadecimal) is None
    assert _split_ids(hexadecimal) is None
    assert id_positions(["1099511627776"], ["0x10000000000"]).tolist() == [-1]
    assert id_positions(["0x10000000000", "7"], ["7", "0x10000000000"]).tolist() == [1, 0]
    for written in ("0X10000000000", "0x1A", "5"):
        column = pa.array(["17", written], type=pa.large_string())
        assert (_integer_ids(column) is None) == (written != "5")


@pytest.mark.parametrize(
    ("dataset", "posts", "comments"),
    [("stackexchange-cardano-2021", 2538, 1828), ("stackexchange-conlang-meta-2020", 169, 230)],
)
def test_split_equals_arrow_passes_on_shipped_datasets(dataset, posts, comments):
    community = influence.read(DATASETS / dataset, sentiment=False)
    messages = community.messages
    message_ids = arrow_strings(messages["message_id"])
    split = _split_ids(message_ids)
    assert _as_lists(split) == _python_split(message_ids.to_pylist())
    prefixes, code, _number = split
    # posts are "17", comments "c17"
    assert prefixes.to_pylist() == ["", "c"]
    assert [(code == 0).sum(), (code == 1).sum()] == [posts, comments]
    columns = [
        messages["parent_id"],
        messages["thread_id"],
        community.interactions["message_id"],
    ]
    for column in columns:
        keys = arrow_strings(column)
        assert _as_lists(_split_ids(keys, prefixes)) == _python_split(
            keys.to_pylist(), prefixes.to_pylist()
        )
    for column in (community.users["user_id"], messages["author_id"]):
        users = arrow_strings(column)
        assert _as_lists(_split_ids(users)) == _python_split(users.to_pylist())


def test_one_chunk_id_columns_are_looked_up_without_a_copy():
    ids = pd.Series([f"c{n}" for n in range(1000)], dtype="string[pyarrow]")
    arrow = arrow_strings(ids)
    assert arrow.buffers()[2].address == ids.array._pa_array.chunk(0).buffers()[2].address
    parents = pd.Series([None, "c5", "x", "c999"], dtype="string[pyarrow]")
    assert IdLookup(pd.Index(ids.array)).positions(parents).tolist() == [-1, 5, -1, 999]
