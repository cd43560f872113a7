"""Privacy and report safety: what the outputs may never contain.

* ``--pseudonymize`` (influence.privacy): no original user id or display name in
  any output of ``analyze``, ``superfans`` and ``graph``; the key never written.
* E-mail addresses: no output of the mbox fixture (or of a table whose ids and
  names are addresses) contains one.
* Hostile names (``<script>``, ``"onmouseover=``, ``javascript:`` URLs, ``=``
  formulas) read through a real reader stay inert in report.html, the JSON and
  CSV superfan exports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import influence
from influence import privacy
from influence.cli import main
from influence.errors import InfluenceError
from influence.privacy import (
    KEY_VARIABLE,
    pseudonym_key,
    pseudonymize_analysis,
    pseudonymize_ids,
)

ROOT = Path(__file__).resolve().parents[1]
SE = ROOT / "datasets" / "stackexchange-conlang-meta-2020"
MBOX = ROOT / "tests" / "data" / "mbox" / "list.mbox"
KEY = "a test key, not a secret"
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}|\b[\w.+-]+ at [\w-]+\.[\w.]+")


def _run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _all_outputs(folder: Path) -> dict[str, str]:
    """Every file written, as text (Parquet through pandas)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            out[path.name] = pd.read_parquet(path).to_csv()
        elif path.is_file():
            out[path.name] = path.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def pseudonymized(tmp_path_factory):
    """analyze (with topics, periods, health), superfans (csv, json), graph (gexf, graphml)."""
    out = tmp_path_factory.mktemp("pseudo")
    env = {KEY_VARIABLE: KEY}
    common = ["--pseudonymize", "-q"]
    result = _run(
        "analyze", SE, "--out", out / "run", "--by", "topic", "--every", "month", *common, env=env
    )
    assert result.exit_code == 0, result.output
    for fmt in ("csv", "json"):
        result = _run(
            "superfans", SE, "--segment", "active", "--format", fmt,
            "--out", out / "run" / f"superfans.{fmt}", *common, env=env,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    for fmt in ("gexf", "graphml"):
        result = _run(
            "graph", SE, "--format", fmt, "--out", out / "run" / f"graph.{fmt}", *common, env=env
        )
        assert result.exit_code == 0, result.output
    return out / "run"


def test_pseudonymized_run_writes_every_output(pseudonymized):
    names = set(_all_outputs(pseudonymized))
    assert {"users.csv", "users.parquet", "summary.json", "report.html", "topics.csv"} <= names
    assert {"superfans.csv", "superfans.json", "graph.gexf", "graph.graphml"} <= names


def test_pseudonymized_outputs_hold_no_original_id_name_or_profile_url(pseudonymized):
    community = influence.read(SE)
    users = community.users
    ids = set(users["user_id"])
    # names long enough not to be ordinary words of the page; "Community" (the site's
    # system account, user -1) is also a word of the report's headings
    names = {n for n in users["display_name"].dropna() if len(n) >= 5} - {"Community"}
    outputs = _all_outputs(pseudonymized)
    for name, text in outputs.items():
        assert "/users/" not in text, name  # profile URLs are dropped
        found = [n for n in names if n in text]
        assert not found, (name, found[:5])
    table = pd.read_csv(pseudonymized / "users.csv", dtype={"user_id": str})
    assert not ids & set(table["user_id"])
    assert table["user_id"].str.fullmatch(r"p[0-9a-f]{16}").all()
    assert (table["display_name"] == table["user_id"]).all()
    assert "profile_url" not in table.columns
    summary = json.loads(outputs["summary.json"])
    top = [u["user_id"] for segment in summary["top"].values() for u in segment]
    assert top and not ids & set(top)
    assert summary["parameters"]["pseudonymized"] is True
    assert KEY not in "".join(outputs.values())


def test_pseudonyms_are_the_keyed_hashes_and_stable(pseudonymized, tmp_path):
    table = pd.read_csv(pseudonymized / "users.csv", dtype={"user_id": str})
    plain = pd.read_csv(_analyze_plain(tmp_path) / "users.csv", dtype={"user_id": str})
    expected = pseudonymize_ids(plain["user_id"].astype("string"), KEY.encode())
    assert table["user_id"].tolist() == expected.tolist()  # same ranking, hashed labels
    assert table["segment"].tolist() == plain["segment"].tolist()


def _analyze_plain(tmp_path: Path) -> Path:
    result = _run("analyze", SE, "--out", tmp_path / "plain", "-q")
    assert result.exit_code == 0, result.output
    return tmp_path / "plain"


def test_pseudonymize_without_key_explains_how_to_set_one(tmp_path):
    result = _run("analyze", SE, "--pseudonymize", "--out", tmp_path, env={KEY_VARIABLE: None})
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --pseudonymize needs a secret key (got none); set the environment variable "
        "INFLUENCE_PSEUDONYM_KEY"
    )
    assert not (tmp_path / "users.csv").exists()


