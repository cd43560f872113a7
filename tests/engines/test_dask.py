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
dd = pytest.importorskip("dask.dataframe")

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


@pytest.mark.parametrize("memory", [None, 0])
def test_parity_with_many_partitions(memory, dask_client):
    # 40 partitions: dask then plans the groupby aggregations as shuffles with
    # several output partitions (a 10M-post dump has 40 by default); each must count
    community = read(DATASETS[-1])
    assert_parity(community, dask_client, npartitions=40, graph_memory=memory)


def test_persisted_groupby_keeps_every_partition(dask_client):
    from influence.engines.dask import _compute, _pairs, _persist

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "source": pd.array(rng.integers(0, 300, 4000).astype(str), dtype="string"),
            "target": pd.array(rng.integers(0, 300, 4000).astype(str), dtype="string"),
            "weight": rng.integers(1, 4, 4000).astype("float64"),
        }
    )
    expected = frame.groupby(["source", "target"])["weight"].sum()
    persisted = _persist(dask_client, _pairs(dd.from_pandas(frame, npartitions=40)))
    (rows,) = _compute(dask_client, persisted.map_partitions(len).sum())
    assert rows == len(expected)
    actual = persisted.compute().set_index(["source", "target"])["weight"].sort_index()
    pd.testing.assert_series_equal(actual, expected.sort_index(), check_names=False)


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


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_tables_sent_piece_by_piece_equal_the_embedded_tables(npartitions, dask_client):
    # with a client every slice is scattered to a worker in turn; the rows, their
    # order and the dtypes are those of from_pandas, and the pieces spread over workers
    community = read(DATASETS[-1])
    embedded = to_dask(community, npartitions=npartitions)
    before = set(dask_client.who_has())
    sent = to_dask(community, npartitions=npartitions, client=dask_client)
    for name in ("messages", "interactions", "users"):
        expected, actual = getattr(embedded, name), getattr(sent, name)
        assert actual.npartitions == expected.npartitions
        pd.testing.assert_frame_equal(
            actual.compute().reset_index(drop=True), expected.compute().reset_index(drop=True)
        )
    pieces = {
        key: at
        for key, at in dask_client.who_has().items()
        if key not in before and str(key).startswith("DataFrame-")  # scattered, not computed
    }
    assert len(pieces) == 2 * npartitions + max(1, npartitions // 4)
    workers = len(dask_client.scheduler_info()["workers"])
    assert len({at[0] for at in pieces.values()}) == min(npartitions, workers)


@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_partitioned_reader_reads_what_the_reader_reads(folder, dask_client):
    # 4 KiB ranges: many partitions per file, each cut at a row boundary
    expected = read(folder, brand=["language"])
    actual = read_partitioned(folder, client=dask_client, piece=4096, brand=["language"])
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


# --------------------------------------------------------------------------- partitioned reading

DATA = ROOT / "tests" / "data"
REDDIT = DATA / "reddit" / "dump"
TABLE_CSV = DATA / "table" / "posts.csv"


def assert_same_community(expected, actual) -> None:
    pd.testing.assert_frame_equal(actual.messages, expected.messages)
    pd.testing.assert_frame_equal(actual.interactions, expected.interactions)
    pd.testing.assert_frame_equal(actual.users, expected.users)
    assert actual.read_stats.to_dict() == expected.read_stats.to_dict()
    assert (actual.name, actual.platform) == (expected.name, expected.platform)


def _table_rows() -> list[dict]:
    rows = pd.read_csv(TABLE_CSV, dtype=str, keep_default_na=False).to_dict("records")
    return [{k: (v if v != "" else None) for k, v in row.items()} for row in rows]


@pytest.fixture(scope="module")
def table_files(tmp_path_factory) -> Path:
    """The table fixture as JSON Lines (plain, gzip, renamed columns, mixed types) and Parquet."""
    import gzip
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("tables")
    rows = _table_rows()
    text = "".join(json.dumps(row) + "\n" for row in rows)
    (folder / "posts.ndjson").write_text("\ufeff" + text.replace("\n", "\n\n", 1))
    (folder / "posts.ndjson.gz").write_bytes(gzip.compress(text.encode()))
    renamed = [{("author" if k == "author_id" else k): v for k, v in row.items()} for row in rows]
    (folder / "renamed.jsonl").write_text("".join(json.dumps(row) + "\n" for row in renamed))
    # created_at an epoch number on one line only: its range alone would infer another type
    mixed = [dict(row, created_at=1709287200) if row["message_id"] == "3" else row for row in rows]
    (folder / "mixed.ndjson").write_text("".join(json.dumps(row) + "\n" for row in mixed))
    pq.write_table(pa.Table.from_pylist(rows), folder / "posts.parquet", row_group_size=2)
    return folder


TABLE_CASES = {
    "ndjson-by-lines": ("posts.ndjson", None),
    "ndjson-gz-by-file": ("posts.ndjson.gz", None),
    "ndjson-mapped": ("renamed.jsonl", {"author_id": "author"}),
    "ndjson-mixed-types": ("mixed.ndjson", None),
    "parquet-by-row-groups": ("posts.parquet", None),
}


@pytest.mark.parametrize("case", sorted(TABLE_CASES))
def test_partitioned_table_reads_what_the_reader_reads(case, table_files, dask_client):
    name, mapping = TABLE_CASES[case]
    path = table_files / name
    expected = read(path, format="table", mapping=mapping, brand=["dump"])
    actual = read_partitioned(
        path, client=dask_client, format="table", mapping=mapping, brand=["dump"], piece=40
    )
    assert_same_community(expected, actual)
    assert expected.messages["brand_mention"].sum() == 1  # "How do I read a dump?"


def test_partitioned_csv_reads_what_the_reader_reads(dask_client):
    expected = read(TABLE_CSV, brand="dump")
    assert_same_community(expected, read_partitioned(TABLE_CSV, client=dask_client, brand="dump"))


def test_parquet_row_groups_are_batched_in_file_order(table_files):
    from influence.engines._partitions import _group_batches

    path = table_files / "posts.parquet"
    assert _group_batches(path, 1) == [[0], [1], [2]]  # 5 rows, 2 per group
    assert _group_batches(path, 1 << 30) == [[0, 1, 2]]


def test_json_ranges_are_joined_only_when_types_agree(table_files):
    from influence.engines._partitions import _join_json_frames, _json_range, _ranges

    def ranges(name):
        path = table_files / name
        return [_json_range(str(path), begin, end) for begin, end in _ranges(path, 40)]

    # one line per range; parent_id and display_name missing in some: still joined
    assert len(ranges("posts.ndjson")) == 5
    assert _join_json_frames(ranges("posts.ndjson")) is not None
    assert _join_json_frames(ranges("mixed.ndjson")) is None  # read whole (on a worker)

    ints, floats = pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [1.5, np.nan]})
    assert _join_json_frames([ints, floats])["a"].dtype == np.float64
    strings, numbers = pd.DataFrame({"a": ["x"]}), pd.DataFrame({"a": [1]})
    assert _join_json_frames([strings, numbers]) is None  # a whole read gives object
    assert _join_json_frames([pd.DataFrame({"b": ["x"]}), strings])["b"].isna().tolist() == [
        False,
        True,
    ]


