"""The metric table: contract, relabelling, determinism, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TOY_USERS, random_community, relabel

from influence.community import Community
from influence.errors import ConvergenceError
from influence.metrics import METRIC_COLUMNS, compute_metrics
from influence.schema import empty_interactions, empty_messages


def test_metric_table_contract(toy_community):
    table = compute_metrics(toy_community)
    assert tuple(table.columns) == METRIC_COLUMNS
    assert (table.dtypes == "float64").all()
    assert table.index.equals(toy_community.user_ids)
    assert table.index.name == "user_id"
    assert list(table.index) == list(TOY_USERS)
    # the isolated user: zeros where there is no activity, NaN where undefined
    gus = table.loc["gus"]
    undefined = {
        "z_score",
        "reciprocity",
        "answered_back",
        "propagation_speed",
        "first_response_minutes",
        "responded_share",
    }
    assert set(gus[gus.isna()].index) == undefined
    zero = gus.drop([*undefined, "reputation", "self_proclamation"])
    assert (zero == 0).all()
    # the tie: fay and hal are mirror images
    pd.testing.assert_series_equal(table.loc["fay"], table.loc["hal"], check_names=False)


def test_inputs_not_mutated(toy_community):
    before = {
        name: getattr(toy_community, name).copy() for name in ("messages", "interactions", "users")
    }
    compute_metrics(toy_community)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(toy_community, name), frame)


def test_deterministic(toy_community):
    pd.testing.assert_frame_equal(compute_metrics(toy_community), compute_metrics(toy_community))


@pytest.mark.parametrize("seed", range(5))
def test_relabelling_users_permutes_results(toy_community, seed):
    rng = np.random.default_rng(seed)
    names = list(TOY_USERS)
    mapping = dict(zip(names, rng.permutation([f"p{i}" for i in range(len(names))]), strict=True))
    original = compute_metrics(toy_community)
    renamed = compute_metrics(relabel(toy_community, mapping))
    back = renamed.rename(index={new: old for old, new in mapping.items()}).loc[original.index]
    back.index = original.index
    pd.testing.assert_frame_equal(back, original, atol=1e-9, rtol=0)


@pytest.mark.parametrize("seed", range(3))
def test_relabelling_random_graphs(seed):
    community = random_community(seed)
    names = [str(u) for u in community.user_ids]
    rng = np.random.default_rng(100 + seed)
    mapping = dict(
        zip(names, rng.permutation([f"z{i:03d}" for i in range(len(names))]), strict=True)
    )
    original = compute_metrics(community)
    renamed = compute_metrics(relabel(community, mapping))
    back = renamed.rename(index={new: old for old, new in mapping.items()}).loc[original.index]
    back.index = original.index
    pd.testing.assert_frame_equal(back, original, atol=1e-8, rtol=0)


def test_users_without_anything():
    users = pd.DataFrame({"user_id": ["a", "b"], "display_name": None, "created_at": pd.NaT})
    community = Community(messages=empty_messages(), interactions=empty_interactions(), users=users)
    table = compute_metrics(community)
    assert table.shape == (2, len(METRIC_COLUMNS))
    assert table["reputation"].tolist() == [1.0, 1.0]  # uniform PageRank times n
    assert table["messages"].tolist() == [0.0, 0.0]
    assert table["feedback"].isna().all()  # no score at all on this platform


def test_empty_community():
    users = pd.DataFrame({"user_id": [], "display_name": [], "created_at": []})
    community = Community(messages=empty_messages(), interactions=empty_interactions(), users=users)
    table = compute_metrics(community)
    assert table.empty and tuple(table.columns) == METRIC_COLUMNS


def test_convergence_error_surfaces(toy_community):
    with pytest.raises(ConvergenceError, match="must converge within max_iter=1"):
        compute_metrics(toy_community, max_iter=1)
