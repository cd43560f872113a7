"""``report.html``: one self-contained page a community manager can open and read.

No script, font or image is loaded from anywhere: the chart is inline SVG and
a Content-Security-Policy forbids any request. Every user-supplied string is
escaped.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from influence.analysis import Analysis

__all__ = ["render_report"]

_COLOURS = {
    "true_influencer": "#d1495b",
    "listened_to": "#00798c",
    "talkative": "#edae49",
    "member": "#8d99ae",
}
_TITLES = {
    "true_influencer": "True influencers",
    "listened_to": "Listened to",
    "talkative": "Talkative",
    "member": "Members",
    "inactive": "Inactive",
}

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:72rem;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border-radius:8px;padding:.7rem 1rem;color:#fff;min-width:9rem}
.card b{font-size:1.6rem;display:block}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:11px}.note{color:#555;font-size:.9rem}
"""


def _e(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _name(user_id, row) -> str:
    name = row.get("display_name")
    label = _e(name) if isinstance(name, str) and name else _e(user_id)
    url = row.get("profile_url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noopener noreferrer">{label}</a>'
    return label


def _quadrant(analysis: Analysis, width: int = 640, height: int = 480) -> str:
    users = analysis.users
    active = users.loc[users["segment"] != "inactive"]
    pad = 50
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def x(v):
        return pad + np.asarray(v, float) * inner_w

    def y(v):
        return height - pad - np.asarray(v, float) * inner_h

    parts = [
        f'<svg id="quadrant" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="listened-to against talkative, one dot per active member">',
        f'<rect x="{pad}" y="{pad}" width="{inner_w}" height="{inner_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    t_thr = analysis.thresholds.get("talkative_score", 1.0)
    l_thr = analysis.thresholds.get("listened_to_score", 1.0)
    if np.isfinite(t_thr):
        parts.append(
            f'<line x1="{x(t_thr):.1f}" y1="{pad}" x2="{x(t_thr):.1f}" '
            f'y2="{height - pad}" stroke="#999" stroke-dasharray="4 3"/>'
        )
    if np.isfinite(l_thr):
        parts.append(
            f'<line x1="{pad}" y1="{y(l_thr):.1f}" x2="{width - pad}" '
            f'y2="{y(l_thr):.1f}" stroke="#999" stroke-dasharray="4 3"/>'
        )
    for segment in ("member", "talkative", "listened_to", "true_influencer"):
        chosen = active.loc[active["segment"] == segment]
        xs, ys = x(chosen["talkative_score"]), y(chosen["listened_to_score"])
        colour = _COLOURS[segment]
        for uid, cx, cy in zip(chosen.index, xs, ys, strict=True):
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colour}" '
                f'fill-opacity="0.75"><title>{_e(uid)}</title></circle>'
            )
    top = active.loc[active["segment"] == "true_influencer"].head(8)
    for uid, row in top.iterrows():
        label = row["display_name"] if isinstance(row["display_name"], str) else uid
        parts.append(
            f'<text x="{x(row["talkative_score"]) + 5:.1f}" '
            f'y="{y(row["listened_to_score"]) - 4:.1f}">{_e(label)}</text>'
        )
    parts += [
        f'<text x="{width / 2:.0f}" y="{height - 12}" text-anchor="middle">'
        "talkative score →</text>",
        f'<text x="14" y="{height / 2:.0f}" transform="rotate(-90 14 {height / 2:.0f})" '
        'text-anchor="middle">listened-to score →</text>',
        f'<text x="{width - pad - 4}" y="{pad + 14}" text-anchor="end">true influencers</text>',
        f'<text x="{pad + 4}" y="{pad + 14}">listened to</text>',
        f'<text x="{width - pad - 4}" y="{height - pad - 6}" text-anchor="end">talkative</text>',
        "</svg>",
    ]
    return "".join(parts)


def _table(analysis: Analysis, segment: str, limit: int = 25) -> str:
    users = analysis.users
    chosen = users.loc[users["segment"] == segment].head(limit)
    if chosen.empty:
        return "<p class='note'>Nobody in this segment.</p>"
    rows = "".join(
        f"<tr><td class='n'>{rank}</td><td>{_name(uid, row)}</td>"
        f"<td class='n'>{row['influence_score']:.3f}</td>"
        f"<td class='n'>{row['talkative_score']:.3f}</td>"
        f"<td class='n'>{row['listened_to_score']:.3f}</td>"
        f"<td class='n'>{int(row['messages'])}</td><td>{_e(row['reasons'])}</td></tr>"
        for rank, (uid, row) in enumerate(chosen.iterrows(), start=1)
    )
    return (
        "<table><tr><th>#</th><th>member</th><th>influence</th><th>talkative</th>"
        f"<th>listened to</th><th>messages</th><th>why</th></tr>{rows}</table>"
    )


def _read_stats(summary: dict) -> str:
    rows = "".join(
        f"<tr><td>{_e(e['source'])}</td><td>{_e(e['table'])}</td><td class='n'>{e['read']}</td>"
        f"<td class='n'>{e['kept']}</td><td>"
        + (_e(", ".join(f"{r}: {n}" for r, n in e["dropped"].items())) or "none")
        + "</td></tr>"
        for e in summary["read_stats"]["entries"]
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in summary["read_stats"]["notes"])
    return (
        "<table><tr><th>source</th><th>table</th><th>read</th><th>kept</th><th>dropped</th>"
        f"</tr>{rows}</table>" + (f"<ul class='note'>{notes}</ul>" if notes else "")
    )


def render_report(analysis: Analysis, summary: dict) -> str:
    """Return the HTML text of the report.

    Parameters
    ----------
    analysis : Analysis
    summary : dict
        From :func:`influence.report.build_summary`.
    """
    counts = summary["segments"]
    cards = "".join(
        f"<div class='card' style='background:{_COLOURS.get(s, '#555')}'>"
        f"<b>{counts.get(s, 0)}</b>{_TITLES[s]}</div>"
        for s in ("true_influencer", "listened_to", "talkative", "member", "inactive")
    )
    c = summary["counts"]
    title = f"Who moves {analysis.community.name or 'this community'}"
    sections = "".join(
        f"<h2>{_TITLES[s]}</h2>{_table(analysis, s)}"
        for s in ("true_influencer", "listened_to", "talkative")
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class='sub'>{_e(analysis.community.platform)}: "
        f"{c['messages']} messages, {c['interactions']} interactions, {c['active_users']} "
        f"active of {c['users']} members.</p><div class='cards'>{cards}</div>"
        "<h2>Listened to against talkative</h2>"
        "<p class='note'>Each dot is an active member. Dashed lines are the thresholds "
        f"(top {analysis.parameters['top_share']:.0%} of active members on each axis, "
        f"at least {analysis.parameters['min_messages']} messages). True influencers are "
        "both listened to and talkative.</p>"
        f"{_quadrant(analysis)}{sections}"
        f"<h2>What was read</h2>{_read_stats(summary)}"
        "<p class='note'>Scores are percentile-based: 1.0 is the top of the community. "
        "See the README glossary for every metric.</p></body></html>"
    )
