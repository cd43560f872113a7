"""Atheris harness: the JSON readers (Reddit, Twitter, Mastodon, Discourse, Slack, Discord)
and the table reader's NDJSON, on any bytes.

Run (see fuzz/README.md)::

    pip install atheris
    python fuzz/fuzz_json_readers.py fuzz/corpus/json_readers -max_total_time=60

The first input byte picks the reader (low bits) and ``on_error`` (high bit);
the rest is the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["influence"]):
    HERE = Path(__file__).resolve().parent
    sys.path[:0] = [str(HERE), str(HERE.parent)]  # the harness glue; a checkout of the repo
    from _harness import fresh, read_only_project_errors

SLACK_USERS = json.dumps([{"id": "U1", "name": "ann"}, {"id": "U2", "name": "bob"}]).encode()
SLACK_CHANNELS = json.dumps([{"id": "C1", "name": "general"}]).encode()


def _reddit(folder: Path, body: bytes) -> Path:
    (folder / "RC_2024-01.ndjson").write_bytes(body)
    return folder


def _single(name: str):
    def place(folder: Path, body: bytes) -> Path:
        (folder / name).write_bytes(body)
        return folder / name

    return place


def _slack(folder: Path, body: bytes) -> Path:
    (folder / "users.json").write_bytes(SLACK_USERS)
    (folder / "channels.json").write_bytes(SLACK_CHANNELS)
    (folder / "general").mkdir()
    (folder / "general" / "2024-01-15.json").write_bytes(body)
    return folder


def _mastodon(folder: Path, body: bytes) -> Path:
    (folder / "outbox.json").write_bytes(body)
    return folder


#: (format, how the bytes become a dump)
TARGETS = (
    ("reddit", _reddit),
    ("twitter", _single("tweets.jsonl")),
    ("mastodon", _mastodon),
    ("discourse", _single("t-1.json")),
    ("slack", _slack),
    ("discord", _single("general.json")),
    ("table", _single("messages.ndjson")),
    ("reddit", _single("post.json")),  # a Reddit API document
)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0], data[1:]
    name, place = TARGETS[selector % len(TARGETS)]
    path = place(fresh("dump"), body)
    read_only_project_errors(path, name, "skip" if selector & 0x80 else "raise")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