def test_pseudonym_key_from_option_and_errors():
    assert pseudonym_key("long enough") == b"long enough"
    with pytest.raises(InfluenceError, match=r"at least 8 characters \(got 3\)"):
        pseudonym_key("abc")


def test_pseudonym_key_option_alone_is_a_usage_error(tmp_path):
    result = _run("analyze", SE, "--pseudonym-key", KEY, "--out", tmp_path)
    assert result.exit_code == 2
    assert "--pseudonym-key goes with --pseudonymize" in result.stderr


def test_different_keys_give_different_pseudonyms():
    analysis = influence.run_analysis(influence.read(ROOT / "tests/data/table/posts.csv"))
    one = pseudonymize_analysis(analysis, b"first key").users.index
    two = pseudonymize_analysis(analysis, b"other key").users.index
    assert not set(one) & set(two)
    assert analysis.users.index.tolist()[0] == "ann"  # the input is not mutated


# ---------------------------------------------------------------- e-mail addresses


def test_no_output_of_the_mbox_fixture_holds_an_address(tmp_path):
    out = tmp_path / "mbox"
    assert _run("analyze", MBOX, "--out", out, "--health", "-q").exit_code == 0
    for fmt in ("csv", "json"):
        target = out / f"superfans.{fmt}"
        result = _run("superfans", MBOX, "--segment", "active", "--format", fmt, "--out", target)
        assert result.exit_code == 0, result.output
    assert _run("graph", MBOX, "--out", out / "g.gexf").exit_code == 0
    raw = MBOX.read_text(encoding="utf-8")
    addresses = {a.lower() for a in ADDRESS.findall(raw)}
    assert "ann@example.org" in addresses  # the scan would see one
    for name, text in _all_outputs(out).items():
        assert not ADDRESS.findall(text), (name, ADDRESS.findall(text)[:3])


def test_addresses_in_a_table_never_reach_the_outputs(tmp_path):
    data = tmp_path / "mail.csv"
    data.write_text(
        "message_id,author_id,created_at,parent_id,display_name\n"
        "1,ann@example.org,2024-01-01T00:00:00Z,,Ann <ann@example.org>\n"
        "2,bob@example.net,2024-01-01T01:00:00Z,1,bob at example.net\n"
        "3,ann@example.org,2024-01-01T02:00:00Z,2,Ann\n"
    )
    out = tmp_path / "out"
    assert _run("analyze", data, "--format", "table", "--out", out, "-q").exit_code == 0
    for name, text in _all_outputs(out).items():
        assert not ADDRESS.findall(text), (name, ADDRESS.findall(text)[:3])
    users = pd.read_csv(out / "users.csv")
    # u + 12 hex of SHA-256 of the address, as the mbox reader names senders
    assert users["user_id"].str.fullmatch(r"u[0-9a-f]{12}").all()


# ----------------------------------------------------------------- report safety

