"""Stack Exchange XML scan throughput: expat against the vectorised scanner.

For each file (``Posts.xml``, ``Comments.xml`` of a dump from ``generate.py``)
this times, in this process:

* ``expat``: :func:`influence.sources.stackexchange.scan_rows`, the reference;
* ``fast``: :func:`influence.sources._xmlrows.scan_rows_fast`, one process;
* ``fast x2``: :func:`~influence.sources.stackexchange.scan_rows_parallel`
  (byte ranges, one worker process per CPU);
* with ``--sentiment``: the same two with the texts scored while scanning
  (what ``read_stackexchange`` does when the ``engagement`` extra is installed).

Each figure is the best of ``--repeat`` runs; CPU seconds are the process's own
(plus its children's for the parallel read), so they stay meaningful on a
loaded machine, where wall times are not. The columns of the fast path are
checked equal to expat's before anything is timed.

``--against DIR`` also loads ``DIR/influence/sources/_xmlrows.py`` (another
checkout, e.g. a worktree at the previous commit) and times its
``scan_rows_fast`` as ``fast (against)``, alternating with ``fast`` run by run
in the same process, so that both meet the same load; their columns are
checked equal.

Usage::

    python benchmarks/generate.py --posts 1000000 --no-table --out /tmp/h4/se-1m
    PYTHONPATH=. python benchmarks/bench_xml_scan.py /tmp/h4/se-1m --repeat 3 --sentiment
    PYTHONPATH=. python benchmarks/bench_xml_scan.py /tmp/h4/se-1m --repeat 9 \
        --readers fast --against /tmp/worktree-at-head
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import influence.sources.stackexchange as se
from influence.sources import _xmlrows as xr


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(function, repeat: int) -> tuple[object, float, float]:
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        cpu, wall = _cpu(), time.perf_counter()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, _cpu() - cpu)
    return result, best_wall, best_cpu


def _same(fast: dict, reference: dict) -> bool:
    for name, values in reference.items():
        got = fast[name]
        if isinstance(got, np.ndarray):
            if not np.array_equal(got, np.asarray(values, dtype=np.int64)):
                return False
        elif not pd.Series(got, dtype="string").equals(pd.Series(values, dtype="string")):
            return False
    return list(fast) == list(reference)


def _load_against(checkout: Path):
    """``_xmlrows`` of another checkout, as its own module (its imports from ours)."""
    spec = importlib.util.spec_from_file_location(
        "_xmlrows_against", checkout / "influence" / "sources" / "_xmlrows.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _alternated(first, second, repeat: int) -> tuple[tuple, tuple]:
    """Best (result, wall, cpu) of each, run in turns (first, second, second, first, ...)."""
    best = [(None, float("inf"), float("inf")), (None, float("inf"), float("inf"))]
    for turn in range(repeat):
        order = (0, 1) if turn % 2 == 0 else (1, 0)
        for which in order:
            result, wall, cpu = _timed((first, second)[which], 1)
            best[which] = (result, min(best[which][1], wall), min(best[which][2], cpu))
    return best[0], best[1]


def bench(
    path: Path,
    table: str,
    repeat: int,
    sentiment: bool,
    readers: list[str] | None = None,
    against=None,
) -> list[dict]:
    options = {"lengths": se._LENGTHS.get(table, ()), "keep_if": se._KEEP_IF.get(table)}
    fields = se.FIELDS[table]

    def expat():
        with open(path, "rb") as stream:
            return se.scan_rows(stream, fields, source=path.name, **options)

    def fast():
        with open(path, "rb") as stream:
            return xr.scan_rows_fast(stream, fields, **options)

    def parallel():
        return se.scan_rows_parallel(path, fields, **options)

    runs = [("fast", fast), ("fast x2", parallel), ("expat", expat)]
    if sentiment:
        texts = se._TEXTS[table]
        scorer = se._Scorer(table, None)

        def fast_scored():
            with open(path, "rb") as stream:
                return xr.scan_rows_fast(stream, fields, texts=texts, each=scorer, **options)

        def parallel_scored():
            return se.scan_rows_parallel(path, fields, texts=texts, each=scorer, **options)

        runs += [("fast + sentiment", fast_scored), ("fast x2 + sentiment", parallel_scored)]
    if readers:
        runs = [(name, function) for name, function in runs if name in readers]
    timed = {}
    if against is not None and [name for name, _function in runs][:1] == ["fast"]:

        def other():
            with open(path, "rb") as stream:
                return against.scan_rows_fast(stream, fields, **options)

        timed["fast"], timed["fast (against)"] = _alternated(fast, other, repeat)
        runs.insert(1, ("fast (against)", other))
    rows = []
    results = {}
    for name, function in runs:
        if name in timed:
            result, wall, cpu = timed[name]
        else:
            result, wall, cpu = _timed(function, repeat if "sentiment" not in name else 1)
        results[name] = result
        count = len(result["_line"])
        rows.append(
            {
                "file": path.name,
                "reader": name,
                "rows": count,
                "wall s": round(wall, 2),
                "rows/s": round(count / wall),
                "cpu s": round(cpu, 2),
                "rows per cpu-s": round(count / cpu),
                "MB/s": round(path.stat().st_size / wall / 1e6),
            }
        )
        print(rows[-1], flush=True)
    for name in ("fast", "fast x2"):
        if "expat" in results and name in results and not _same(results[name], results["expat"]):
            raise SystemExit(f"{path}: {name} and expat differ")
    if "fast (against)" in results and not _same(results["fast"], results["fast (against)"]):
        raise SystemExit(f"{path}: fast and fast (against) differ")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tables", default="Posts,Comments")
    parser.add_argument("--sentiment", action="store_true")
    parser.add_argument(
        "--readers", default="", help="comma-separated subset, e.g. 'fast + sentiment'"
    )
    parser.add_argument(
        "--against", type=Path, help="another checkout whose fast path runs in turns with ours"
    )
    arguments = parser.parse_args()
    against = _load_against(arguments.against) if arguments.against else None
    print(f"load average before: {os.getloadavg()}")
    rows = []
    for table in arguments.tables.split(","):
        rows += bench(
            arguments.dump / f"{table}.xml",
            table,
            arguments.repeat,
            arguments.sentiment,
            [name for name in arguments.readers.split(",") if name],
            against,
        )
    print(f"load average after: {os.getloadavg()}")
    names = list(rows[0])
    print("| " + " | ".join(names) + " |")
    print("|" + "---|" * len(names))
    for row in rows:
        print(
            "| "
            + " | ".join(
                f"{row[name]:,}" if isinstance(row[name], int) else str(row[name]) for name in names
            )
            + " |"
        )


if __name__ == "__main__":
    main()