@pytest.mark.parametrize("piece", [None, 150])
def test_partitioned_reddit_folder_reads_what_the_reader_reads(piece, dask_client):
    expected = read(REDDIT, brand=["rules"])
    actual = read_partitioned(REDDIT, client=dask_client, brand=["rules"], piece=piece)
    assert_same_community(expected, actual)
    assert expected.messages["brand_mention"].any()


def test_partitioned_reddit_zst_and_single_file(tmp_path, dask_client):
    zstandard = pytest.importorskip("zstandard")
    data = (REDDIT / "RC_2024-01.ndjson").read_bytes()
    target = tmp_path / "RC_2024-01.zst"
    target.write_bytes(zstandard.ZstdCompressor().compress(data))
    for path in (target, REDDIT / "RC_2024-01.ndjson"):
        expected = read(path)
        assert_same_community(expected, read_partitioned(path, client=dask_client, piece=100))


def _with_bad_line(tmp_path) -> Path:
    lines = (REDDIT / "RC_2024-01.ndjson").read_bytes().splitlines(keepends=True)
    path = tmp_path / "RC_bad.ndjson"
    path.write_bytes(b"".join(lines[:3]) + b'{"id": \n' + b"".join(lines[3:]))
    return path


def test_partitioned_reddit_errors_and_skips_name_the_line_in_the_file(tmp_path, dask_client):
    from influence.errors import SourceError

    path = _with_bad_line(tmp_path)
    with pytest.raises(SourceError, match=r"RC_bad\.ndjson:4: line must be valid JSON"):
        read_partitioned(path, client=dask_client, piece=100)
    with pytest.warns(UserWarning, match="bad records were skipped"):
        expected = read(path, on_error="skip")
    with pytest.warns(UserWarning, match="bad records were skipped"):
        actual = read_partitioned(path, client=dask_client, on_error="skip", piece=100)
    assert_same_community(expected, actual)
    assert any(":4: line must be valid JSON" in note for note in actual.read_stats.notes)


