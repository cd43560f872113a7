"""The Arrow sort of ``sources/_common.py`` against the pandas one it replaces.

The id lookups it uses are tested in ``tests/test_lookup.py``.
"""

import numpy as np
import pandas as pd
import pytest

from influence.sources._common import build_interactions, sort_rows


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
