"""What the reading progress hook costs: a file read line by line through open_binary,
with nobody listening and with a listener (influence.sources._common.watch_reading).

    python benchmarks/bench_read_progress.py [--megabytes 200] [--repeat 3]

Writes a plain and a gzip file of Stack Exchange-like rows in a temporary folder, then
times iterating over their lines (the readers' access pattern), best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

from influence.sources._common import open_binary, watch_reading


def _lines(path: Path) -> int:
    with open_binary(path) as stream:
        return sum(1 for _line in stream)


def _best(path: Path, repeat: int, listen: bool) -> tuple[float, int]:
    calls = [0]

    def listener(_name, _consumed, _size):
        calls[0] += 1

    best = float("inf")
    for _ in range(repeat):
        calls[0] = 0
        start = time.perf_counter()
        if listen:
            with watch_reading(listener):
                _lines(path)
        else:
            _lines(path)
        best = min(best, time.perf_counter() - start)
    return best, calls[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    row = b'  <row Id="%d" PostTypeId="2" ParentId="%d" Score="3" OwnerUserId="%d" />\n'
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "Posts.xml"
        with open(plain, "wb") as out:
            n = 0
            while out.tell() < args.megabytes * 1_000_000:
                out.write(b"".join(row % (n + i, n, i % 997) for i in range(10_000)))
                n += 10_000
        packed = Path(folder) / "Posts.xml.gz"
        with open(plain, "rb") as source, gzip.open(packed, "wb", compresslevel=1) as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        print(
            f"{n:,} lines, {plain.stat().st_size / 1e6:.0f} MB plain, "
            f"{packed.stat().st_size / 1e6:.0f} MB gzip"
        )
        print("| file | nobody listens (s) | listener (s) | listener calls |")
        print("|---|---:|---:|---:|")
        for path in (plain, packed):
            quiet, _ = _best(path, args.repeat, False)
            heard, calls = _best(path, args.repeat, True)
            print(f"| {path.name} | {quiet:.2f} | {heard:.2f} | {calls:,} |")


if __name__ == "__main__":
    main()