def test_partitioned_table_error_names_the_line_in_the_file(tmp_path, dask_client):
    from influence.errors import SourceError

    path = tmp_path / "posts.ndjson"
    path.write_text('{"message_id": "1", "author_id": "a", "created_at": 1}\n\n{"x": \n')
    with pytest.raises(SourceError, match=r"posts\.ndjson:3: line must be a JSON object"):
        read_partitioned(path, client=dask_client, piece=10)


def test_partitioned_reader_refuses_a_mapping_for_another_format(dask_client):
    from influence.errors import UnknownFormatError

    with pytest.raises(UnknownFormatError, match="--map must go with format 'table'"):
        read_partitioned(REDDIT, client=dask_client, mapping={"author_id": "author"})


def test_parity_with_a_brand_on_a_partitioned_read(table_files, dask_client):
    path = table_files / "posts.parquet"
    community = read_partitioned(path, client=dask_client, brand=["dump"], piece=1)
    expected = run_analysis(read(path, brand=["dump"]), brand=["dump"])
    actual = run_analysis_dask(community, client=dask_client, brand=["dump"], npartitions=2)
    assert_same_table(expected.users, actual.users)
    assert actual.users["intimacy"].notna().any()


def test_analyze_a_path_with_the_dask_engine_and_a_brand(dask_client):
    expected = analyze(REDDIT, brand=["rules"])
    actual = analyze(REDDIT, engine="dask", client=dask_client, brand=["rules"])
    assert_same_table(expected, actual)


# --------------------------------------------------------------------------- the scheduler


def _unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_scheduler_fails_quickly_with_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from influence.cli import main

    address = f"tcp://127.0.0.1:{_unused_port()}"
    monkeypatch.setenv("INFLUENCE_SCHEDULER_TIMEOUT", "0.5")
    options = ["--engine", "dask", "--scheduler", address, "--out", str(tmp_path)]
    result = CliRunner().invoke(main, ["analyze", str(DATASETS[-1]), *options])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith(f"Error: cannot reach the Dask scheduler at {address} (")
    assert "INFLUENCE_SCHEDULER_TIMEOUT=SECONDS" in lines[-1]
    assert "Traceback" not in result.output


def test_scheduler_timeout_must_be_positive(monkeypatch):
    from influence.engines.dask import connect_timeout
    from influence.errors import InfluenceError

    assert connect_timeout(1.5) == 1.5
    monkeypatch.setenv("INFLUENCE_SCHEDULER_TIMEOUT", "12")
    assert connect_timeout() == 12.0
    monkeypatch.setenv("INFLUENCE_SCHEDULER_TIMEOUT", "soon")
    with pytest.raises(
        InfluenceError,
        match=r"INFLUENCE_SCHEDULER_TIMEOUT must be a number of seconds above 0 \(got 'soon'\)",
    ):
        connect_timeout()
    with pytest.raises(InfluenceError, match=r"timeout must be .* \(got 0\)"):
        connect_timeout(0)


def test_cli_brand_reaches_the_partitioned_reader(dask_client, tmp_path):
    from click.testing import CliRunner

    from influence.cli import main

    outputs = {}
    for engine in ("pandas", "dask"):
        options = ["--engine", engine, "--brand", "rules", "--out", str(tmp_path / engine)]
        if engine == "dask":
            options += ["--scheduler", dask_client.scheduler.address]
        result = CliRunner().invoke(main, ["analyze", str(REDDIT), *options])
        assert result.exit_code == 0, result.output
        users = pd.read_csv(tmp_path / engine / "users.csv", dtype={"user_id": str})
        outputs[engine] = users.set_index("user_id")
    assert outputs["dask"]["intimacy"].notna().any()
    assert_same_table(outputs["pandas"][["intimacy"]], outputs["dask"][["intimacy"]])


def test_every_step_is_announced_in_order(dask_client):
    from influence.analysis import FINISH_STEPS
    from influence.engines.dask import DASK_METRIC_STEPS
    from influence.progress import watch_steps

    seen = []
    with watch_steps(lambda name, k, n: seen.append((name, k, n))):
        run_analysis(read(DATASETS[-1]), engine="dask", client=dask_client)
    names = ("cluster", *DASK_METRIC_STEPS, *FINISH_STEPS)
    assert seen == [(name, k, 10) for k, name in enumerate(names, start=1)]
