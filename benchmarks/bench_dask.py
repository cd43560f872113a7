"""Wall time of the Dask engine on 1 and 2 workers against the in-process engine.

``python benchmarks/bench_dask.py --posts 10000000 --out /tmp/se-10m`` generates
the dump with benchmarks/generate.py when the folder does not exist yet (posts
and as many comments), then times, one engine per child process (so each has
the machine's memory to itself, and its peak is measured alone):

* in-process: ``influence.read`` + ``run_analysis`` (pandas/numpy/scipy);
* Dask with N single-threaded worker processes on a LocalCluster (N = 1, 2 by
  default): ``read_partitioned`` (XML scanned by byte range on the workers) +
  ``run_analysis(engine="dask")``;

``--input table`` reads the same messages from the generated ``messages.parquet``
with ``--format table``:
``read_partitioned`` then reads it by row groups on the workers.
``--no-sentiment`` skips the scoring of texts in every run (as
``influence analyze --no-sentiment``).

Peak memory is the largest resident set of the child's process tree (client,
nannies and workers; see ``run.measure``). Checks that every Dask run gives the
in-process segments, and prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_run(path: Path, name: str, workers: int, sentiment: bool, segments: Path) -> dict:
    """Read and score ``path`` with one engine (0 workers: in-process); seconds per phase."""
    from influence.analysis import run_analysis
    from influence.sources import read

    if not workers:
        start = time.perf_counter()
        community = read(path, format=name, sentiment=sentiment)
        read_seconds = time.perf_counter() - start
        start = time.perf_counter()
        analysis = run_analysis(community)
    else:
        import distributed

        from influence.engines._partitions import read_partitioned

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
            community = read_partitioned(path, client=client, format=name, sentiment=sentiment)
            read_seconds = time.perf_counter() - start
            start = time.perf_counter()
            analysis = run_analysis(community, engine="dask", client=client)
    seconds = time.perf_counter() - start
    analysis.users[["segment"]].astype(str).to_parquet(segments)
    return {
        "read": read_seconds,
        "analysis": seconds,
        "messages": len(community.messages),
        "interactions": len(community.interactions),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--input", choices=["stackexchange", "table"], default="stackexchange")
    parser.add_argument("--no-sentiment", action="store_true", help="score no text")
    parser.add_argument("--max-gib", type=float, default=22.0, help="kill a run above this")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: workers (0: pandas)
    parser.add_argument("--segments", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path, name = args.out, args.input
    if name == "table":
        path = args.out / "messages.parquet"
    if args.one is not None:
        print(json.dumps(one_run(path, name, args.one, not args.no_sentiment, args.segments)))
        return
    if not args.out.exists():
        _module("generate").generate(args.out, posts=args.posts, comments=args.posts, seed=0)
    import pandas as pd

    measure = _module("run").measure
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        expected = None
        for workers in [0, *args.workers]:
            segments = Path(scratch) / f"segments-{workers}.parquet"
            command = [sys.executable, __file__, "--out", str(args.out), "--input", name]
            command += ["--one", str(workers), "--segments", str(segments)]
            command += ["--no-sentiment"] if args.no_sentiment else []
            result = measure(command, max_bytes=int(args.max_gib * 2**30))
            label = f"dask, {workers} worker(s)" if workers else "in-process (pandas)"
            gib = result["peak_bytes"] / 2**30
            if "killed" in result:
                rows.append(
                    f"| {label} | - | - | {result['seconds']:.1f} | {gib:.2f} "
                    f"| killed {result['killed']} |"
                )
                print(rows[-1], flush=True)
                continue
            timings = json.loads(result["stdout"].strip().splitlines()[-1])
            actual = pd.read_parquet(segments)["segment"]
            if expected is None:
                expected, same = actual, "-"
                print(f"{timings['messages']:,} messages, {timings['interactions']:,} interactions")
            else:
                same = "yes" if actual.equals(expected) else "NO"
            rows.append(
                f"| {label} | {timings['read']:.1f} | {timings['analysis']:.1f} "
                f"| {timings['read'] + timings['analysis']:.1f} | {gib:.2f} | {same} |"
            )
            print(rows[-1], flush=True)
    print("| engine | read (s) | analysis (s) | total (s) | peak (GiB) | same segments |")
    print("|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
