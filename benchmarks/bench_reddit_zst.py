"""Benchmark: read a generated Pushshift-style Reddit dump (zstandard, long window).

Generates a seeded dump the way Pushshift / Arctic Shift publish a month: a
folder with ``RS_<name>.zst`` (submissions) and ``RC_<name>.zst`` (comments),
NDJSON, compressed with zstd's long window (``--long=31``: a 2 GiB window,
which readers must accept). Sizes: ``--zst-mb`` (compressed, both files
together) or ``--size-mb`` (uncompressed). It is written under ``/tmp`` (never
commit it) and deleted afterwards unless ``--keep``.

Then, each in a child process whose whole process tree is sampled for its
resident memory (:func:`run.measure`):

1. ``influence.read(folder)``: rows, wall time, rows/s, MB/s, peak RSS, and
   the size of the tables it returns;
2. with ``--analyze``, ``influence analyze folder`` end to end.

    python benchmarks/bench_reddit_zst.py --zst-mb 1000 --analyze
    python benchmarks/bench_reddit_zst.py --size-mb 50 --keep

The data: authors drawn from a Zipf law (a few thousand people write most of
the comments, most write once or twice), 4 % ``[deleted]`` authors, bots
(``AutoModerator`` sticky comments, ``RemindMeBot``), subreddits by a Zipf law,
threads that attract comments by a heavy-tailed popularity, 55 % of comments
replying to an earlier comment of the same thread, ``u/name`` mentions, flairs,
``[removed]`` bodies, crossposts, and the fields a 2023 dump carries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import orjson
import zstandard

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import measure  # noqa: E402  (benchmarks/ is a folder of scripts)

#: One month of Pushshift (2023-01) in Unix seconds.
MONTH_START = 1_672_531_200
MONTH_SECONDS = 31 * 86_400
#: Common English words, so that language detection and the sentiment lexicon see text.
ENGLISH = (
    "the be to of and a in that have i it for not on with he as you do at this but his by "
    "from they we say her she or an will my one all would there their what so up out if "
    "about who get which go me when make can like time no just him know take people into "
    "year your good some could them see other than then now look only come its over think "
    "also back after use two how our work first well way even new want because any these "
    "give day most us great love bad terrible awesome thanks help code python error issue "
    "really pretty sure maybe never always problem question answer version release update"
).split()


class Generator:
    """Seeded Reddit things, one at a time (submissions and comments, in time order)."""

    def __init__(self, seed: int, authors: int = 400_000) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
        parts = rng.integers(0, len(syllables), (authors, 4)).tolist()
        lengths = rng.integers(2, 5, authors).tolist()
        glue = rng.choice(["", "_", "-", ""], authors).tolist()
        digits = np.where(rng.random(authors) < 0.5, rng.integers(1, 9999, authors), -1).tolist()
        self.names = np.array(
            [
                "".join(syllables[i] for i in part[:length]) + sep + (str(d) if d >= 0 else "")
                for part, length, sep, d in zip(parts, lengths, glue, digits, strict=True)
            ],
            dtype=object,
        )
        self.names = np.unique(self.names)
        rng.shuffle(self.names)
        self.author_weights = _zipf(len(self.names), 1.05)
        self.joined = rng.integers(1_150_000_000, MONTH_START, len(self.names))
        self.flairs = np.array([None] * 8 + ["Helper", "Contributor", "Mod", "Expert"], object)
        subreddits = [f"{w}{rng.integers(0, 99)}" for w in rng.choice(ENGLISH, 200)]
        self.subreddits = np.array(["python", "learnpython", "datascience", *subreddits], object)
        self.subreddit_weights = _zipf(len(self.subreddits), 1.2)
        self.words = np.array(
            ENGLISH
            + [
                "".join(rng.choice(list("abcdefghiklmnoprstuwy"), rng.integers(2, 10)))
                for _ in range(20_000)
            ],
            dtype=object,
        )
        self.word_weights = _zipf(len(self.words), 1.0)
        self.threads: list[dict] = []  # open threads: id, subreddit, weight, comments
        self.sequence = 0
        self._batch: dict[str, list] = {}
        self._word_batch = np.zeros(0, dtype=np.int64)
        self._at = 0

    def _draw(self, name: str, values: np.ndarray, weights: np.ndarray | None = None):
        """One value of ``values``, drawn in batches of 65536 (fast, still seeded)."""
        batch = self._batch.get(name)
        if not batch:
            batch = list(self.rng.choice(values, 1 << 16, p=weights))
            self._batch[name] = batch
        return batch.pop()

    def author(self) -> str:
        return self._draw("author", self.names, self.author_weights)

    def text(self, median_words: float) -> str:
        count = min(max(1, int(self.rng.lognormal(np.log(median_words), 0.9))), 1500)
        if self._at + count > len(self._word_batch):
            self._word_batch = self.rng.choice(len(self.words), 1 << 20, p=self.word_weights)
            self._at = 0
        self._at += count
        return " ".join(self.words[self._word_batch[self._at - count : self._at]])

    def author_fields(self, author: str, created: int) -> dict:
        """``author`` and the account fields Pushshift writes beside it (null when deleted)."""
        gone = author == "[deleted]"
        return {
            "author": author,
            "author_created_utc": None if gone else int(self.rng.integers(1_150_000_000, created)),
            "author_flair_text": self._draw("flair", self.flairs),
            "author_fullname": None if gone else f"t2_{self.rng.integers(1, 2**40):x}",
        }

    def ident(self) -> str:
        self.sequence += 1
        return np.base_repr(36**5 + self.sequence * 7, 36).lower()

    def submission(self, created: int) -> dict:
        rng = self.rng
        ident = self.ident()
        author = "[deleted]" if rng.random() < 0.06 else self.author()
        subreddit = self._draw("subreddit", self.subreddits, self.subreddit_weights)
        selftext = self.text(40) if rng.random() < 0.6 else ""
        if selftext and rng.random() < 0.05:
            selftext = "[removed]"
        record = {
            "archived": False,
            **self.author_fields(author, created),
            "created_utc": created,
            "distinguished": None,
            "domain": f"self.{subreddit}" if selftext else "i.redd.it",
            "edited": False,
            "gilded": 0,
            "id": ident,
            "is_self": bool(selftext),
            "link_flair_text": None,
            "locked": False,
            "media": None,
            "num_comments": 0,
            "over_18": False,
            "permalink": f"/r/{subreddit}/comments/{ident}/_/",
            "retrieved_on": created + 86_400,
            "score": int(rng.pareto(1.2) * 3),
            "selftext": selftext,
            "stickied": False,
            "subreddit": subreddit,
            "subreddit_id": f"t5_{zlib.crc32(subreddit.encode()) % 10**7:x}",
            "title": self.text(9).capitalize(),
            "upvote_ratio": round(float(rng.uniform(0.5, 1.0)), 2),
            "url": f"https://www.reddit.com/r/{subreddit}/comments/{ident}/_/",
        }
        if self.threads and rng.random() < 0.01:
            original = self.threads[int(rng.integers(len(self.threads)))]
            record["crosspost_parent"] = f"t3_{original['id']}"
            record["crosspost_parent_list"] = [{"author": original["author"], "id": original["id"]}]
        weight = float(rng.pareto(1.1) + 0.05)
        self.threads.append(
            {
                "id": ident,
                "author": author,
                "subreddit": subreddit,
                "weight": weight,
                "comments": [],
            }
        )
        if len(self.threads) > 3000:  # old threads stop receiving comments
            self.threads.pop(0)
        self._thread_weights = None
        return record

    def comment(self, created: int) -> dict:
        rng = self.rng
        if self._thread_weights is None:
            weights = np.array([t["weight"] for t in self.threads])
            self._thread_weights = np.cumsum(weights) / weights.sum()
        thread = self.threads[int(np.searchsorted(self._thread_weights, rng.random()))]
        ident = self.ident()
        bot = rng.random() < 0.01
        author = "AutoModerator" if bot else ("[deleted]" if rng.random() < 0.04 else self.author())
        if thread["comments"] and rng.random() < 0.55:
            parent = "t1_" + thread["comments"][int(rng.integers(len(thread["comments"])))]
        else:
            parent = "t3_" + thread["id"]
        body = "[removed]" if author == "[deleted]" and rng.random() < 0.5 else self.text(22)
        if rng.random() < 0.04:
            body += f" u/{self.author()}"
        if len(thread["comments"]) < 200:
            thread["comments"].append(ident)
        subreddit = thread["subreddit"]
        return {
            "all_awardings": [],
            "archived": False,
            **self.author_fields(author, created),
            "body": body,
            "controversiality": int(rng.random() < 0.03),
            "created_utc": created,
            "distinguished": "moderator" if bot else None,
            "edited": False,
            "gilded": 0,
            "id": ident,
            "is_submitter": author == thread["author"],
            "link_id": f"t3_{thread['id']}",
            "locked": False,
            "no_follow": True,
            "parent_id": parent,
            "permalink": f"/r/{subreddit}/comments/{thread['id']}/_/{ident}/",
            "retrieved_on": created + 86_400,
            "score": int(rng.pareto(1.3) * 2) - int(rng.random() < 0.1) * 5,
            "send_replies": True,
            "stickied": bot,
            "subreddit": subreddit,
            "subreddit_id": f"t5_{zlib.crc32(subreddit.encode()) % 10**7:x}",
            "total_awards_received": 0,
        }


def _zipf(count: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


def generate(folder: Path, *, size_mb: float | None, zst_mb: float | None, seed: int = 7) -> dict:
    """Write ``RS_bench.zst`` and ``RC_bench.zst`` in ``folder``; counts and sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=31, enable_ldm=True, threads=-1
    )
    counts = {"submissions": 0, "comments": 0}
    written = {"RS": 0, "RC": 0}
    paths = {kind: folder / f"{kind}_bench.zst" for kind in written}
    raws = {kind: open(path, "wb") for kind, path in paths.items()}
    outs = {
        kind: zstandard.ZstdCompressor(compression_params=params).stream_writer(raw)
        for kind, raw in raws.items()
    }
    rng = generator.rng
    try:
        # time runs through the month; about one submission for ten comments
        step = 0
        while True:
            step += 1
            if step % 20_000 == 0:
                done = (
                    sum(raw.tell() for raw in raws.values()) / 1e6
                    if zst_mb
                    else sum(written.values()) / 1e6
                )
                if done >= (zst_mb or size_mb):
                    break
            created = MONTH_START + int(step * 0.37) % MONTH_SECONDS
            if not generator.threads or rng.random() < 0.09:
                kind, record = "RS", generator.submission(created)
                counts["submissions"] += 1
            else:
                kind, record = "RC", generator.comment(created)
                counts["comments"] += 1
            line = orjson.dumps(record) + b"\n"
            outs[kind].write(line)
            written[kind] += len(line)
    finally:
        for out in outs.values():
            out.close()  # also closes the raw file
    return {
        **counts,
        "uncompressed_mb": round(sum(written.values()) / 1e6, 1),
        "zst_mb": round(sum(path.stat().st_size for path in paths.values()) / 1e6, 1),
    }


