"""propagation_curves from the earliest responses equals the per-message reach averaged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from influence.metrics.propagation import compute_reach_by_horizon
from influence.report.curves import COMMUNITY, propagation_curves
from tests.metrics.test_fast_paths import random_thread_community


def _reference(community, users, hours) -> pd.DataFrame:
    """The plain way: reach per message at each horizon, averaged per author with groupby."""
    table = compute_reach_by_horizon(community.messages, [pd.Timedelta(hours=h) for h in hours])
    known = community.messages["author_id"].notna().to_numpy()
    authors = community.messages["author_id"].to_numpy(dtype=object)[known]
    rows = []
    for column in table.columns:
        reach = table[column].to_numpy()[known]
        per_author = pd.Series(reach).groupby(authors).mean().reindex(users)
        rows.append([*per_author.to_numpy(float), reach.mean() if known.any() else np.nan])
    frame = pd.DataFrame(rows, columns=pd.Index([*users, COMMUNITY]), dtype=np.float64)
    frame.index = pd.Index([float(h) for h in hours], dtype=np.float64, name="hours")
    return frame


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_curves_equal_the_groupby_reference(seed):
    community = random_thread_community(seed)
    authors = set(community.messages["author_id"].dropna())
    silent = [u for u in community.user_ids if u not in authors]  # members who never wrote
    users = [*community.user_ids[:5], "nobody", *silent[:1], community.user_ids[0]]
    hours = [0.25, 1, 24, 24 * 30, 24 * 365]
    curves = propagation_curves(community, users, hours=hours)
    pd.testing.assert_frame_equal(curves, _reference(community, users, hours), check_exact=True)


def test_curves_of_the_toy_community(toy_community):
    users = list(toy_community.user_ids)
    curves = propagation_curves(toy_community, users)
    expected = _reference(toy_community, users, curves.index.tolist())
    pd.testing.assert_frame_equal(curves, expected, check_exact=True)
