"""What the commands tell the person at the terminal: progress, verbosity, colour.

* Progress goes to stderr, only when stderr is a terminal (or ``--progress``): a
  live line with the elapsed time for any phase that lasts over a second, then
  one line per phase with its figures (bytes and rows per second for reading).
* ``--quiet`` prints nothing but errors and warnings; ``--verbose`` adds details.
* Colour only on a terminal, never when ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

__all__ = ["Reporter", "input_size", "use_colour"]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


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
        err = click.get_text_stream("stderr")
        self.progress = (verbosity >= 0 and err.isatty()) if progress is None else progress
        self.live = err.isatty()
        self.colour_out = use_colour(click.get_text_stream("stdout"))
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
    def phase(self, name: str) -> Iterator[dict]:
        """Time a phase; the body may put ``summary`` (text) in the yielded dict,
        or ``bytes`` and ``rows`` for reading figures.

        With progress on, a live line shows the elapsed time once the phase has
        lasted a second (on a terminal), and a line with the figures closes it.
        """
        info: dict = {}
        start = time.perf_counter()
        stop = threading.Event()
        thread = None
        if self.progress and self.live:
            thread = threading.Thread(target=self._spin, args=(name, start, stop), daemon=True)
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

    def _spin(self, name: str, start: float, stop: threading.Event) -> None:
        err = sys.stderr
        if stop.wait(1.0):
            return
        frame = 0
        while not stop.wait(0.1):
            elapsed = time.perf_counter() - start
            err.write(f"\r{_SPINNER[frame % len(_SPINNER)]} {name}… {elapsed:.0f} s\x1b[K")
            err.flush()
            frame += 1
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
