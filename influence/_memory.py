"""How the process's memory is kept and given back (glibc's allocator on Linux).

Two settings of the C allocator that the readers and the threads of
:mod:`influence._parallel` rely on; both are no-ops on other systems or other
C libraries (musl, macOS, Windows):

* :func:`give_back_memory`: after a large scan, the freed buffers go back to
  the system (``malloc_trim``), so that the tables built next can use them;
* :func:`one_heap_for_threads`: threads share the main heap instead of
  one heap ("arena") each, which would keep what each thread freed apart
  from the others (measured on the 1M posts + 1M comments dump: ``influence
  analyze`` peaked at 1.32 to 1.52 GiB with the metrics on two threads and
  an arena per thread, 1.21 to 1.27 GiB with one heap, as on one thread).
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["give_back_memory", "one_heap_for_threads"]

#: glibc's ``mallopt`` parameter for the most heaps ("arenas") threads may use.
_M_ARENA_MAX = -8
_heap_shared = False


def _libc():
    """glibc, or None on other systems and C libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - both must exist (not musl)
    except (OSError, AttributeError):  # pragma: no cover - another C library (musl)
        return None
    return libc


def give_back_memory() -> None:
    """Return freed memory to the system, from glibc's heap and Arrow's pool.

    The parallel scan receives each byte range's columns as one pickle; once
    joined, those buffers are free but glibc keeps most of them in its heap
    (a freed large block raises its threshold for ``mmap``), about 0.3 GiB
    on the 1M posts + 1M comments dump, while Arrow allocates the tables from
    its own pool and cannot reuse them: the peak of reading rose by as much.
    ``malloc_trim(0)`` gives them back (as Dask's workers do).

    Examples
    --------
    >>> give_back_memory()
    """
    import pyarrow as pa  # not at import: influence/__init__ imports this module first

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def one_heap_for_threads() -> None:
    """Let the threads started from now on share the main heap (``mallopt(M_ARENA_MAX, 1)``).

    Called once, first thing when :mod:`influence` is imported: numpy's
    BLAS and Arrow start threads of their own when imported, and a thread that
    allocated before this call keeps its own heap. Large blocks are mapped
    apart from the heap all the same, and small Python objects come from
    Python's own allocator, so threads rarely wait for one another.

    Examples
    --------
    >>> one_heap_for_threads()
    """
    global _heap_shared
    if _heap_shared:
        return
    _heap_shared = True
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 1)
