"""--profile-url: profile links for dumps without them (Stack Exchange), checked and encoded."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import influence
from influence.analysis import run_analysis
from influence.cli import main
from influence.community import check_profile_url, profile_urls

ROOT = Path(__file__).resolve().parents[1]
CONLANG = ROOT / "datasets" / "stackexchange-conlang-meta-2020"
TEMPLATE = "https://conlang.meta.stackexchange.com/users/{user_id}"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "https://site.example/users/",
            "profile URL template must contain {user_id} (got 'https://site.example/users/'); "
            "e.g. https://site.example/users/{user_id}",
        ),
        (
            "https://site.example/{id}",
            "profile URL template may only use {user_id} (got {id} in 'https://site.example/{id}')",
        ),
        (
            "https://site.example/{user_id!r}",
            "profile URL template may only use {user_id} (got {user_id!r} in "
            "'https://site.example/{user_id!r}')",
        ),
        (
            "javascript:alert({user_id})",
            "profile URL template must be an http:// or https:// URL with a host "
            "(got 'javascript:alert({user_id})')",
        ),
        (
            "/users/{user_id}",
            "profile URL template must be an http:// or https:// URL with a host "
            "(got '/users/{user_id}')",
        ),
        (
            "https://site.example/{user_id",
            "profile URL template must have matching braces (got 'https://site.example/{user_id': "
            "expected '}' before end of string); write a literal brace as {{ or }}",
        ),
        (
            "https://site.example/a b/{user_id}",
            "profile URL template must not contain spaces "
            "(got 'https://site.example/a b/{user_id}')",
        ),
    ],
)
def test_bad_templates_are_refused_with_one_line(template, message):
    with pytest.raises(ValueError) as caught:
        check_profile_url(template)
    assert str(caught.value) == message
    result = run("analyze", CONLANG, "--profile-url", template, "--out", "never-written")
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1] == (
        f"Error: Invalid value for '--profile-url': {message}"
    )
    assert not Path("never-written").exists()


def test_ids_are_percent_encoded():
    assert check_profile_url("HTTP://x.example/u?id={user_id}&t=1") == (
        "HTTP://x.example/u?id={user_id}&t=1"
    )
    assert profile_urls("https://x.example/u/{user_id}/{user_id}", ["a b", '"/?#&<é']) == [
        "https://x.example/u/a%20b/a%20b",
        "https://x.example/u/%22%2F%3F%23%26%3C%C3%A9/%22%2F%3F%23%26%3C%C3%A9",
    ]
    # Mastodon's template is the id itself (an actor URL): left as it is
    assert profile_urls("{user_id}", ["https://m.example/users/ann"]) == [
        "https://m.example/users/ann"
    ]


def test_python_api_adds_links_to_a_dump_without_them():
    community = influence.read(CONLANG)
    assert community.profile_url is None
    users = influence.analyze(community, profile_url=TEMPLATE)
    expected = [TEMPLATE.format(user_id=u) for u in users.index]
    assert users["profile_url"].tolist() == expected
    assert "profile_url" not in influence.analyze(community).columns  # the input is unchanged
    with pytest.raises(ValueError, match="must contain"):
        run_analysis(community, profile_url="https://x.example/")


def _table_with_hostile_ids(tmp_path):
    path = tmp_path / "posts.csv"
    rows = [
        ("1", 'a"b', "2024-03-01T09:00:00Z", ""),
        ("2", "c d", "2024-03-01T10:00:00Z", "1"),
        ("3", 'a"b', "2024-03-01T11:00:00Z", "2"),
    ]
    frame = pd.DataFrame(rows, columns=["message_id", "author_id", "created_at", "parent_id"])
    frame.to_csv(path, index=False)
    return path


def test_cli_writes_the_links_everywhere_encoded_and_escaped(tmp_path):
    path = _table_with_hostile_ids(tmp_path)
    template = "https://forum.example/u?id={user_id}&tab=profile"
    result = run(
        "analyze",
        path,
        "--format",
        "table",
        "--min-messages",
        "1",
        "--out",
        tmp_path / "out",
        "--profile-url",
        template,
        "-q",
    )
    assert result.exit_code == 0, result.output
    users = pd.read_csv(tmp_path / "out" / "users.csv", dtype=str).set_index("user_id")
    assert users.loc['a"b', "profile_url"] == "https://forum.example/u?id=a%22b&tab=profile"
    assert users.loc["c d", "profile_url"] == "https://forum.example/u?id=c%20d&tab=profile"
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="(https://forum\.example[^"]*)"', page))
    assert hrefs == {
        "https://forum.example/u?id=a%22b&amp;tab=profile",
        "https://forum.example/u?id=c%20d&amp;tab=profile",
    }
    assert {html.unescape(h) for h in hrefs} == set(users["profile_url"])
    result = run(
        "superfans",
        path,
        "--input-format",
        "table",
        "--min-messages",
        "1",
        "--segment",
        "active",
        "--format",
        "csv",
        "--profile-url",
        template,
        "-q",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert sorted(table["profile_url"]) == sorted(users["profile_url"])


def test_the_option_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "--profile-url TEMPLATE" in readme
    for command in ("analyze", "superfans", "graph"):
        assert "--profile-url TEMPLATE" in run(command, "--help").stdout, command
