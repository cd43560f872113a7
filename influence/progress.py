"""Step notifications for the long computations, for whoever shows progress.

A computation made of named steps (:func:`influence.analysis.run_analysis`,
:func:`influence.metrics.compute_metrics`, the Dask engine) declares them with
:func:`step_plan` and announces each with :func:`step`; a caller that wants to
know, such as the command line's live line, wraps the call in
:func:`watch_steps`. When nobody watches, :func:`step` and :func:`step_plan`
return at once: nothing is counted, nothing is called.

The hook is a :class:`contextvars.ContextVar`, like
:func:`influence.sources._common.watch_reading` for the bytes read: it follows
the calling thread (and asyncio task), and a listener never hears the steps of
a computation run in another thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["step", "step_plan", "watch_steps"]

#: Who :func:`watch_steps` tells about the steps; None (the default): no one.
_STEP_LISTENER: ContextVar[Callable[[str, int, int], None] | None] = ContextVar(
    "influence_step_listener", default=None
)
#: The steps of the computation under way (see :func:`step_plan`).
_STEP_PLAN: ContextVar[tuple[str, ...]] = ContextVar("influence_step_plan", default=())


@contextmanager
def watch_steps(listener: Callable[[str, int, int], None]) -> Iterator[None]:
    """Tell ``listener`` about each step of the computations run in the block.

    As step ``k`` of ``n`` starts, ``listener(name, k, n)`` is called, ``k``
    going from 1 to ``n`` in order (a computation run twice in the block,
    twice over). The steps are those of the outermost computation: the steps
    of :func:`~influence.metrics.compute_metrics` inside
    :func:`~influence.analysis.run_analysis` count among the analysis's steps.

    Examples
    --------
    >>> seen = []
    >>> with watch_steps(lambda name, k, n: seen.append(f"{k}/{n} {name}")):
    ...     with step_plan(("count", "sort")):
    ...         step("count")
    ...         step("sort")
    >>> seen
    ['1/2 count', '2/2 sort']
    >>> step("count")  # nobody watches: nothing happens
    """
    token = _STEP_LISTENER.set(listener)
    try:
        yield
    finally:
        _STEP_LISTENER.reset(token)


@contextmanager
def step_plan(names: Sequence[str]) -> Iterator[None]:
    """Declare the steps of a computation, in order, for the block that runs them.

    Inside a plan that already names every one of ``names`` (a computation
    called by a larger one), the larger plan stays: the steps are counted
    among its own. Otherwise ``names`` is the plan until the block ends.

    Examples
    --------
    >>> seen = []
    >>> with watch_steps(lambda name, k, n: seen.append((name, k, n))):
    ...     with step_plan(("read", "score", "write")):
    ...         with step_plan(("score",)):  # a part of the larger plan
    ...             step("score")
    >>> seen
    [('score', 2, 3)]
    """
    if _STEP_LISTENER.get() is None or set(names) <= set(_STEP_PLAN.get()):
        yield
        return
    token = _STEP_PLAN.set(tuple(names))
    try:
        yield
    finally:
        _STEP_PLAN.reset(token)


def step(name: str) -> None:
    """Announce that the step ``name`` of the current :func:`step_plan` starts.

    Raises
    ------
    ValueError
        When someone watches and ``name`` is not a step of the current plan.
    """
    listener = _STEP_LISTENER.get()
    if listener is None:
        return
    plan = _STEP_PLAN.get()
    if name not in plan:
        raise ValueError(f"step {name!r} is not one of the planned steps {plan}")
    listener(name, plan.index(name) + 1, len(plan))
