"""Time the end of the analysis alone: ``classify_users``, the users table, the four I's.

``python benchmarks/bench_classify_engagement.py DUMP_FOLDER [--repeat N] [--cache FILE]``
reads the dump once without sentiment and computes the metrics (or loads both
pickled in ``--cache``, written on the first run), then times, ``--repeat``
times each, :func:`influence.classify.classify_users`,
:func:`influence.engagement.compute_engagement` on the finished users table and
the whole :func:`influence.analysis.finish_analysis` (classify, users table and
four I's): wall and CPU seconds (CPU of every thread), best and median. Run it
with ``INFLUENCE_THREADS=1`` and ``2``, and from another tree with ``PYTHONPATH``
for a before/after. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import time
from pathlib import Path


def _timed(call, repeat: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall_best": round(min(walls), 4),
        "wall_median": round(statistics.median(walls), 4),
        "cpu_median": round(statistics.median(cpus), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=None, help="pickle of community, metrics")
    args = parser.parse_args()

    import pandas as pd

    import influence
    from influence.analysis import _users_table, finish_analysis
    from influence.classify import ClassifyOptions, classify_users
    from influence.engagement import compute_engagement
    from influence.graph import community_codes
    from influence.metrics import compute_metrics

    if args.cache is not None and args.cache.exists():
        with open(args.cache, "rb") as stream:
            community, metrics = pickle.load(stream)
    else:
        community = influence.read(args.folder, sentiment=False)
        metrics = compute_metrics(community)
        if args.cache is not None:
            with open(args.cache, "wb") as stream:
                pickle.dump((community, metrics), stream, protocol=5)
    codes = community_codes(community)  # as after compute_metrics in one run
    codes.author, codes.source, codes.target  # noqa: B018 - computed and cached
    options = ClassifyOptions()
    classes = classify_users(metrics, options)
    users = _users_table(community, metrics, classes)
    users = users[0] if isinstance(users, tuple) else users  # before: the table alone
    result = {
        "users": len(metrics),
        "messages": len(community.messages),
        "classify_users": _timed(lambda: classify_users(metrics, options), args.repeat),
        "compute_engagement": _timed(lambda: compute_engagement(community, users), args.repeat),
        "finish_analysis": _timed(
            lambda: finish_analysis(
                community, metrics, options=options, timings={}, horizon=pd.Timedelta("24h")
            ),
            args.repeat,
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
