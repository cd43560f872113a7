"""The users table's order (score, then id) by one lexsort, against the pandas sort."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from influence.analysis import ranking_order


def _pandas_order(scores: pd.Series, ids: pd.Index) -> np.ndarray:
    # the plain algorithm: sort the rows by score (missing as -1) down, then by id up
    frame = pd.DataFrame({"_score": scores.fillna(-1.0).to_numpy(), "user_id": ids})
    order = frame.sort_values(["_score", "user_id"], ascending=[False, True], kind="stable")
    return order.index.to_numpy()


_SCORES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.5, -1.0, np.nan, 1e-300, -2.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=6), _SCORES), unique_by=lambda row: row[0]))
@settings(max_examples=300, deadline=None)
def test_ranking_order_equals_the_pandas_sort(rows):
    ids = pd.Index([uid for uid, _score in rows], dtype="string")
    scores = pd.Series([score for _uid, score in rows], dtype="float64")
    assert ranking_order(scores, ids).tolist() == _pandas_order(scores, ids).tolist()


def test_ranking_order_breaks_ties_by_id_in_code_point_order():
    ids = pd.Index(["é", "z", "Z", "a10", "a9", "ä"], dtype="string")
    scores = pd.Series([0.5] * 6)
    # by code point: "Z" < "a10" < "a9" < "z" < "ä" < "é"
    assert ids[ranking_order(scores, ids)].tolist() == ["Z", "a10", "a9", "z", "ä", "é"]
    assert ranking_order(scores, ids).tolist() == _pandas_order(scores, ids).tolist()
