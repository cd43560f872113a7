"""The exception tree and the data-quality warning of ``influence``.

Every error the library raises on purpose derives from :class:`InfluenceError`
and from the matching builtin, so ``except ValueError`` keeps working for
callers who do not know this library. Messages follow one shape::

    <what> must be <expectation> (got <value>)[; <how to fix>]

and errors about input files start with ``<file>:<line>:``.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "EmptyCommunityError",
    "InfluenceDataWarning",
    "InfluenceError",
    "SchemaError",
    "SourceError",
    "UnknownFormatError",
]


class InfluenceError(Exception):
    """Base class of every error raised on purpose by ``influence``."""


class SchemaError(InfluenceError, ValueError):
    """A table lacks required columns or has columns of the wrong type."""


class SourceError(InfluenceError, ValueError):
    """A dump cannot be read.

    Parameters
    ----------
    message : str
        What is wrong, in the house form ``<what> must be <expectation> (got ...)``.
    path : str, optional
        The file (or archive member) being read.
    line : int or str, optional
        The line number, or another locator such as ``"record 12"``.

    Examples
    --------
    >>> str(SourceError("Id must be present", path="Posts.xml", line=12))
    'Posts.xml:12: Id must be present'
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | str | None = None):
        self.reason = message
        self.path = path
        self.line = line
        prefix = ""
        if path is not None:
            prefix = f"{path}:"
            if line is not None:
                prefix += f"{line}:"
            prefix += " "
        super().__init__(prefix + message)


class UnknownFormatError(SourceError):
    """The format of a dump could not be detected, or is not supported."""


class EmptyCommunityError(InfluenceError, ValueError):
    """There is nothing to analyse: no message (or no interaction) is left."""


class ConvergenceError(InfluenceError, RuntimeError):
    """An iterative algorithm did not converge within its iteration budget."""


class InfluenceDataWarning(UserWarning):
    """Data-quality problem that did not stop the run; counted in ``read_stats``."""
