"""The Dask engine gives the in-process results: counts equal, scores within 1e-9, segments.

One LocalCluster serves the whole test run (``dask_client``, session-scoped): two
single-threaded workers in this process, so the tests stay quick on two cores.
Expected values are the in-process engine's (itself checked by hand in
tests/metrics/); these tests check the distributed re-expression of the same
definitions on both shipped dumps, a generated dump, the toy community (self-reply,
deleted author, dangling reply, isolated user, tie) and random weighted graphs.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("dask.dataframe")

from influence.analysis import analyze, run_analysis  # noqa: E402
from influence.engines import check_engine  # noqa: E402
from influence.engines._partitions import read_partitioned  # noqa: E402
from influence.engines.dask import (  # noqa: E402
    cluster_client,
    compute_metrics_dask,
    run_analysis_dask,
    to_dask,
)
from influence.errors import EmptyCommunityError  # noqa: E402
from influence.metrics import compute_metrics  # noqa: E402
from influence.sources import read  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASETS = sorted((ROOT / "datasets").glob("stackexchange-*"))
TOLERANCE = 1e-9


@pytest.fixture(scope="session")
def dask_client():
    """One local cluster for the whole run: 2 worker processes x 1 thread.

    Worker processes, not threads: on Python 3.11 a thread worker and the client
    can deadlock on ``functools.cached_property``'s class-wide lock in dask-expr.
    """
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def generated_dump(tmp_path_factory) -> Path:
    """A small dump from benchmarks/generate.py (seeded: the same bytes every run)."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("generated")
    module.generate(folder, posts=3000, comments=3000, users=300, seed=7, table=False)
    return folder


def assert_same_table(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """Same index and order; numbers within TOLERANCE (NaN where NaN); other columns equal."""
    assert list(actual.index) == list(expected.index)
    assert list(actual.columns) == list(expected.columns)
    for name in expected.columns:
        left, right = expected[name], actual[name]
        if pd.api.types.is_numeric_dtype(left) and not pd.api.types.is_bool_dtype(left):
            a, b = left.to_numpy(np.float64), right.to_numpy(np.float64)
            assert np.array_equal(np.isnan(a), np.isnan(b)), name
            both = ~np.isnan(a)
            diff = np.abs(a[both] - b[both]).max(initial=0.0)
            assert diff <= TOLERANCE, f"{name}: max |diff| {diff}"
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), name


COUNTS = (
    "messages",
    "active_days",
    "active_weeks",
    "threads_started",
    "threads_joined",
    "questions",
    "answers",
    "out_reach",
    "in_reach",
    "core_number",
    "accepted_answers",
    "people_reached",
)


def assert_parity(community, client, **options) -> None:
    expected = run_analysis(community)
    actual = run_analysis_dask(community, client=client, **options)
    assert_same_table(expected.users, actual.users)
    for name in COUNTS:  # counts exactly, not only within the tolerance
        assert expected.users[name].equals(actual.users[name]), name
    assert actual.segment_counts() == expected.segment_counts()
    assert actual.thresholds == pytest.approx(expected.thresholds, abs=TOLERANCE)


@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_parity_on_shipped_datasets(folder, dask_client):
    assert_parity(read(folder), dask_client, npartitions=3)


def test_parity_with_the_distributed_graph_algorithms(dask_client):
    # graph_memory=0: PageRank and HITS by distributed power iteration, k-core by the
    # h-index iteration, reciprocity by groupbys: still the in-process results
    community = read(DATASETS[0])
    assert_parity(community, dask_client, npartitions=2, graph_memory=0)


def test_parity_on_generated_dump(generated_dump, dask_client):
    community = read_partitioned(generated_dump, client=dask_client, piece=64 << 10)
    assert_parity(community, dask_client, npartitions=4)


