"""Time ``influence`` phase by phase and end to end, beside the hand-written reference.

``python benchmarks/run.py DUMP_FOLDER`` runs, one after the other in child
processes (so each has its own memory):

1. ``influence analyze DUMP --out ...`` end to end (the command a user runs);
2. ``benchmarks/reference.py DUMP`` (ElementTree + pandas + networkx);
3. the library phase by phase (``--phases``): read (XML scan), build tables
   (parse + reply resolution + validation), graph, each metric, classify, write.

Peak memory is the largest resident set of the child's whole process tree
(sampled every 20 ms with psutil: the child's RSS plus the unique memory of
reader worker processes). CPU seconds (user + system of the child and the
workers it waited for) are reported beside wall seconds: on a machine shared
with other jobs they vary much less than wall time. Prints a Markdown table and
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(command: list[str], max_bytes: int | None = None) -> dict:
    """Run ``command``; wall seconds, peak RSS of its process tree (bytes), stdout.

    With ``max_bytes``, the child is killed when its tree's RSS exceeds it (the
    machine is shared: better a failed benchmark than the kernel's OOM killer).
    """
    import psutil

    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    peak = [0]
    killed = [False]
    done = threading.Event()

    def sample() -> None:
        try:
            process = psutil.Process(child.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                # workers are forked: count only their own pages (USS), not the
                # parent's pages they share copy-on-write
                total = process.memory_info().rss + sum(
                    p.memory_full_info().uss for p in process.children(recursive=True)
                )
                peak[0] = max(peak[0], total)
                if max_bytes and total > max_bytes:
                    killed[0] = True
                    for descendant in process.children(recursive=True):
                        descendant.kill()
                    process.kill()
            except psutil.Error:
                pass
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if killed[0]:
        limit = f"over {max_bytes / 2**30:.1f} GiB"
        return {"seconds": round(seconds, 2), "peak_bytes": peak[0], "stdout": "", "killed": limit}
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_bytes": peak[0],
        "stdout": stdout,
    }


def phases(folder: Path, out: Path, sentiment: bool = True) -> dict:
    """Run the library phase by phase in this process; seconds per phase and peak RSS."""
    import influence.sources.stackexchange as se
    from influence._memory import give_back_memory
    from influence.analysis import _users_table
    from influence.classify import ClassifyOptions, classify_users
    from influence.community import ReadStats
    from influence.graph import build_adjacency
    from influence.metrics import (
        METRIC_COLUMNS,
        participation,
        propagation,
        reciprocity,
        reputation,
        self_proclamation,
        structure,
    )
    from influence.report.write import write_outputs
    from influence.sources._common import assemble

    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}
    peaks: dict[str, int] = {}  # ru_maxrss so far at the end of each phase
    clock = time.perf_counter()

    def cpu_now() -> float:  # this process and the reader workers it waited for
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    cpu_clock = cpu_now()

    def lap(name: str) -> None:
        nonlocal clock, cpu_clock
        now, cpu = time.perf_counter(), cpu_now()
        timings[name] = round(now - clock, 3)
        cpu_timings[name] = round(cpu - cpu_clock, 3)
        peaks[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        clock, cpu_clock = now, cpu

    files = se._locate(folder)
    tables = {t: se._scan_file(files[t], t, sentiment=sentiment) for t in se.FIELDS if t in files}
    lap("read (XML scan)" + (", texts scored" if sentiment else ""))
    give_back_memory()  # as read_stackexchange: the scanned columns handed over
    stats = ReadStats()
    messages, links, users = se._parse_tables(
        tables, sources={t: f.name for t, f in files.items()}, stats=stats
    )
    del tables
    give_back_memory()
    community = assemble(
        messages, links=links, users=users, stats=stats, platform="stackexchange", name="bench"
    )
    del messages, links, users
    lap("build tables")
    build_adjacency(community)
    build_adjacency(community, credit=True)
    lap("graph (adjacency + credit graph)")
    import pandas as pd

    parts = []
    for name, function in (
        ("participation", participation.compute_participation),
        ("reach", structure.compute_reach),
        ("strength", structure.compute_strength),
        ("k-core", structure.compute_core_number),
        ("hits", structure.compute_hits),
        ("z-score", structure.compute_z_score),
        ("reciprocity", reciprocity.compute_reciprocity),
        ("reputation (pagerank)", reputation.compute_reputation),
        ("explicit feedback", reputation.compute_explicit_feedback),
        ("propagation", propagation.compute_propagation),
        ("self-proclamation", self_proclamation.compute_self_proclamation),
    ):
        parts.append(function(community))
        lap(f"metric: {name}")
    metrics = pd.concat(parts, axis=1).loc[:, list(METRIC_COLUMNS)].astype("float64")
    metrics.index = community.user_ids
    metrics.index.name = "user_id"
    options = ClassifyOptions()
    classes = classify_users(metrics, options)
    table, _order = _users_table(community, metrics, classes)
    lap("classify")
    from influence.analysis import Analysis

    analysis = Analysis(
        community=community,
        users=table,
        parameters={
            "since": None,
            "until": None,
            "horizon": "1 days 00:00:00",
            "top_share": options.top_share,
            "min_messages": options.min_messages,
            "talkative_weights": dict(options.talkative_weights),
            "listened_to_weights": dict(options.listened_to_weights),
        },
        thresholds=classes.attrs["thresholds"],
        weights=classes.attrs["weights"],
        timings=dict(timings),
    )
    from influence.engagement import add_engagement

    analysis = add_engagement(analysis)  # run_analysis adds the four I's too
    lap("engagement (four I's)")
    write_outputs(analysis, out)
    lap("write")
    return {
        "phases": timings,
        "cpu_phases": cpu_timings,
        "peak_bytes_after": peaks,
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "users": len(community.users),
        "messages": len(community.messages),
        "interactions": len(community.interactions),
    }


def _gib(value: int) -> str:
    return f"{value / 2**30:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--skip-phases", action="store_true")
    parser.add_argument("--phases", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--max-gib", type=float, default=None, help="kill a run above this memory")
    parser.add_argument(
        "--no-sentiment",
        action="store_true",
        help="pass --no-sentiment to influence analyze (the reference scores no text either)",
    )
    args = parser.parse_args()
    limit = int(args.max_gib * 2**30) if args.max_gib else None
    out = args.out or Path(tempfile.mkdtemp(prefix="influence-bench-"))
    if args.phases:
        print(json.dumps(phases(args.folder, out, sentiment=not args.no_sentiment)))
        return

    python = sys.executable
    result: dict = {"folder": str(args.folder), "cpus": os.cpu_count()}
    ours = measure(
        [
            python,
            "-m",
            "influence",
            "analyze",
            str(args.folder),
            "--out",
            str(out / "ours"),
            "-q",
            "--no-progress",
            *(["--no-sentiment"] if args.no_sentiment else []),
        ],
        limit,
    )
    result["influence"] = {k: v for k, v in ours.items() if k != "stdout"}
    print(
        f"influence analyze: {ours['seconds']} s (CPU {ours.get('cpu_seconds')} s), "
        f"peak {_gib(ours['peak_bytes'])}"
        + (f" (killed: {ours['killed']})" if "killed" in ours else ""),
        flush=True,
    )
    if not args.skip_reference:
        ref = measure(
            [python, str(HERE / "reference.py"), str(args.folder), "--out", str(out / "reference")],
            limit,
        )
        result["reference"] = {k: v for k, v in ref.items() if k != "stdout"}
        result["reference"]["phases"] = json.loads(ref["stdout"].strip().splitlines()[-1])["phases"]
        result["ratio_seconds"] = round(ours["seconds"] / ref["seconds"], 3)
        result["ratio_peak"] = round(ours["peak_bytes"] / ref["peak_bytes"], 3)
        if "cpu_seconds" in ours and ref["cpu_seconds"]:
            result["ratio_cpu"] = round(ours["cpu_seconds"] / ref["cpu_seconds"], 3)
        print(
            f"reference: {ref['seconds']} s (CPU {ref.get('cpu_seconds')} s), peak "
            f"{_gib(ref['peak_bytes'])}; ratios: time {result['ratio_seconds']}, CPU "
            f"{result.get('ratio_cpu')}, memory {result['ratio_peak']}",
            flush=True,
        )
    if not args.skip_phases:
        inner = measure(
            [
                python,
                __file__,
                str(args.folder),
                "--phases",
                "--out",
                str(out / "phases"),
                *(["--no-sentiment"] if args.no_sentiment else []),
            ],
            limit,
        )
        detail = json.loads(inner["stdout"].strip().splitlines()[-1])
        result["phases"] = detail
        cpu = detail.get("cpu_phases", {})
        after = detail.get("peak_bytes_after", {})
        print("\n| phase | seconds | CPU seconds | peak RSS so far |\n|---|---|---|---|")
        for name, seconds in detail["phases"].items():
            peak = _gib(after[name]) if name in after else "-"
            print(f"| {name} | {seconds:.2f} | {cpu.get(name, float('nan')):.2f} | {peak} |")
        print(f"| (peak RSS) | {_gib(inner['peak_bytes'])} |")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
