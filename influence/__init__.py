"""influence: find the people who really move an online community.

>>> import influence
>>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
>>> users = influence.analyze(community)
>>> sorted(users["segment"].unique().tolist())
['inactive', 'listened_to', 'member', 'talkative', 'true_influencer']
"""

from importlib import metadata

from influence._memory import one_heap_for_threads

one_heap_for_threads()  # before numpy and Arrow start threads: see influence._memory

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
from influence.health import compute_health, health_by_period
from influence.identities import apply_identities, detect_accounts, merge_aliases
from influence.invite import choose_invitees, plan_invitations
from influence.sources import FORMATS, read
from influence.topics import score_topics
from influence.trends import compute_trends, score_periods

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
    "apply_identities",
    "choose_invitees",
    "compute_health",
    "compute_trends",
    "detect_accounts",
    "health_by_period",
    "merge_aliases",
    "plan_invitations",
    "read",
    "run_analysis",
    "score_periods",
    "score_topics",
]
