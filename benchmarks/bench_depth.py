"""Time the model's depth (issue 7) on a generated dump: topics, periods, trends, health,
identities and the CELF invitation plan.

``python benchmarks/bench_depth.py /tmp/se-1m/messages.parquet`` reads the messages table
written by ``benchmarks/generate.py`` (``--format table``), gives every thread a topic
(seeded, Zipf-distributed over 300 topics, as the generator's tags are), then times each
step once and prints one Markdown row per step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import influence
from influence.sources.table import parse_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table", type=Path)
    parser.add_argument("--every", default="month")
    parser.add_argument("--invite", type=int, default=10)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rows = []

    def step(name, function):
        start = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - start
        rows.append((name, seconds))
        print(f"| {name} | {seconds:,.1f} s |", flush=True)
        return value

    def load():
        table = pd.read_parquet(args.table)
        times = table["created_at"]
        if times.min() < pd.Timestamp("2000-01-01", tz="UTC"):  # offsets from the epoch
            table["created_at"] = times + (
                pd.Timestamp("2015-01-01", tz="UTC") - times.min().floor("D")
            )
        rng = np.random.default_rng(args.seed)
        threads = pd.Index(table["thread_id"].unique())
        weights = 1.0 / np.arange(1, 301) ** 1.1
        topic = rng.choice(300, size=len(threads), p=weights / weights.sum())
        table["topic"] = (
            pd.Series([f"tag{t}" for t in topic], index=threads)
            .reindex(table["thread_id"])
            .to_numpy()
        )
        return parse_table(table)

    community = step("read messages.parquet (table) and assemble", load)
    print(community, flush=True)
    analysis = step(
        "run_analysis (whole dump, for reference)", lambda: influence.run_analysis(community)
    )
    step("detect_accounts", lambda: influence.detect_accounts(community))
    step(
        "score_topics (topics with >= 1,000 messages)",
        lambda: influence.score_topics(community, min_topic_messages=1000),
    )
    periods = step(
        f"score_periods every {args.every}",
        lambda: influence.score_periods(community, every=args.every),
    )
    step("compute_trends", lambda: influence.compute_trends(periods))
    step(
        f"compute_health every {args.every}",
        lambda: influence.compute_health(community, every=args.every),
    )
    plan = step(
        f"plan_invitations k={args.invite} runs={args.runs}",
        lambda: influence.plan_invitations(analysis, args.invite, runs=args.runs, seed=args.seed),
    )
    print(plan.parameters, flush=True)
    print(plan.comparison.drop(columns="members").to_string(), flush=True)


if __name__ == "__main__":
    main()
