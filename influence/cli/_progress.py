"""What the commands tell the person at the terminal: progress, verbosity, colour.

* Progress goes to stderr, only when stderr is a terminal (or ``--progress``): a
  live line for any phase that lasts over a second (the elapsed time; for
  reading, the bytes read so far and their rate, with a bar, the percentage and
  the time left when the size of the input is known; for scoring, the step under
  way, with a bar), then one line per phase with its figures (bytes and rows per
  second for reading). The live line is drawn only on a terminal: elsewhere no
  escape code is written and nobody listens to the reading or to the steps.
* ``--quiet`` prints nothing but errors and warnings; ``--verbose`` adds details.
* Colour only on a terminal, never when ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import click

from influence.progress import watch_steps
from influence.sources._common import watch_reading

__all__ = [
    "ReadMeter",
    "Reporter",
    "StepMeter",
    "input_size",
    "live_line",
    "render_reading",
    "render_steps",
    "use_colour",
]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: Seconds a phase lasts before its live line is drawn, and between two redraws.
FIRST_DRAW = 1.0
REDRAW = 0.1


def use_colour(stream: IO | None) -> bool:
    """True when ``stream`` is a terminal and ``NO_COLOR`` is not set (to anything)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def input_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder (0 when unreadable)."""
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def _bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover - the loop always returns


class ReadMeter:
    """Adds up the bytes read from every file, for the live reading line.

    A listener for :func:`influence.sources._common.watch_reading`: it keeps
    the furthest point reached in each file, so a file sniffed and then read
    counts once.

    Parameters
    ----------
    total : int or None
        Bytes of the input on disk, when known.

    Examples
    --------
    >>> meter = ReadMeter(total=300)
    >>> meter("a.xml", 64, 100); meter("b.xml", 200, 200); meter("a.xml", 100, 100)
    >>> meter("a.xml", 10, 100)  # a.xml opened again: not counted twice
    >>> meter.done
    300
    >>> meter.add_rows("a.xml", 1_000); meter.render(2.0)
    '████████████████████ 100% 300 B of 300 B, 150 B/s, 0 s left; 1,000 rows, 500 rows/s'
    """

    def __init__(self, total: int | None = None) -> None:
        self.total = total or None
        self.done = 0
        self.rows = 0
        self._files: dict[str, int] = {}

    def add_rows(self, path: str, count: int) -> None:
        """The ``rows`` listener of :func:`~influence.sources._common.watch_reading`."""
        self.rows += count

    def __call__(self, path: str, consumed: int, size: int) -> None:
        before = self._files.get(path, 0)
        if consumed > before:
            self._files[path] = consumed
            self.done += consumed - before

    def render(self, seconds: float) -> str:
        """The figures of :func:`render_reading`, ``seconds`` after the start."""
        line = render_reading(self.done, self.total, seconds)
        if self.rows > 0:
            rate = f", {self.rows / seconds:,.0f} rows/s" if seconds > 0 else ""
            line += f"; {self.rows:,} rows{rate}"
        return line


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def render_reading(done: int, total: int | None, seconds: float, *, width: int = 20) -> str:
    """The live figures of reading: bytes so far, rate, and with a known total a bar,
    the percentage and the time left.

    The percentage is dropped when more than ``total`` was read (an archive
    unpacked, a size that changed): the rate stays right.

    Examples
    --------
    >>> render_reading(25_000_000, 100_000_000, 5.0)
    '█████░░░░░░░░░░░░░░░  25% 25.0 MB of 100.0 MB, 5.0 MB/s, 15 s left'
    >>> render_reading(2_500, None, 0.5)
    '2.5 kB, 5.0 kB/s'
    >>> render_reading(0, 10_000, 0.0)
    '░░░░░░░░░░░░░░░░░░░░   0% 0 B of 10.0 kB'
    """
    rate = done / seconds if seconds > 0 else 0.0
    speed = f", {_bytes(rate)}/s" if rate > 0 else ""
    if not total or done > total:
        return f"{_bytes(done)}{speed}"
    share = done / total
    filled = int(share * width)
    bar = "█" * filled + "░" * (width - filled)
    left = f", {_duration((total - done) / rate)} left" if rate > 0 else ""
    percent = f"{int(share * 100):3d}%"  # floored: 100% only when everything is read
    return f"{bar} {percent} {_bytes(done)} of {_bytes(total)}{speed}{left}"


class StepMeter:
    """Keeps the step under way, for the live line of a scoring phase.

    A listener for :func:`influence.progress.watch_steps`; :meth:`render` is
    read by the thread that draws the line (one tuple, replaced whole).

    Examples
    --------
    >>> meter = StepMeter()
    >>> meter.render()
    ''
    >>> meter("reputation", 4, 9)
    >>> meter.render()
    '███░░░░░░░ 4/9 reputation'
    """

    def __init__(self) -> None:
        self.current: tuple[str, int, int] | None = None

    def __call__(self, name: str, k: int, n: int) -> None:
        self.current = (name, k, n)

    def render(self, seconds: float = 0.0) -> str:
        """The figures of :func:`render_steps` for the step under way (empty before
        the first); ``seconds`` is not used."""
        current = self.current
        return "" if current is None else render_steps(*current)


def render_steps(name: str, k: int, n: int, *, width: int = 10) -> str:
    """The live figures of a computation in steps: step ``k`` of ``n``, ``name``, starts.

    The bar shows the steps finished (``k - 1`` of ``n``).

    Examples
    --------
    >>> render_steps("participation", 1, 9)
    '░░░░░░░░░░ 1/9 participation'
    >>> render_steps("engagement", 9, 9)
    '████████░░ 9/9 engagement'
    """
    filled = int((k - 1) / n * width) if n > 0 else 0
    return f"{'█' * filled}{'░' * (width - filled)} {k}/{n} {name}"


def live_line(spinner: str, name: str, figures: str, width: int) -> str:
    """The live line of a phase, at most ``width`` characters.

    A line wider than the terminal would wrap and could not be redrawn in
    place: the name (often a long path) is shortened from the left first.

    Examples
    --------
    >>> live_line("⠋", "reading /data/dumps/site", "3 s", 80)
    '⠋ reading /data/dumps/site… 3 s'
    >>> live_line("⠋", "reading /data/dumps/site", "3 s", 20)
    '⠋ …a/dumps/site… 3 s'
    """
    room = width - len(figures) - 4
    label = name if len(name) <= room else ("…" + name[len(name) - room + 1 :] if room > 1 else "")
    line = f"{spinner} {label}… {figures}"
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


class Reporter:
    """Renders progress and messages for one command run.

    Parameters
    ----------
    verbosity : int
        -1 quiet, 0 normal, 1 verbose.
    progress : bool or None
        Force progress on or off; None: on when stderr is a terminal and not quiet.
    """

    def __init__(self, verbosity: int = 0, progress: bool | None = None) -> None:
        self.verbosity = verbosity
        err = sys.stderr
        self.progress = (verbosity >= 0 and err.isatty()) if progress is None else progress
        self.live = err.isatty()
        self.colour_out = use_colour(sys.stdout)
        self.colour_err = use_colour(err)

    def style(self, text: str, *, err: bool = False, **styles) -> str:
        """``click.style`` when the stream takes colour, else the plain text."""
        return (
            click.style(text, **styles) if (self.colour_err if err else self.colour_out) else text
        )

    def echo(self, text: str = "") -> None:
        """A result line on stdout (not in quiet mode)."""
        if self.verbosity >= 0:
            click.echo(text, color=self.colour_out)

    def detail(self, text: str) -> None:
        """A verbose-only line on stderr."""
        if self.verbosity >= 1:
            click.echo(self.style(text, err=True, dim=True), err=True, color=self.colour_err)

    def warn(self, text: str) -> None:
        """A warning line on stderr (always)."""
        label = self.style("Warning:", err=True, fg="yellow", bold=True)
        click.echo(f"{label} {text}", err=True, color=self.colour_err)

    @contextmanager
    def phase(
        self, name: str, *, reading: int | None = None, steps: bool = False
    ) -> Iterator[dict]:
        """Time a phase; the body may put ``summary`` (text) in the yielded dict,
        or ``bytes`` and ``rows`` for reading figures.

        With progress on, a live line shows the elapsed time once the phase has
        lasted a second (on a terminal), and a line with the figures closes it.
        ``reading`` (the input's bytes on disk, 0 when unknown) makes it a
        reading phase: the live line then shows what :func:`render_reading`
        says of the files opened meanwhile (counted only when the line is drawn).
        ``steps`` makes the live line show the step under way of the computations
        run meanwhile (:func:`influence.progress.watch_steps`, :func:`render_steps`).
        """
        info: dict = {}
        start = time.perf_counter()
        stop = threading.Event()
        thread = None
        with ExitStack() as stack:
            if self.progress and self.live:
                meter: ReadMeter | StepMeter | None = None
                if reading is not None:
                    meter = ReadMeter(reading)
                    stack.enter_context(watch_reading(meter, rows=meter.add_rows))
                elif steps:
                    meter = StepMeter()
                    stack.enter_context(watch_steps(meter))
                thread = threading.Thread(
                    target=self._spin, args=(name, start, stop, meter), daemon=True
                )
                thread.start()
            try:
                yield info
            finally:
                stop.set()
                if thread is not None:
                    thread.join()
                info["seconds"] = time.perf_counter() - start
        if self.progress:
            tick = self.style("✓", err=True, fg="green")
            figures = info.get("summary", "")
            if "bytes" in info:
                figures = self.read_figures(info["bytes"], info.get("rows", 0), info["seconds"])
            click.echo(
                f"{tick} {name}{': ' + figures if figures else ''} in {info['seconds']:.1f} s",
                err=True,
                color=self.colour_err,
            )

    def _spin(
        self,
        name: str,
        start: float,
        stop: threading.Event,
        meter: ReadMeter | StepMeter | None = None,
    ) -> None:
        err = sys.stderr
        if stop.wait(FIRST_DRAW):
            return
        frame = 0
        while True:
            elapsed = time.perf_counter() - start
            figures = f"{elapsed:.0f} s"
            extra = meter.render(elapsed) if meter is not None else ""
            if extra:
                figures = f"{extra}, {figures}"
            width = shutil.get_terminal_size().columns - 1
            line = live_line(_SPINNER[frame % len(_SPINNER)], name, figures, width)
            err.write(f"\r{line}\x1b[K")
            err.flush()
            frame += 1
            if stop.wait(REDRAW):
                break
        err.write("\r\x1b[K")
        err.flush()

    @staticmethod
    def read_figures(size: int, rows: int, seconds: float) -> str:
        """``"12.3 MB, 45,678 rows (5.1 MB/s, 19,000 rows/s)"``."""
        seconds = max(seconds, 1e-9)
        return (
            f"{_bytes(size)}, {rows:,} rows "
            f"({_bytes(size / seconds)}/s, {rows / seconds:,.0f} rows/s)"
        )
