"""influence: find the people who really move an online community.

>>> import influence
>>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
>>> users = influence.analyze(community)
>>> sorted(users["segment"].unique().tolist())
['inactive', 'listened_to', 'member', 'talkative', 'true_influencer']
"""

from importlib import metadata

from influence.analysis import Analysis, analyze, run_analysis
from influence.classify import ClassifyOptions
from influence.community import Community, ReadStats
from influence.errors import (
    ConvergenceError,
    EmptyCommunityError,
    InfluenceDataWarning,
    InfluenceError,
    SchemaError,
    SourceError,
    UnknownFormatError,
)
from influence.sources import FORMATS, read

try:
    __version__ = metadata.version("influence")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a plain checkout
    __version__ = "0+unknown"

__all__ = [
    "FORMATS",
    "Analysis",
    "ClassifyOptions",
    "Community",
    "ConvergenceError",
    "EmptyCommunityError",
    "InfluenceDataWarning",
    "InfluenceError",
    "ReadStats",
    "SchemaError",
    "SourceError",
    "UnknownFormatError",
    "__version__",
    "analyze",
    "read",
    "run_analysis",
]
