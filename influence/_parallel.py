"""Independent pieces of work run side by side on the machine's cores, in threads.

The heavy lifting of every metric and export is done in numpy, pyarrow and
scipy, which let go of the interpreter lock while they work, so two threads
keep two cores busy for most of the time. :func:`run_together` is the one place
that decides how many threads to use:

* the cores this process may run on (``os.sched_getaffinity``, else
  ``os.cpu_count()``), at most one thread per task;
* ``INFLUENCE_THREADS`` overrides it (``1`` runs every task in the calling
  thread, in order: for debugging and profiling).

Results come back in the order of the tasks whatever order they finish in, and
an error is raised from the first failing task in that order, so the outcome
never depends on scheduling. Each task runs in a copy of the caller's
:mod:`contextvars` context, so progress listeners and other context settings
are seen inside it. The pool is shut down before :func:`run_together` returns:
no thread outlives the call (the Stack Exchange reader forks worker processes
only while no other thread runs).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from influence.errors import InfluenceError

__all__ = ["cores", "run_together"]

#: Environment variable: how many threads :func:`run_together` may use.
THREADS_VARIABLE = "INFLUENCE_THREADS"


def cores() -> int:
    """Threads :func:`run_together` may use: ``INFLUENCE_THREADS``, else the usable cores.

    Raises
    ------
    InfluenceError
        When ``INFLUENCE_THREADS`` is set to anything but a positive integer.

    Examples
    --------
    >>> cores() >= 1
    True
    """
    setting = os.environ.get(THREADS_VARIABLE, "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise InfluenceError(f"{THREADS_VARIABLE} must be a positive integer (got {setting!r})")
        return int(setting)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity
        return max(1, os.cpu_count() or 1)


def run_together(
    tasks: Sequence[Callable[[], Any]], *, waiting: Callable[[int], None] | None = None
) -> list[Any]:
    """Call each of ``tasks`` (no arguments) side by side; their results in task order.

    Parameters
    ----------
    tasks : sequence of callables
        Independent pieces of work: none may depend on another's side effects.
    waiting : callable, optional
        Called in the calling thread with ``k`` just before the result of task
        ``k`` is waited for (run alone: just before task ``k`` runs), for every
        task in order: a progress meter shows the first task not yet finished.

    Returns
    -------
    list
        ``[task() for task in tasks]``, computed on up to :func:`cores` threads.

    Raises
    ------
    Exception
        The error of the first task, in task order, that raised, whichever
        task finished first. On threads every task has run by then; on one
        thread the tasks after it are not run, as in a loop.

    Examples
    --------
    >>> run_together([lambda: 1 + 1, lambda: "two"])
    [2, 'two']
    >>> run_together([lambda: 1, lambda: 2], waiting=lambda k: print("step", k))
    step 0
    step 1
    [1, 2]
    """
    threads = min(len(tasks), cores())
    results = []
    if threads <= 1:
        for k, task in enumerate(tasks):
            if waiting is not None:
                waiting(k)
            results.append(task())
        return results
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="influence") as pool:
        futures = [pool.submit(contextvars.copy_context().run, task) for task in tasks]
        for k, future in enumerate(futures):
            if waiting is not None:
                waiting(k)
            results.append(future.result())  # leaving the block waits for every task
    return results
