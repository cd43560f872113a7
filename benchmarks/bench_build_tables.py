"""Time the Stack Exchange build-tables phase alone: ``_parse_tables`` then ``assemble``.

``python benchmarks/bench_build_tables.py DUMP_FOLDER [--cache FILE]`` scans the
dump once (or loads the scanned columns pickled in ``--cache``, written on the
first run), then times the parse and the assembly in this process: wall and
CPU seconds (CPU of every thread), and the peak RSS of the process. Run it
with ``INFLUENCE_THREADS=1`` and ``2`` alternately, and from another tree with
``PYTHONPATH`` for a before/after. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cache", type=Path, default=None, help="pickle of the scanned columns")
    args = parser.parse_args()

    import influence.sources.stackexchange as se
    from influence._memory import give_back_memory
    from influence.community import ReadStats
    from influence.sources._common import assemble

    files = se._locate(args.folder)
    if args.cache is not None and args.cache.exists():
        with open(args.cache, "rb") as stream:
            tables = pickle.load(stream)
    else:
        tables = {t: se._scan_file(files[t], t, sentiment=False) for t in se.FIELDS if t in files}
        if args.cache is not None:
            with open(args.cache, "wb") as stream:
                pickle.dump(tables, stream, protocol=5)
    give_back_memory()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    stats = ReadStats()
    sources = {t: f.name for t, f in files.items()}
    messages, links, users = se._parse_tables(tables, sources=sources, stats=stats)
    del tables
    give_back_memory()
    parse = (time.perf_counter() - wall, time.process_time() - cpu)
    parse_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    community = assemble(
        messages, links=links, users=users, stats=stats, platform="stackexchange", name="bench"
    )
    del messages, links, users
    built = (time.perf_counter() - wall, time.process_time() - cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "threads": os.environ.get("INFLUENCE_THREADS", "(cores)"),
                "parse_wall": round(parse[0], 2),
                "parse_cpu": round(parse[1], 2),
                "assemble_wall": round(built[0], 2),
                "assemble_cpu": round(built[1], 2),
                "peak_parse_gib": round(parse_peak / 2**20, 3),
                "peak_gib": round(peak / 2**20, 3),
                "peak_before_gib": round(start / 2**20, 3),
                "interactions": len(community.interactions),
            }
        )
    )


if __name__ == "__main__":
    main()
