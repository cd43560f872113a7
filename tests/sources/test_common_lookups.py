"""The Arrow lookups and sort of ``sources/_common.py`` against the pandas ones they replace."""

import numpy as np
import pandas as pd
import pytest

from influence.sources._common import build_interactions, id_positions, positions_of, sort_rows


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


def test_sort_rows_equals_sort_values():
    rng = np.random.default_rng(7)
    count = 3000
    frame = pd.DataFrame(
        {
            "at": pd.to_datetime(rng.integers(0, 40, count), unit="s", utc=True),
            "kind": pd.Series(rng.choice(["reply", "mention", "accept"], count)).astype("category"),
            "who": pd.array(
                [
                    None if n == 0 else "Zé"[n % 2] + chr(0x60 + n)
                    for n in rng.integers(0, 9, count)
                ],
                dtype="string",
            ),
            "score": rng.choice([1.0, np.nan, -0.5], count),
            "row": np.arange(count),
        }
    )
    frame.loc[frame.index[::13], "at"] = pd.NaT
    for columns in (["at", "who"], ["kind", "who", "at"], ["score", "who"], ["who"]):
        expected = frame.sort_values(columns, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(sort_rows(frame, columns), expected)


def test_sort_rows_mixed_objects_fall_back_to_pandas():
    frame = pd.DataFrame({"id": pd.Series(["b", 1, "a"], dtype=object), "n": [0, 1, 2]})
    with pytest.raises(TypeError):  # as pandas itself: str and int do not compare
        frame.sort_values(["id"], kind="stable")
    with pytest.raises(TypeError):
        sort_rows(frame, ["id"])


def test_build_interactions_repeated_message_ids_still_refused():
    messages = pd.DataFrame(
        {
            "message_id": ["1", "1", "2"],
            "author_id": ["a", "b", "c"],
            "thread_id": ["1", "1", "1"],
            "parent_id": [None, None, "1"],
            "created_at": pd.to_datetime(["2024-01-01"] * 3, utc=True),
        }
    )
    with pytest.raises(pd.errors.InvalidIndexError):
        build_interactions(messages)
