"""report.html in a real headless browser: it renders, runs its script, and draws.

Uses Debian's ``chromium`` (``.ci/run`` installs it) driven by Playwright's Python
package with the system browser (``playwright install`` is never used). Where no
browser can be had, the test is skipped with a warning saying why, so the gap shows
in every test summary.
"""

from __future__ import annotations

import io
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import influence
from influence.report import write_outputs

ROOT = Path(__file__).resolve().parents[2]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser() -> str | None:
    for candidate in (os.environ.get("INFLUENCE_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _skip_loudly(reason: str):
    message = f"BROWSER TEST SKIPPED: {reason}"
    warnings.warn(message, UserWarning, stacklevel=2)
    pytest.skip(message)


@pytest.fixture(scope="module")
def page_and_log(tmp_path_factory):
    executable = _browser()
    if executable is None:
        _skip_loudly("no chromium found (apt-get install chromium, or set INFLUENCE_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_loudly("the playwright package is not installed (pip install -e '.[dev]')")
    out = tmp_path_factory.mktemp("report")
    analysis = influence.run_analysis(influence.read(CARDANO))
    paths = write_outputs(analysis, out)
    log: list[tuple[str, str]] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: log.append((message.type, message.text)))
            page.on("pageerror", lambda error: log.append(("pageerror", str(error))))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(paths["report.html"].as_uri())
            page.wait_for_load_state("load")
            yield page, log, requests
        finally:
            browser.close()


def test_renders_without_console_errors(page_and_log):
    page, log, requests = page_and_log
    errors = [entry for entry in log if entry[0] in ("error", "pageerror", "warning")]
    assert errors == []
    # the script ran: the Content-Security-Policy hash allowed it
    assert page.get_attribute("html", "data-ready") == "1"
    # the page itself is the only request: nothing leaves the file
    assert all(url.startswith("file://") for url in requests), requests


def test_quadrant_chart_is_drawn(page_and_log, tmp_path):
    from PIL import Image

    page, _, _ = page_and_log
    chart = page.locator("#quadrant")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    shot = tmp_path / "quadrant.png"
    chart.screenshot(path=str(shot))
    pixels = np.asarray(Image.open(io.BytesIO(shot.read_bytes())).convert("RGB"), dtype=float)
    # a blank (or single-colour) chart has variance ~0; dots, lines and labels give far more
    assert pixels.std() > 10
    # the segment colours are really painted: the true-influencer red appears
    red = (abs(pixels[..., 0] - 0xC0) < 30) & (pixels[..., 1] < 110) & (pixels[..., 2] < 110)
    assert red.sum() > 200
    # dots for the active members (762 in the Cardano sample)
    assert page.locator("#quadrant circle[data-user]").count() == 762


def test_other_charts_are_not_blank(page_and_log, tmp_path):
    from PIL import Image

    page, _, _ = page_and_log
    for chart_id in ("propagation", "lorenz", "activity"):
        shot = tmp_path / f"{chart_id}.png"
        page.locator(f"#{chart_id}").screenshot(path=str(shot))
        pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
        assert pixels.std() > 10, chart_id


def test_tables_sort_and_rows_highlight_the_chart(page_and_log):
    page, _, _ = page_and_log
    table = page.locator("#true_influencer + p + .wrap table")
    first = table.locator("tbody tr").first.get_attribute("data-user")
    messages = table.locator("thead th", has_text="messages")
    messages.click()  # ascending
    values = [
        float(v)
        for v in table.locator("tbody tr td:nth-child(6)").evaluate_all(
            "cells => cells.map(c => c.getAttribute('data-v'))"
        )
    ]
    assert values == sorted(values)
    assert messages.get_attribute("aria-sort") == "ascending"
    row = table.locator(f"tbody tr[data-user='{first}']")
    row.hover()
    dot = page.locator(f"#quadrant circle[data-user='{first}']")
    assert "hl" in (dot.get_attribute("class") or "")


def test_french_report_renders(page_and_log, tmp_path):
    """--lang fr: French labels and segment names, the same charts, no console error."""
    from influence.engagement import add_engagement

    community = influence.read(ROOT / "datasets" / "stackexchange-conlang-meta-2020")
    analysis = add_engagement(influence.run_analysis(community))
    paths = write_outputs(analysis, tmp_path, lang="fr")
    log: list[tuple[str, str]] = []
    first, _, _ = page_and_log
    # the module's browser: one Playwright per process
    page = first.context.browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.on("console", lambda message: log.append((message.type, message.text)))
        page.on("pageerror", lambda error: log.append(("pageerror", str(error))))
        page.goto(paths["report.html"].as_uri())
        page.wait_for_load_state("load")
        assert [e for e in log if e[0] in ("error", "pageerror", "warning")] == []
        assert page.get_attribute("html", "lang") == "fr"
        assert page.get_attribute("html", "data-ready") == "1"
        assert page.locator("h2#listened_to").inner_text() == "Les écoutés"
        assert page.locator("h2#talkative").inner_text() == "Les loquaces"
        assert page.locator("h2#true_influencer").inner_text() == "Vrais influenceurs"
        assert page.locator("h2#engagement").inner_text() == "Les quatre I de l'engagement"
        assert page.locator("#quadrant circle[data-user]").count() > 0
        # canonical values are untouched in the data written beside the page
        written = set(pd.read_csv(paths["users.csv"])["segment"])
        assert written <= {"true_influencer", "listened_to", "talkative", "member", "inactive"}
    finally:
        page.close()
