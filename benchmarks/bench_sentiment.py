"""CPU-seconds of message scoring (influence.sentiment.score_sentiment) per 1,000 messages.

Two kinds of text from datasets/stackexchange-cardano-2021: post bodies (title and
body, HTML stripped as the reader strips them, 650 characters on average) and
comments (short, about 200 characters). Each set is repeated to ``--messages``
texts, every copy made distinct by a trailing ``#n`` (digits are no word, so the
scores are unchanged, but the language detector's one-classification-per-distinct-
text cannot help). The module measured is ``influence.sentiment`` or, with
``--module FILE``, another version of it (for a before/after comparison)::

    git show 89edd66:influence/sentiment.py > /tmp/sentiment_before.py
    python benchmarks/bench_sentiment.py --module /tmp/sentiment_before.py
    python benchmarks/bench_sentiment.py

Also times ``read_stackexchange`` on the cardano dump with ``sentiment`` on and off.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"


def _load(module: str | None):
    if module is None:
        from influence import sentiment

        return sentiment
    spec = importlib.util.spec_from_file_location("sentiment_under_test", module)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _texts() -> dict[str, pd.Series]:
    from influence.sources.stackexchange import _strip_html

    posts = [row.attrib for row in ElementTree.parse(CARDANO / "Posts.xml").getroot()]
    title = pd.Series([r.get("Title") for r in posts], dtype="string")
    body = _strip_html(pd.Series([r.get("Body") for r in posts], dtype="string"))
    bodies = (title.fillna("") + "\n" + body.fillna("")).str.strip()
    comments = [row.get("Text") for row in ElementTree.parse(CARDANO / "Comments.xml").getroot()]
    return {"SE post bodies": bodies.mask(bodies == ""), "SE comments": pd.Series(comments)}


def _repeat(texts: pd.Series, count: int) -> pd.Series:
    copies = -(-count // len(texts))
    repeated = pd.concat([texts.astype("string")] * copies, ignore_index=True).iloc[:count]
    suffix = pd.Series([f" #{n}" for n in range(count)], dtype="string")
    return repeated + suffix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", help="a sentiment.py to measure instead of influence's")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args()
    module = _load(args.module)
    module.score_sentiment(pd.Series(["warm-up: load the model and lexicons", "déjà vu"]))
    results = {}
    for name, texts in _texts().items():
        texts = _repeat(texts, args.messages)
        best = min(
            _cpu(module.score_sentiment, texts, brand=["cardano"]) for _ in range(args.repeat)
        )
        results[name] = {
            "messages": len(texts),
            "mean_chars": round(float(texts.str.len().mean()), 1),
            "cpu_s": round(best, 3),
            "cpu_s_per_1000": round(1000 * best / len(texts), 4),
        }
    if args.module is None:
        from influence.sources.stackexchange import read_stackexchange

        for flag in (True, False):
            best = min(
                _cpu(read_stackexchange, CARDANO, sentiment=flag) for _ in range(args.repeat)
            )
            results[f"read_stackexchange cardano, sentiment={flag}"] = {"cpu_s": round(best, 3)}
    print(
        json.dumps(
            {
                "module": args.module or "influence.sentiment",
                "python": platform.python_version(),
                "pandas": pd.__version__,
                "results": results,
            },
            indent=2,
        )
    )


def _cpu(function, *args, **kwargs) -> float:
    start = time.process_time()
    function(*args, **kwargs)
    return time.process_time() - start


if __name__ == "__main__":
    main()
