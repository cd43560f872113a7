"""Time the id lookups' (prefix, number) split on the id columns of a dump.

``python benchmarks/bench_lookup_split.py DUMP_FOLDER [--repeat N] [--against FILE]``
reads the dump once (``influence.read(..., sentiment=False)``), turns the id
columns the lookups split into Arrow text (messages' ``message_id``,
``parent_id``, ``thread_id``, ``author_id``, interactions' ``message_id``),
then times ``_lookup._split_ids`` on each (the keys split by the message ids'
prefixes, as ``_table_positions`` does), best of ``--repeat``, in CPU and wall
seconds. ``--against`` loads another implementation of ``influence/_lookup.py``
(a file) and times it alternately on the same columns, checking that both give
the same split. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from pathlib import Path

import numpy as np


def _load(path: Path):
    """The module at ``path``, loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location("_lookup_against", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(run, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` calls of ``run``."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return round(wall, 4), round(cpu, 4)


def _same(one, other) -> bool:
    if one is None or other is None:
        return one is None and other is None
    return one[0].to_pylist() == other[0].to_pylist() and all(
        np.array_equal(a, b) for a, b in zip(one[1:], other[1:], strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, default=None, help="another _lookup.py")
    args = parser.parse_args()

    import influence
    from influence import _lookup

    community = influence.read(args.folder, sentiment=False)
    messages = community.messages
    columns = {
        "message_id": messages["message_id"],
        "parent_id": messages["parent_id"],
        "thread_id": messages["thread_id"],
        "author_id": messages["author_id"],
        "carrier": community.interactions["message_id"],
    }
    texts = {name: _lookup.arrow_strings(column) for name, column in columns.items()}
    del community, messages, columns
    modules = {"this": _lookup}
    if args.against is not None:
        modules["against"] = _load(args.against)
    prefixes = _lookup._split_ids(texts["message_id"])[0]
    figures: dict = {}
    for name, text in texts.items():
        given = None if name in ("message_id", "author_id") else prefixes
        splits = {}
        for label, module in modules.items():
            splits[label] = module._split_ids(text, given)
            figures[f"{name} {label} (wall, cpu)"] = _best(
                lambda module=module, text=text, given=given: module._split_ids(text, given),
                args.repeat,
            )
        if "against" in splits:
            figures[f"{name} same split"] = _same(splits["this"], splits["against"])
    figures["rows"] = len(texts["message_id"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
