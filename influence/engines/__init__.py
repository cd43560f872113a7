"""Computation engines: where the metric definitions of :mod:`influence.metrics` run.

``"pandas"`` (the default) computes everything in-process with pandas, numpy and
scipy. ``"dask"`` computes the same tables, with the same definitions and column
names, on a Dask cluster (:mod:`influence.engines.dask`); it needs the ``dask``
extra (``pip install "influence[dask]"``).
"""

from __future__ import annotations

__all__ = ["ENGINES", "check_engine"]

#: The engines :func:`influence.analyze` and ``influence analyze --engine`` accept.
ENGINES = ("pandas", "dask")


def check_engine(engine: str) -> str:
    """Return ``engine`` when it is one of :data:`ENGINES`, else raise ``ValueError``.

    Examples
    --------
    >>> check_engine("dask")
    'dask'
    >>> check_engine("spark")
    Traceback (most recent call last):
    ...
    ValueError: engine must be one of 'pandas', 'dask' (got 'spark')
    """
    if engine not in ENGINES:
        raise ValueError(
            f"engine must be one of {', '.join(repr(e) for e in ENGINES)} (got {engine!r})"
        )
    return engine
