"""Live progress, only on a terminal: reading (bytes/s, bar, percentage, time left) and
scoring (the step under way, with a bar)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import influence
import influence.engagement
import influence.metrics
from influence.analysis import FINISH_STEPS, run_analysis
from influence.cli import _progress
from influence.cli._progress import (
    ReadMeter,
    Reporter,
    StepMeter,
    input_size,
    render_reading,
    render_steps,
)
from influence.metrics import METRIC_STEPS

ROOT = Path(__file__).resolve().parents[1]
CARDANO = ROOT / "datasets" / "stackexchange-cardano-2021"
STEPS = re.compile(r"\r. scoring members… ([█░]{10}) (\d)/9 ([a-z-]+), \d+ s\x1b\[K")
LIVE = re.compile(r"\r. reading .*… [█░]{20} +(\d+)% ([\d.]+ [kMG]?B) of ([\d.]+ [kMG]?B), ")


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_render_reading_figures():
    assert render_reading(50_000_000, 200_000_000, 10.0) == (
        "█████░░░░░░░░░░░░░░░  25% 50.0 MB of 200.0 MB, 5.0 MB/s, 30 s left"
    )
    assert render_reading(200_000_000, 200_000_000, 40.0).startswith("█" * 20 + " 100% ")
    assert render_reading(2_000_000, 200_000_000, 1.0).endswith(", 1 min 39 s left")
    # more read than the size given (an archive unpacked): no percentage, the rate stays
    assert render_reading(300, 200, 1.0) == "300 B, 300 B/s"
    assert render_reading(0, None, 0.0) == "0 B"


def test_meter_counts_each_file_once():
    meter = ReadMeter(total=None)
    for call in (("a", 10, 30), ("a", 30, 30), ("b", 5, 5), ("a", 20, 30)):
        meter(*call)
    assert (meter.done, meter.total) == (35, None)


def test_live_line_shows_the_bytes_read_on_a_terminal(monkeypatch):
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(_progress, "FIRST_DRAW", 0.0)
    reporter = Reporter(0, progress=True)
    reporter.live = True
    size = input_size(CARDANO)
    with reporter.phase("reading cardano", reading=size):
        influence.read(CARDANO)
        # the line is redrawn every REDRAW seconds: wait (up to a minute on a loaded
        # machine) for one drawn after the read
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            drawn = [m for m in LIVE.finditer(err.getvalue()) if int(m.group(1)) > 90]
            if drawn:
                break
            time.sleep(0.05)
    shares = [int(m.group(1)) for m in LIVE.finditer(err.getvalue())]
    assert shares and shares == sorted(shares)  # the bar only moves forward
    assert max(shares) > 90  # every dump file read (the folder also holds SOURCE.md)
    assert LIVE.findall(err.getvalue())[-1][2] == _progress._bytes(size)
    # the live line is wiped before the closing line
    assert re.search(r"\r\x1b\[K\S*✓\S* reading cardano in [\d.]+ s\n$", err.getvalue())


def test_no_live_line_without_a_terminal_or_when_quiet(monkeypatch):
    calls = []
    monkeypatch.setattr(_progress, "watch_reading", lambda meter: calls.append(meter))
    # progress asked for on a pipe or a file; quiet on a terminal
    for reporter, live in ((Reporter(0, progress=True), False), (Reporter(-1), True)):
        reporter.live = live
        with reporter.phase("reading", reading=100):
            pass
    assert calls == []  # nobody listens: open_binary counts nothing


def test_render_steps_figures():
    assert render_steps("participation", 1, 9) == "░░░░░░░░░░ 1/9 participation"
    assert render_steps("reach", 4, 10) == "███░░░░░░░ 4/10 reach"
    assert render_steps("engagement", 2, 2, width=4) == "██░░ 2/2 engagement"
    meter = StepMeter()
    assert meter.render(3.0) == ""  # before the first step: the elapsed time only
    meter("classify", 8, 9)
    assert meter.render(3.0) == "███████░░░ 8/9 classify"


def _wait_for(stream: io.StringIO, text: str) -> None:
    """Until ``text`` was drawn (up to a minute on a loaded machine)."""
    deadline = time.monotonic() + 60
    while text not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_live_line_shows_the_step_under_way_on_a_terminal(monkeypatch, toy_community):
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(_progress, "FIRST_DRAW", 0.0)
    # two steps wait until the line shows them: the line is drawn every REDRAW seconds
    for module, name, shown in (
        (influence.metrics, "compute_reputation", "4/9 reputation"),
        (influence.engagement, "_member_engagement", "9/9 engagement"),
    ):
        real = getattr(module, name)

        def waiting(*args, _real=real, _shown=shown, **kwargs):
            _wait_for(err, _shown)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, waiting)
    reporter = Reporter(0, progress=True)
    reporter.live = True
    with reporter.phase("scoring members", steps=True) as phase:
        run_analysis(toy_community)
        phase["summary"] = "7 members"
    drawn = STEPS.findall(err.getvalue())
    names = METRIC_STEPS + FINISH_STEPS
    assert [int(k) for _, k, _ in drawn] == sorted(int(k) for _, k, _ in drawn)
    assert {int(k) for _, k, _ in drawn} >= {4, 9}
    assert all(name == names[int(k) - 1] for _, k, name in drawn)
    assert all(bar.count("█") == (int(k) - 1) * 10 // 9 for bar, k, _ in drawn)
    assert re.search(r"\r\x1b\[K\S*✓\S* scoring members: 7 members in [\d.]+ s\n$", err.getvalue())


def test_no_step_listener_without_a_terminal_or_when_quiet(monkeypatch, toy_community):
    calls = []
    monkeypatch.setattr(_progress, "watch_steps", lambda meter: calls.append(meter))
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    for reporter, live in ((Reporter(0, progress=True), False), (Reporter(-1), True)):
        reporter.live = live
        with reporter.phase("scoring members", steps=True):
            run_analysis(toy_community)
    assert calls == [] and "\r" not in err.getvalue()


def _in_pty(*args: str) -> tuple[int, str]:
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "influence", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=ROOT,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.wait(), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="no pseudo-terminals here")
def test_progress_in_a_pseudo_terminal(tmp_path):
    status, output = _in_pty("analyze", str(CARDANO), "--out", str(tmp_path / "a"))
    assert status == 0, output
    assert re.search(r"✓.* reading .*: [\d.]+ MB, [\d,]+ rows \(", output)
    status, output = _in_pty("analyze", str(CARDANO), "--out", str(tmp_path / "b"), "-q")
    assert status == 0, output
    assert "reading" not in output and "\r" not in output.replace("\r\n", "\n")
