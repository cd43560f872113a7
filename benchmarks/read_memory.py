"""Resident memory after each step of reading a Stack Exchange dump.

``python benchmarks/read_memory.py /tmp/h6/se-1m`` scans the files, gives the
memory the scan freed back (as ``read_stackexchange`` does), parses posts and
comments (and the ``@name`` resolution inside) from the scanned columns
handed over (each file's freed once parsed, as the reader does), then
assembles the Community and computes its id codes (as the analysis does
first), printing after each step the process's RSS, its peak
(``ru_maxrss``) and the bytes Arrow holds (the rest of the RSS is the
interpreter, numpy and pandas objects, and memory the allocators keep).
"""

from __future__ import annotations

import gc
import resource
import sys
from pathlib import Path

import psutil
import pyarrow as pa

import influence.sources.stackexchange as se
from influence._memory import give_back_memory
from influence.community import ReadStats
from influence.graph import community_codes
from influence.sources._common import assemble

PROCESS = psutil.Process()


def mark(label: str) -> None:
    rss = PROCESS.memory_info().rss / 2**30
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    arrow = pa.total_allocated_bytes() / 2**30
    print(f"| {label} | {rss:.2f} GiB | {peak:.2f} GiB | {arrow:.2f} GiB |", flush=True)


def traced(function, label: str):
    def run(*args, **kwargs):
        out = function(*args, **kwargs)
        mark(label)
        return out

    return run


def main() -> None:
    folder = Path(sys.argv[1])
    files = se._locate(folder)
    print("| step | RSS | peak so far | Arrow |\n|---|---|---|---|")
    mark("imports")
    tables = {t: se._scan_file(files[t], t) for t in se.FIELDS if t in files}
    mark("scanned")
    give_back_memory()
    mark("freed memory given back")
    se.parse_posts = traced(se.parse_posts, "parse_posts")
    se._mention_links = traced(se._mention_links, "mention resolution")
    se.parse_comments = traced(se.parse_comments, "parse_comments")
    stats = ReadStats()
    messages, links, users = se._parse_tables(tables, stats=stats)
    del tables
    gc.collect()
    mark("parse done (scanned columns freed)")
    give_back_memory()
    handed = [messages]
    del messages
    community = assemble(
        handed.pop(), links=links, users=users, stats=stats, platform="stackexchange", name="x"
    )
    mark(f"assemble ({len(community.messages):,} messages)")
    codes = community_codes(community)
    for name in ("author", "source", "target", "parent", "carrier", "thread_root"):
        getattr(codes, name)
    mark("id codes (the analysis's first step)")
    give_back_memory()
    mark("freed memory given back (what the analysis starts from)")


if __name__ == "__main__":
    main()
