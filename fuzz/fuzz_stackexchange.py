"""Atheris harness: the Stack Exchange reader (Posts.xml, Comments.xml, Users.xml) on any bytes.

Run (see fuzz/README.md)::

    pip install atheris
    python fuzz/fuzz_stackexchange.py fuzz/corpus/stackexchange -max_total_time=60

The first input byte picks the file the rest becomes (Posts.xml alone, or a
Comments.xml / Users.xml beside a small valid Posts.xml) and ``on_error``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["influence"]):
    HERE = Path(__file__).resolve().parent
    sys.path[:0] = [str(HERE), str(HERE.parent)]  # the harness glue; a checkout of the repo
    from _harness import fresh, read_only_project_errors

POSTS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<posts>\n'
    b'  <row Id="1" PostTypeId="1" CreationDate="2021-01-01T10:00:00.000" Score="3" '
    b'OwnerUserId="10" Title="Q" Body="&lt;p&gt;How?&lt;/p&gt;" Tags="&lt;x&gt;" />\n'
    b'  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2021-01-01T11:00:00.000" '
    b'Score="1" OwnerUserId="20" Body="&lt;p&gt;So.&lt;/p&gt;" />\n</posts>\n'
)
MEMBERS = ("Posts.xml", "Comments.xml", "Users.xml", "Votes.xml")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0], data[1:]
    member = MEMBERS[selector % len(MEMBERS)]
    folder = fresh("site")
    if member != "Posts.xml":
        (folder / "Posts.xml").write_bytes(POSTS)
    (folder / member).write_bytes(body)
    read_only_project_errors(folder, "stackexchange", "skip" if selector & 0x80 else "raise")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
