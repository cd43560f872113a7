"""Wall time of the Dask engine on 1 and 2 workers against the in-process engine.

``python benchmarks/bench_dask.py --posts 10000000 --out /tmp/se-10m`` generates
the dump with benchmarks/generate.py when the folder does not exist yet (posts
and as many comments), then times, on the same machine:

* in-process: ``influence.read`` + ``run_analysis`` (pandas/numpy/scipy);
* Dask with N single-threaded worker processes on a LocalCluster (N = 1, 2 by
  default): ``read_partitioned`` (XML scanned by byte range on the workers) +
  ``run_analysis(engine="dask")``;

``--input table`` reads the same messages from the generated ``messages.parquet``
with ``--format table``:
``read_partitioned`` then reads it by row groups on the workers.

checks that every Dask run gives the in-process segments, and prints a
Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import time
from pathlib import Path

import distributed

from influence.analysis import run_analysis
from influence.engines._partitions import read_partitioned
from influence.sources import read

HERE = Path(__file__).resolve().parent


def _generate(folder: Path, posts: int) -> None:
    spec = importlib.util.spec_from_file_location("generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(folder, posts=posts, comments=posts, seed=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--input", choices=["stackexchange", "table"], default="stackexchange")
    args = parser.parse_args()
    if not args.out.exists():
        _generate(args.out, args.posts)
    path, name = args.out, args.input
    if name == "table":
        path = args.out / "messages.parquet"
    rows = []
    start = time.perf_counter()
    community = read(path, format=name)
    read_seconds = time.perf_counter() - start
    start = time.perf_counter()
    expected = run_analysis(community)
    rows.append(("in-process (pandas)", read_seconds, time.perf_counter() - start, "-"))
    for workers in args.workers:
        with (
            distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            start = time.perf_counter()
            partitioned = read_partitioned(path, client=client, format=name)
            read_seconds = time.perf_counter() - start
            start = time.perf_counter()
            actual = run_analysis(partitioned, engine="dask", client=client)
            seconds = time.perf_counter() - start
        same = actual.users["segment"].astype(str).equals(expected.users["segment"].astype(str))
        rows.append((f"dask, {workers} worker(s)", read_seconds, seconds, "yes" if same else "NO"))
    print(f"{len(community.messages):,} messages, {len(community.interactions):,} interactions")
    print("| engine | read (s) | analysis (s) | total (s) | same segments |")
    print("|---|---:|---:|---:|---|")
    for name, read_s, analysis_s, same in rows:
        print(f"| {name} | {read_s:.1f} | {analysis_s:.1f} | {read_s + analysis_s:.1f} | {same} |")


if __name__ == "__main__":
    main()
