"""Benchmark: read a generated Reddit comments dump (NDJSON, zstandard) with influence.read.

Generates a seeded Pushshift-style ``RC_*.zst`` file of about ``--size-mb``
megabytes of uncompressed JSON (default 1024) under ``/tmp`` (never commit
it), reads it with :func:`influence.read` and prints rows/s, MB/s and the
peak resident memory of the process.

    python benchmarks/bench_reddit_zst.py --size-mb 1024
    python benchmarks/bench_reddit_zst.py --size-mb 50 --keep
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import string
import time
from pathlib import Path

import zstandard

import influence


def generate(path: Path, size_mb: int, seed: int = 7) -> tuple[int, int]:
    """Write ``path``: comments in a few subreddits, authors and threads drawn at random."""
    rng = random.Random(seed)
    authors = [
        "".join(rng.choices(string.ascii_lowercase + "_", k=rng.randint(5, 14)))
        for _ in range(50_000)
    ]
    authors += ["[deleted]"] * 500 + ["AutoModerator"] * 50
    subreddits = ["python", "datascience", "learnpython", "rust", "golang", "linux"]
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(5000)]
    target = size_mb * 1_000_000
    written = rows = 0
    ids: list[str] = []
    base = 1_700_000_000
    compressor = zstandard.ZstdCompressor(level=3, threads=-1)
    with open(path, "wb") as raw, compressor.stream_writer(raw) as out:
        while written < target:
            rows += 1
            ident = format(10_000_000 + rows, "x")
            thread = format(rng.randint(1, max(1, rows // 20 + 1)), "x")
            parent = f"t1_{rng.choice(ids)}" if ids and rng.random() < 0.6 else f"t3_{thread}"
            body = " ".join(rng.choices(words, k=rng.randint(5, 80)))
            if rng.random() < 0.05:
                body += f" u/{rng.choice(authors)}"
            record = {
                "all_awardings": [],
                "archived": False,
                "author": rng.choice(authors),
                "author_created_utc": base - rng.randint(0, 10**8),
                "author_flair_css_class": None,
                "author_flair_text": None,
                "author_fullname": f"t2_{rng.randint(1, 10**9):x}",
                "body": body,
                "controversiality": 0,
                "created_utc": base + rows,
                "distinguished": None,
                "edited": False,
                "gilded": 0,
                "id": ident,
                "is_submitter": False,
                "link_id": f"t3_{thread}",
                "locked": False,
                "no_follow": True,
                "parent_id": parent,
                "permalink": f"/r/x/comments/{thread}/_/{ident}/",
                "retrieved_on": base + rows + 3600,
                "score": rng.randint(-5, 200),
                "send_replies": True,
                "stickied": False,
                "subreddit": rng.choice(subreddits),
                "subreddit_id": "t5_2qh0y",
                "total_awards_received": 0,
            }
            line = (json.dumps(record) + "\n").encode()
            out.write(line)
            written += len(line)
            if len(ids) < 200_000:
                ids.append(ident)
            elif rng.random() < 0.1:
                ids[rng.randrange(len(ids))] = ident
    return rows, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="uncompressed size (MB)")
    parser.add_argument("--path", type=Path, default=None, help="dump file (default under /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    args = parser.parse_args()
    path = args.path or Path(f"/tmp/influence-bench/RC_bench_{args.size_mb}MB.zst")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        start = time.perf_counter()
        rows, size = generate(path, args.size_mb)
        print(
            f"generated {rows:,} rows, {size / 1e6:,.0f} MB uncompressed, "
            f"{path.stat().st_size / 1e6:,.0f} MB compressed in {time.perf_counter() - start:.0f} s"
        )
    else:
        size = None
    start = time.perf_counter()
    community = influence.read(path, format="reddit")
    seconds = time.perf_counter() - start
    rows = len(community.messages)
    if size is None:
        with influence.sources._common.open_binary(path) as stream:
            size = sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 24), b""))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"read {rows:,} messages, {len(community.interactions):,} interactions, "
        f"{len(community.users):,} users in {seconds:.1f} s"
    )
    print(
        f"{rows / seconds:,.0f} rows/s, {size / 1e6 / seconds:,.1f} MB/s (uncompressed), "
        f"peak RSS {peak_mb:,.0f} MB"
    )
    import numpy
    import pandas

    try:
        import orjson

        json_parser = f"orjson {orjson.__version__}"
    except ImportError:
        json_parser = "json (standard library)"
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"numpy {numpy.__version__}, zstandard {zstandard.__version__}, {json_parser}"
    )
    if not args.keep and args.path is None:
        path.unlink()


if __name__ == "__main__":
    main()
