"""The same input and options give byte-identical users.csv, whatever the order.

Orders changed: rows of a CSV table (a fixed permutation and the reverse), rows
inside a Stack Exchange dump's Posts.xml and Comments.xml, and the listing
order of the files of multi-file formats (files renamed so that they list the
other way round: Discourse and mbox folders).
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from influence.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SE = ROOT / "datasets" / "stackexchange-conlang-meta-2020"


def _users_csv(path: Path, out: Path, *options: str) -> bytes:
    result = CliRunner().invoke(main, ["analyze", str(path), "--out", str(out), "-q", *options])
    assert result.exit_code == 0, result.output
    return (out / "users.csv").read_bytes()


def _segments(users_csv: Path) -> dict[str, str]:
    table = pd.read_csv(users_csv, dtype=str)
    return dict(zip(table["user_id"], table["segment"], strict=True))


def _permuted(lines: list[str], seed: int) -> list[str]:
    order = list(lines)
    random.Random(seed).shuffle(order)  # seeded: the same permutation every run
    return order


@pytest.mark.parametrize("seed", [1, 2, "reverse"])
def test_table_row_order_does_not_change_users_csv(tmp_path, seed):
    source = DATA / "table" / "posts.csv"
    header, *rows = source.read_text(encoding="utf-8").splitlines()
    rows = rows[::-1] if seed == "reverse" else _permuted(rows, seed)
    shuffled = tmp_path / "posts.csv"
    shuffled.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    options = ("--format", "table", "--min-messages", "1")
    first = _users_csv(source, tmp_path / "a", *options)
    again = _users_csv(shuffled, tmp_path / "b", *options)
    assert first == again
    assert _segments(tmp_path / "a" / "users.csv") == _segments(tmp_path / "b" / "users.csv")


def _shuffle_xml_rows(path: Path, seed: int) -> None:
    text = path.read_text(encoding="utf-8-sig")
    rows = re.findall(r"^\s*<row .*/>\s*$", text, flags=re.MULTILINE)
    head = text[: text.index(rows[0])]
    tail = text[text.index(rows[-1]) + len(rows[-1]) :]
    path.write_text(head + "\n".join(_permuted(rows, seed)) + tail, encoding="utf-8")


def test_stackexchange_row_order_does_not_change_users_csv(tmp_path):
    shuffled = tmp_path / "site"
    shutil.copytree(SE, shuffled, ignore=shutil.ignore_patterns("SOURCE.md"))
    for name, seed in (("Posts.xml", 3), ("Comments.xml", 4)):
        _shuffle_xml_rows(shuffled / name, seed)
    assert (shuffled / "Posts.xml").read_bytes() != (SE / "Posts.xml").read_bytes()
    first = _users_csv(SE, tmp_path / "a")
    assert _users_csv(shuffled, tmp_path / "b") == first
    assert _segments(tmp_path / "a" / "users.csv") == _segments(tmp_path / "b" / "users.csv")


def test_discourse_file_order_does_not_change_users_csv(tmp_path):
    # the same files under names that list in the opposite order
    renamed = tmp_path / "forum"
    renamed.mkdir()
    shutil.copy(DATA / "discourse" / "t-12.json", renamed / "a-topic.json")
    shutil.copy(DATA / "discourse" / "posts.json", renamed / "z-latest.json")
    reverse = tmp_path / "forum2"
    reverse.mkdir()
    shutil.copy(DATA / "discourse" / "t-12.json", reverse / "z-topic.json")
    shutil.copy(DATA / "discourse" / "posts.json", reverse / "a-latest.json")
    options = ("--format", "discourse", "--min-messages", "1")
    assert _users_csv(renamed, tmp_path / "a", *options) == _users_csv(
        reverse, tmp_path / "b", *options
    )


def test_mbox_file_order_does_not_change_users_csv(tmp_path):
    text = (DATA / "mbox" / "list.mbox").read_text(encoding="utf-8")
    messages = re.split(r"(?m)^(?=From \S)", text)
    messages = [m for m in messages if m]
    first, second = "".join(messages[:3]), "".join(messages[3:])
    outputs = []
    for name, (one, two) in (("a", (first, second)), ("b", (second, first))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "1.mbox").write_text(one, encoding="utf-8")
        (folder / "2.mbox").write_text(two, encoding="utf-8")
        outputs.append(_users_csv(folder, tmp_path / f"out-{name}", "--format", "mbox"))
    assert outputs[0] == outputs[1]
