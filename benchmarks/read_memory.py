"""Resident memory after each step of reading a Stack Exchange dump.

``python benchmarks/read_memory.py /tmp/h4/se-1m`` scans the files, parses posts
and comments (and the ``@name`` resolution inside), then assembles the
Community, printing the process's RSS and peak (``ru_maxrss``) after each step.
"""

from __future__ import annotations

import gc
import resource
import sys
from pathlib import Path

import psutil

import influence.sources.stackexchange as se
from influence.community import ReadStats
from influence.sources._common import assemble

PROCESS = psutil.Process()


def mark(label: str) -> None:
    rss = PROCESS.memory_info().rss / 2**30
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"| {label} | {rss:.2f} GiB | {peak:.2f} GiB |", flush=True)


def traced(function, label: str):
    def run(*args, **kwargs):
        out = function(*args, **kwargs)
        mark(label)
        return out

    return run


def main() -> None:
    folder = Path(sys.argv[1])
    files = se._locate(folder)
    print("| step | RSS | peak so far |\n|---|---|---|")
    tables = {t: se._scan_file(files[t], t) for t in se.FIELDS if t in files}
    mark("scanned")
    se.parse_posts = traced(se.parse_posts, "parse_posts")
    se._mention_links = traced(se._mention_links, "mention resolution")
    se.parse_comments = traced(se.parse_comments, "parse_comments")
    stats = ReadStats()
    messages, links, users = se.parse_stackexchange(tables, stats=stats)
    mark("parse_stackexchange done")
    del tables
    gc.collect()
    assemble(messages, links=links, users=users, stats=stats, platform="stackexchange", name="x")
    mark("assemble")


if __name__ == "__main__":
    main()