_READ = """
import json, sys, time
import influence
start = time.perf_counter()
community = influence.read(sys.argv[1], format="reddit")
seconds = time.perf_counter() - start
tables = sum(int(f.memory_usage(deep=True).sum())
             for f in (community.messages, community.interactions, community.users))
print(json.dumps({"seconds": seconds, "messages": len(community.messages),
                  "interactions": len(community.interactions), "users": len(community.users),
                  "table_bytes": tables}))
"""


def versions() -> str:
    import numpy
    import pandas
    import pyarrow

    return (
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, "
        f"zstandard {zstandard.__version__}, orjson {orjson.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--zst-mb", type=float, default=None, help="compressed size, both files")
    size.add_argument("--size-mb", type=float, default=None, help="uncompressed size")
    parser.add_argument("--folder", type=Path, default=None, help="dump folder (default /tmp)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated dump")
    parser.add_argument("--analyze", action="store_true", help="also run influence analyze")
    parser.add_argument("--max-gib", type=float, default=20.0, help="kill a run above this RSS")
    args = parser.parse_args()
    if args.zst_mb is None and args.size_mb is None:
        args.zst_mb = 1000.0
    folder = args.folder or Path(tempfile.mkdtemp(prefix="influence-reddit-", dir="/tmp"))
    limit = int(args.max_gib * 2**30)
    try:
        if not (folder / "RC_bench.zst").exists():
            start = time.perf_counter()
            made = generate(folder, size_mb=args.size_mb, zst_mb=args.zst_mb, seed=args.seed)
            made["generate_seconds"] = round(time.perf_counter() - start, 1)
            print("generated", json.dumps(made), flush=True)
        else:
            made = {}
        run = measure([sys.executable, "-c", _READ, str(folder)], max_bytes=limit)
        if run.get("killed"):
            raise SystemExit(f"influence.read killed: {run['killed']}")
        read = json.loads(run["stdout"].strip().splitlines()[-1])
        rows = read["messages"]
        mb = made.get("uncompressed_mb")
        print(
            f"influence.read: {rows:,} messages, {read['interactions']:,} interactions, "
            f"{read['users']:,} users in {read['seconds']:.1f} s ({run['seconds']:.1f} s with "
            f"start-up): {rows / read['seconds']:,.0f} rows/s"
            + (f", {mb / read['seconds']:,.1f} MB/s uncompressed" if mb else "")
            + f"; peak RSS {run['peak_bytes'] / 2**20:,.0f} MiB; tables "
            f"{read['table_bytes'] / 2**20:,.0f} MiB",
            flush=True,
        )
        if args.analyze:
            out = Path(tempfile.mkdtemp(prefix="influence-out-", dir="/tmp"))
            command = ["influence", "analyze", str(folder), "--format", "reddit", "--out", str(out)]
            if shutil.which("influence") is None:
                command = [sys.executable, "-m", "influence", *command[1:]]
            end = measure(command, max_bytes=limit)
            shutil.rmtree(out, ignore_errors=True)
            if end.get("killed"):
                raise SystemExit(f"influence analyze killed: {end['killed']}")
            print(
                f"influence analyze: {end['seconds']:.1f} s, peak RSS "
                f"{end['peak_bytes'] / 2**20:,.0f} MiB",
                flush=True,
            )
        print(f"machine: {versions()}; load average {os.getloadavg()}")
    finally:
        if not args.keep and args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
