"""The Arrow id lookups of ``influence/_lookup.py`` against ``Index.get_indexer``.

``Index.get_indexer`` is the plain lookup each fast path replaces: the
(prefix, number) table, integer hashing and Arrow string hashing must give
exactly its positions.
"""

import numpy as np
import pandas as pd
import pytest

from influence._lookup import (
    IdLookup,
    _table_positions,
    arrow_strings,
    id_positions,
    positions,
    positions_of,
)


def _ids(rng, count, integers):
    if integers:
        return [str(n) for n in rng.permutation(10 * count)[:count]]
    return [f"{'c' if n % 2 else ''}{n}é" for n in rng.permutation(10 * count)[:count]]


@pytest.mark.parametrize("integers", [True, False])
def test_id_positions_equals_get_indexer(integers):
    rng = np.random.default_rng(4)
    ids = pd.Series(_ids(rng, 500, integers), dtype="string")
    keys = pd.Series(rng.choice([*ids, "017", "-0", " 5", "x"], 2000), dtype="string")
    keys[::11] = pd.NA
    expected = pd.Index(ids.to_numpy()).get_indexer(keys.to_numpy())
    assert id_positions(keys, ids).tolist() == expected.tolist()


def test_id_positions_plain_integers_only():
    # "017" and "17" are different ids even though they are the same number
    ids = pd.Series(["17", "2"])
    assert id_positions(pd.Series(["017", "17", "+2", "2"]), ids).tolist() == [-1, 0, -1, 1]


def test_id_positions_repeated_id_gives_first():
    assert id_positions(["a", "b"], ["b", "a", "b", "a"]).tolist() == [1, 0]


def test_positions_of_splits_in_order():
    ids = pd.Series(["a", "b", "c"])
    first, second, empty = positions_of([["c", "a"], ["z"], []], ids)
    assert (first.tolist(), second.tolist(), empty.tolist()) == ([2, 0], [-1], [])


def _stack_exchange_ids(rng, count):
    """Dense post ids ``"17"`` and comment ids ``"c17"``, shuffled (a dump's messages)."""
    posts = [str(n) for n in range(1, count + 1)]
    comments = [f"c{n}" for n in range(1, count + 1)]
    return list(rng.permutation(np.array(posts + comments, dtype=object)))


@pytest.mark.parametrize(("seed", "table"), [(0, True), (1, True), (2, False), (3, False)])
def test_positions_prefixed_ids_equal_get_indexer(seed, table):
    rng = np.random.default_rng(seed)
    labels = pd.Index(_stack_exchange_ids(rng, 300), dtype="string")
    # present ids, ids just outside the range, another prefix, negative numbers, missing
    pool = [*labels, "0", "301", "c0", "c301", "x5", "-3", "c-3", None]
    if not table:  # a number not written plainly: the table gives up, hashing answers
        pool += ["017", "c017", ""]
    values = rng.choice(np.array(pool, dtype=object), 3000)
    expected = labels.get_indexer(pd.Index(values, dtype="string"))
    ids = arrow_strings(labels)
    assert (_table_positions(arrow_strings(values), ids) is not None) is table
    for given in (pd.Series(values, dtype="string"), pd.Series(values, dtype=object), values):
        found = positions(given, labels)
        assert found.dtype == np.int64
        assert found.tolist() == expected.tolist()


def test_positions_missing_value_is_never_found():
    # id_positions matches a missing key to a missing id; positions finds no missing value
    labels = pd.Index(["c1", "2", "1"], dtype="string")
    values = pd.Series([None, "1", None, "c1"], dtype="string")
    assert positions(values, labels).tolist() == [-1, 2, -1, 0]
    assert id_positions(values, pd.Series(["c1", None, "1"])).tolist() == [1, 2, 1, 0]


def test_positions_labels_with_missing_use_get_indexer():
    labels = pd.Index(["a", None, "b"], dtype="string")
    values = pd.Series(["b", None, "z"], dtype="string")
    expected = labels.get_indexer(pd.Index(values))
    assert positions(values, labels).tolist() == expected.tolist() == [2, 1, -1]


@pytest.mark.parametrize(
    "labels",
    [
        ["5", "1000000", "3"],  # sparse numbers: the table would be too large, hashed instead
        [f"{p}{n}" for p in "abcdefghijklmnopqrs" for n in range(3)],  # too many prefixes
        ["ann", "bob", "zoë"],  # no number at all
    ],
)
def test_positions_unfit_for_the_table_equal_get_indexer(labels):
    index = pd.Index(labels, dtype="string")
    values = pd.Series([*reversed(labels), "999", "zz", None], dtype="string")
    expected = index.get_indexer(pd.Index(values))
    assert _table_positions(arrow_strings(values), arrow_strings(index)) is None
    assert positions(values, index).tolist() == expected.tolist()


def test_positions_categorical_and_chunked_values():
    labels = pd.Index(["c1", "1", "2"], dtype="string")
    values = pd.Series(["2", "c1", None, "c9"], dtype="category")
    assert positions(values, labels).tolist() == [2, 0, -1, -1]
    chunked = pd.Series(pd.array(["1", "c1"], dtype="string[pyarrow]"))
    chunked = pd.concat([chunked, chunked], ignore_index=True)
    assert positions(chunked, labels).tolist() == [1, 0, 1, 0]


def test_id_lookup_reused_equals_get_indexer():
    rng = np.random.default_rng(5)
    labels = pd.Index(_stack_exchange_ids(rng, 200), dtype="string")
    lookup = IdLookup(labels)
    batches = [
        rng.choice(np.array([*labels, "c999", None], dtype=object), 500),
        np.array(["017", "c5", None, "5"], dtype=object),  # unfit for the table: hashed
        rng.choice(np.array([*labels, "x1"], dtype=object), 500),
    ]
    for values in batches:
        expected = labels.get_indexer(pd.Index(values, dtype="string"))
        assert lookup.positions(pd.Series(values, dtype="string")).tolist() == expected.tolist()
    numbers = IdLookup(pd.Index([3, 1, 2]))  # not text: the plain lookup
    assert numbers.positions(np.array([2, 9])).tolist() == [2, -1]
