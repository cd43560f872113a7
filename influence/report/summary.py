"""``summary.json``: counts, read statistics, parameters, versions and timings."""

from __future__ import annotations

import platform as _platform
import sys
from importlib import metadata

import pandas as pd

from influence.analysis import Analysis
from influence.report.curves import community_health
from influence.report.inequality import participation_inequality

__all__ = ["build_summary", "top_users"]

_VERSIONED = ("influence", "numpy", "pandas", "scipy", "networkx", "pyarrow", "click")


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": _platform.platform()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _json_floats(values: dict) -> dict:
    """Round floats to 6 digits and turn NaN into None (JSON has no NaN)."""
    out = {}
    for key, value in values.items():
        if isinstance(value, float):
            value = None if value != value else round(value, 6)
        out[key] = value
    return out


def top_users(analysis: Analysis, segment: str, limit: int = 10) -> pd.DataFrame:
    """The first ``limit`` users of ``segment`` in ranking order, as a table."""
    users = analysis.users
    chosen = users.loc[users["segment"] == segment].head(limit)
    return chosen[
        ["display_name", "influence_score", "talkative_score", "listened_to_score", "reasons"]
    ]


def build_summary(analysis: Analysis, *, source: dict | None = None) -> dict:
    """Return the JSON-ready content of ``summary.json``.

    Parameters
    ----------
    analysis : Analysis
    source : dict, optional
        What was read (path, format) and how long reading took.
    """
    community = analysis.community
    stats = community.read_stats
    users = analysis.users
    active = users["segment"] != "inactive"
    dropped = stats.dropped()
    top = {
        segment: [
            {
                "user_id": str(uid),
                "display_name": None if pd.isna(row.display_name) else str(row.display_name),
                "influence_score": round(float(row.influence_score), 6),
                "reasons": row.reasons,
            }
            for uid, row in top_users(analysis, segment).iterrows()
        ]
        for segment in ("true_influencer", "listened_to", "talkative")
    }
    return {
        "source": dict(source or {}),
        "community": {"platform": community.platform, "name": community.name},
        "counts": {
            "messages": len(community.messages),
            "messages_by_kind": {
                str(k): int(v)
                for k, v in community.messages["kind"].value_counts().sort_index().items()
            },
            "interactions": len(community.interactions),
            "interactions_by_kind": {
                str(k): int(v)
                for k, v in community.interactions["kind"].value_counts().sort_index().items()
            },
            "users": len(users),
            "active_users": int(active.sum()),
        },
        "segments": analysis.segment_counts(),
        "read_stats": {
            "tables": {t: stats.total(t) for t in ("messages", "users", "interactions")},
            "dropped_by_reason": dict(sorted(dropped.items())),
            **stats.to_dict(),
        },
        "participation_inequality": _json_floats(
            participation_inequality(users["messages"], top_share=0.10)
        ),
        "health": _json_floats(
            community_health(community, horizon=analysis.parameters.get("horizon", "24h"))
        ),
        "parameters": analysis.parameters,
        "thresholds": analysis.thresholds,
        "weights": analysis.weights,
        "top": top,
        "versions": _versions(),
        "timings_seconds": {k: round(v, 4) for k, v in analysis.timings.items()},
    }