def test_parity_on_the_toy_community(toy_community, dask_client):
    assert_parity(toy_community, dask_client, npartitions=2)
    assert_parity(toy_community, dask_client, npartitions=3, graph_memory=0)


@pytest.mark.parametrize("seed", [1, 2])
def test_graph_metrics_match_on_random_weighted_graphs(seed, dask_client):
    from tests.conftest import random_community

    community = random_community(seed)
    expected = compute_metrics(community)
    for memory in (None, 0):
        actual = compute_metrics_dask(
            to_dask(community, npartitions=2), client=dask_client, graph_memory=memory
        )
        assert_same_table(expected, actual)
        assert actual.attrs["graph"]["where"] == ("distributed" if memory == 0 else "in-process")


@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_partitioned_reader_reads_what_the_reader_reads(folder, dask_client):
    # 4 KiB ranges: many partitions per file, each cut at a row boundary
    expected = read(folder)
    actual = read_partitioned(folder, client=dask_client, piece=4096)
    pd.testing.assert_frame_equal(actual.messages, expected.messages)
    pd.testing.assert_frame_equal(actual.interactions, expected.interactions)
    pd.testing.assert_frame_equal(actual.users, expected.users)
    assert actual.read_stats.to_dict() == expected.read_stats.to_dict()


def test_analyze_with_the_dask_engine(dask_client):
    expected = analyze(DATASETS[-1])
    actual = analyze(DATASETS[-1], engine="dask", client=dask_client)
    assert_same_table(expected, actual)


def test_run_analysis_dispatches_and_records_the_engine(dask_client):
    community = read(DATASETS[-1])
    analysis = run_analysis(community, engine="dask", client=dask_client)
    assert analysis.parameters["engine"] == "dask"
    assert analysis.parameters["graph"]["where"] == "in-process"
    assert "engine" not in run_analysis(community).parameters  # in-process path unchanged


def test_window_is_applied_as_in_process(dask_client):
    community = read(DATASETS[-1])
    expected = run_analysis(community, since="2020-06-01")
    actual = run_analysis_dask(community, client=dask_client, since="2020-06-01")
    assert_same_table(expected.users, actual.users)


def test_empty_window_raises(dask_client):
    community = read(DATASETS[-1])
    with pytest.raises(EmptyCommunityError, match="at least one message in the window"):
        run_analysis_dask(community, client=dask_client, since="2100-01-01")


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match=r"engine must be one of 'pandas', 'dask' \(got 'spark'\)"):
        check_engine("spark")
    with pytest.raises(ValueError, match="engine must be one of"):
        run_analysis(read(DATASETS[-1]), engine="spark")


def test_client_of_the_wrong_type_is_refused():
    with pytest.raises(
        TypeError, match=r"client must be a distributed\.Client, an address or None"
    ):
        with cluster_client(42):
            pass


def test_cluster_client_uses_the_default_client(dask_client):
    with cluster_client(None) as client:
        assert client is dask_client


def test_cli_engine_dask_with_a_scheduler(dask_client, tmp_path):
    from click.testing import CliRunner

    from influence.cli import main

    folder = DATASETS[-1]
    address = dask_client.scheduler.address
    options = ["--engine", "dask", "--scheduler", address, "--out", str(tmp_path)]
    result = CliRunner().invoke(
        main,
        ["analyze", str(folder), *options],
    )
    assert result.exit_code == 0, result.output
    expected = analyze(folder)
    users = pd.read_csv(tmp_path / "users.csv", dtype={"user_id": str}).set_index("user_id")
    assert users.index.tolist() == expected.index.tolist()
    assert users["segment"].tolist() == expected["segment"].astype(str).tolist()


def test_cli_scheduler_needs_the_dask_engine(tmp_path):
    from click.testing import CliRunner

    from influence.cli import main

    result = CliRunner().invoke(
        main, ["analyze", str(DATASETS[-1]), "--scheduler", "tcp://x:1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--scheduler goes with --engine dask" in result.output