HOSTILE = {
    "ann": "<script>alert(1)</script>",
    "bob": '"onmouseover="alert(2)',
    "cat": '=HYPERLINK("http://evil.example","x")',
    "dan": "@SUM(1+1)",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A table whose display names attack the page and the spreadsheet."""
    folder = tmp_path_factory.mktemp("hostile")
    rows = ["message_id,author_id,created_at,parent_id,display_name"]
    authors = ["ann", "bob", "cat", "dan"] * 4
    for number, author in enumerate(authors, start=1):
        parent = "" if number == 1 else str(number - 1)
        name = '"' + HOSTILE[author].replace('"', '""') + '"'
        rows.append(f"{number},{author},2024-01-01T{number:02d}:00:00Z,{parent},{name}")
    data = folder / "hostile.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = folder / "out"
    args = ["--format", "table", "--top-share", "0.5", "--min-messages", "1"]
    assert _run("analyze", data, "--out", out, *args, "-q").exit_code == 0
    for fmt in ("csv", "json"):
        result = _run(
            "superfans", data, "--input-format", "table", "--top-share", "0.5",
            "--min-messages", "1", "--segment", "active", "--format", fmt,
            "--out", out / f"superfans.{fmt}",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return out


def test_report_escapes_hostile_names(hostile):
    page = (hostile / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"onmouseover="' not in page and 'onmouseover="alert' not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # exactly one inline script (the page's own), no external source of any kind
    assert len(re.findall(r"<script\b", page)) == 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_superfans_json_round_trips_hostile_names(hostile):
    records = json.loads((hostile / "superfans.json").read_text(encoding="utf-8"))
    assert {r["user_id"]: r["display_name"] for r in records} == HOSTILE


def test_superfans_csv_neutralises_formulas(hostile):
    table = pd.read_csv(hostile / "superfans.csv", dtype=str, keep_default_na=False)
    names = dict(zip(table["user_id"], table["display_name"], strict=True))
    # cells a spreadsheet would evaluate start with a quote; others are untouched
    assert names["cat"] == "'" + HOSTILE["cat"]
    assert names["dan"] == "'" + HOSTILE["dan"]
    assert names["ann"] == HOSTILE["ann"]
    assert names["bob"] == HOSTILE["bob"]


def test_javascript_profile_urls_never_become_links():
    from influence.report.html import render_report
    from influence.report.summary import build_summary

    community = influence.read(ROOT / "tests/data/table/posts.csv")
    hostile = type(community)(
        messages=community.messages,
        interactions=community.interactions,
        users=community.users,
        read_stats=community.read_stats,
        platform="table",
        name="x",
        profile_url="javascript:alert('{user_id}')",
    )
    analysis = influence.run_analysis(hostile)
    page = render_report(analysis, build_summary(analysis))
    assert "javascript:" not in page.lower()


# the Arrow filter before the regex (the plain algorithm: the regex on every text)
_TRICKY = [
    "Ann",
    "ann@example.org",
    "<ann@example.org>",
    " ann@example.org ",
    "ann at example dot org",
    "ann at example.org",
    "ann\u00a0at\u2003example.org",  # Unicode spaces: Python's \s, not Arrow's
    "ann\tat\nexample.org",
    "Kate",
    "Nathan @ home",
    "@kate",
    "a@b",
    "",
    "ÀNN@EXAMPLE.ORG",
    "x@y.co",
    "at",
    "AT example.org",
    "user AT example.org",
]


@given(
    st.lists(
        st.one_of(st.sampled_from(_TRICKY), st.text(alphabet="ab @.t\u00a0xo", max_size=12)),
        max_size=20,
    )
)
@settings(max_examples=300, deadline=None)
def test_address_filter_finds_what_the_regex_alone_finds(texts):
    series = pd.Series(texts, dtype="string")
    plain = any(privacy.ADDRESS.search(text) for text in texts)
    assert privacy._has_address(series) == plain
    ids = pd.Index(texts, dtype="string").unique()
    plain_table = {uid for uid in ids if privacy._WHOLE_ADDRESS.fullmatch(uid)}
    assert set(privacy._address_table(ids)) == plain_table


def test_address_filter_on_the_tricky_texts_one_by_one():
    for text in _TRICKY:
        assert privacy._has_address(pd.Series([text, None])) == bool(privacy.ADDRESS.search(text))
