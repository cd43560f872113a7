"""``report.html``: one self-contained page a community manager can open and read.

Nothing is loaded from anywhere: the charts are inline SVG, the one small script
is inline and allowed by its SHA-256 hash in a Content-Security-Policy whose
default is ``'none'`` (no request of any kind can leave the page). Every
user-supplied string (names, ids, topics, file names) is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math

import numpy as np
import pandas as pd

from influence.analysis import Analysis
from influence.report.curves import COMMUNITY, CURVE_HOURS, monthly_activity, propagation_curves
from influence.report.exports import _seen
from influence.report.i18n import language, reasons_text, segment_name, use_language
from influence.report.i18n import translate as _t
from influence.report.inequality import lorenz_curve
from influence.report.plots import SEGMENT_COLOURS, bar_chart_svg, line_chart_svg, quadrant_svg
from influence.report.value_matrix import engagement_section, value_section

__all__ = ["SCRIPT", "render_analysis_html", "render_report"]

_TITLES = {
    "true_influencer": "True influencers",
    "listened_to": "Listened to",
    "talkative": "Talkative",
    "member": "Members",
    "inactive": "Inactive",
}
_BLURBS = {
    "true_influencer": "Both listened to and talkative: the people to invite, thank and "
    "give privileges to first.",
    "listened_to": "The community answers, credits and follows them, though they write "
    "less: experts to draw in.",
    "talkative": "They take part a lot, across many threads and people, but get less "
    "echo: the engine of the conversation.",
}

_CSS = """
:root{--ink:#1f2430;--muted:#5d6472;--line:#e3e6ea;--bg:#fff}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);
background:var(--bg);line-height:1.45}
main{max-width:76rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{margin:.2rem 0}h2{margin:2.2rem 0 .4rem;border-bottom:2px solid var(--line);
padding-bottom:.25rem}h3{margin:1.4rem 0 .2rem}
.sub,.note{color:var(--muted)}.note{font-size:.92rem;max-width:60rem}
nav{position:sticky;top:0;background:#f7f8fa;border-bottom:1px solid var(--line);
padding:.45rem 1.25rem;font-size:.9rem;z-index:2}
nav a{margin-right:1rem;color:var(--ink);text-decoration:none}nav a:hover{text-decoration:underline}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}
.card{border-radius:8px;padding:.6rem 1rem;color:#fff;min-width:9.5rem}
.card b{font-size:1.6rem;display:block;line-height:1.2}
.figures{display:flex;gap:.8rem;flex-wrap:wrap;margin:.8rem 0}
.figure{border:1px solid var(--line);border-radius:8px;padding:.5rem .9rem;min-width:11rem}
.figure b{font-size:1.35rem;display:block}
.figure span{color:var(--muted);font-size:.85rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse;margin:.4rem 0 1.2rem;font-size:.88rem;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f5f7;position:relative}
table.sortable th{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▲";font-size:.7em}
th[aria-sort=descending]::after{content:" ▼";font-size:.7em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:#f7f9fc}
.seg{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.35rem}
svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
svg text{font-size:11px;fill:#30343c}svg text.tick{fill:#6b7280;font-size:10px}
svg text.axis{font-size:12px}svg text.name{font-size:11px;font-weight:600}
svg text.corner{font-size:12px;font-weight:600}svg text.legend{font-size:11px}
circle.hl{stroke:#111;stroke-width:2.5;fill-opacity:1}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem}
"""

#: The page's only script: sortable tables and table rows that highlight the
#: member's dot on the chart. It is allowed by its hash, nothing else runs.
SCRIPT = """(function () {
  "use strict";
  function value(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null) { return cell.textContent.trim().toLowerCase(); }
    var n = parseFloat(v);
    return isNaN(n) ? -Infinity : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = value(a.cells[column]), y = value(b.cells[column]);
          var order = x < y ? -1 : (x > y ? 1 : 0);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var dots = new Map();
  document.querySelectorAll("#quadrant circle[data-user]").forEach(function (dot) {
    dots.set(dot.getAttribute("data-user"), dot);
  });
  document.querySelectorAll("tr[data-user]").forEach(function (row) {
    var dot = dots.get(row.getAttribute("data-user"));
    if (!dot) { return; }
    row.addEventListener("mouseenter", function () { dot.classList.add("hl"); });
    row.addEventListener("mouseleave", function () { dot.classList.remove("hl"); });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)


def _e(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value), quote=True)


def _num(value, digits: int = 3) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    if number == int(number) and abs(number) >= 1:
        return f"{int(number):,}"
    return f"{number:.{digits}f}"


def _pct(value) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.0%}"


def _name(user_id, row) -> str:
    name = row.get("display_name")
    label = _e(name) if isinstance(name, str) and name.strip() else _e(user_id)
    url = row.get("profile_url")
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noopener noreferrer" target="_blank">{label}</a>'
    return label


def _date(value) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _members_table(analysis: Analysis, segment: str, limit: int, seen: pd.DataFrame) -> str:
    users = analysis.users
    chosen = _top_of(users, segment, limit)
    if chosen.empty:
        return f"<p class='note'>{_t('Nobody in this segment.')}</p>"
    rows = []
    for rank, (uid, row) in enumerate(chosen.iterrows(), start=1):
        first = seen["first_seen"].get(str(uid))
        last = seen["last_seen"].get(str(uid))
        rows.append(
            f"<tr data-user='{_e(uid)}'><td class='n' data-v='{rank}'>{rank}</td>"
            f"<td>{_name(uid, row)}</td>"
            f"<td class='n' data-v='{row['influence_score']:.6f}'>{row['influence_score']:.3f}</td>"
            f"<td class='n' data-v='{row['talkative_score']:.6f}'>{row['talkative_score']:.3f}</td>"
            f"<td class='n' data-v='{row['listened_to_score']:.6f}'>"
            f"{row['listened_to_score']:.3f}</td>"
            f"<td class='n' data-v='{_num(row['messages'], 0).replace(',', '')}'>"
            f"{_num(row['messages'], 0)}</td>"
            f"<td class='n'>{_date(first)}</td><td class='n'>{_date(last)}</td>"
            f"<td>{_e(reasons_text(row['reasons']))}</td></tr>"
        )
    more = int((users["segment"] == segment).sum()) - len(chosen)
    tail = (
        f"<p class='note'>… {_t('and')} {more} {_t('more in users.csv.')}</p>" if more > 0 else ""
    )
    return (
        "<div class='wrap'><table class='sortable'><thead><tr><th class='n'>#</th>"
        f"<th>{_t('member')}</th><th class='n'>{_t('influence')}</th>"
        f"<th class='n'>{_t('talkative')}</th><th class='n'>{_t('listened to')}</th>"
        f"<th class='n'>{_t('messages')}</th><th class='n'>{_t('first seen')}</th>"
        f"<th class='n'>{_t('last seen')}</th><th>{_t('why')}</th></tr></thead>"
        f"<tbody>{''.join(rows)}"
        f"</tbody></table></div>{tail}"
    )


def _top_of(users: pd.DataFrame, segment: str, limit: int) -> pd.DataFrame:
    """The first ``limit`` members of ``segment`` (the users table is ranked)."""
    return users.loc[(users["segment"] == segment).to_numpy(bool)].head(limit)


def _duration(value) -> str:
    """``"1 days 00:00:00"`` -> ``"24 h"``: a horizon as a person would say it."""
    try:
        hours = pd.Timedelta(value).total_seconds() / 3600
    except (TypeError, ValueError):
        return _e(value)
    return _hours_label(hours) if hours != 24 else "24 h"


def _hours_label(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 24:
        return f"{hours:g} h"
    days = hours / 24
    return _t("1 week") if days == 7 else _t("{count} d").format(count=f"{days:g}")


def _curves_section(analysis: Analysis, limit: int = 5) -> str:
    users = analysis.users
    segment = users["segment"].astype(str)
    leaders = users.loc[segment == "true_influencer"].head(limit)
    who = _t("true influencers")
    if leaders.empty:
        leaders = users.loc[segment != "inactive"].head(limit)
        who = _t("most influential members")
    curves = propagation_curves(analysis.community, leaders.index.astype(str))
    hours = curves.index.to_numpy()
    series = {}
    for uid, row in leaders.iterrows():
        name = row["display_name"] if isinstance(row["display_name"], str) else str(uid)
        series[name if name not in series else f"{name} ({uid})"] = (hours, curves[str(uid)])
    average = _t("community average")
    series[average] = (hours, curves[COMMUNITY])
    ticks = [(h, _hours_label(h)) for h in CURVE_HOURS if h in (0.25, 1, 4, 24, 72, 168)]
    chart = line_chart_svg(
        series,
        chart_id="propagation",
        x_label=_t("time after a contribution (log scale)"),
        y_label=_t("people reached per contribution"),
        x_ticks=ticks,
        log_x=True,
        dashed=[average],
    )
    day = curves.loc[24.0] if 24.0 in curves.index else curves.iloc[-1]
    return (
        f"<h2 id='propagation-curves'>{_t('How far and how fast contributions travel')}</h2>"
        "<p class='note'>"
        + _t(
            "For the top {count} {who}: the average number of distinct other people who "
            "joined the reply cascade under one of their contributions, as time goes by "
            "(replies, replies to replies, ...). The dashed line is the average contribution "
            "of the community ({people} people after a day). A steep early rise is Wu's "
            "speed of propagation."
        ).format(count=len(leaders), who=who, people=_num(day[COMMUNITY], 2))
        + "</p>"
        + chart
    )


def _inequality_section(analysis: Analysis, summary: dict) -> str:
    stats = summary["participation_inequality"]
    curve = lorenz_curve(analysis.users["messages"])
    if len(curve) > 401:  # a few hundred points draw the same curve
        keep = np.unique(np.linspace(0, len(curve) - 1, 401).round().astype(int))
        curve = curve.iloc[keep]
    equality = _t("perfect equality")
    chart = line_chart_svg(
        {
            _t("actual"): (curve["population_share"], curve["content_share"]),
            equality: ([0, 1], [0, 1]),
        },
        chart_id="lorenz",
        x_label=_t("share of active members, least active first"),
        y_label=_t("share of messages"),
        x_ticks=[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1)],
        y_max=1.0,
        dashed=[equality],
        height=340,
    )
    top_members = stats["top_members"]
    figures = "".join(
        f"<div class='figure'><b>{value}</b><span>{label}</span></div>"
        for value, label in (
            (
                _pct(stats["top_content_share"]),
                _t(
                    "of messages by the top {share} ({count} member)"
                    if top_members == 1
                    else "of messages by the top {share} ({count} members)"
                ).format(share=f"{stats['top_share']:.0%}", count=top_members),
            ),
            (_pct(stats["top_1_percent_content_share"]), _t("of messages by the top 1%")),
            (_num(stats["gini"], 2), _t("Gini coefficient (0 equal, 1 one voice)")),
            (_num(stats["median_messages"], 1), _t("messages by the median active member")),
        )
    )
    return (
        f"<h2 id='inequality'>{_t('Participation inequality')}</h2>"
        f"<div class='figures'>{figures}</div>"
        "<p class='note'>"
        + _t(
            "The Lorenz curve of messages per active member: the further it sags below the "
            "diagonal, the more the content comes from a few people. Most communities follow "
            "a steep curve (the 90-9-1 rule); a community that depends on a handful of "
            "voices is fragile."
        )
        + "</p>"
        + chart
    )


def _health_section(analysis: Analysis, summary: dict) -> str:
    health = summary["health"]
    minutes = health["median_first_response_minutes"]
    if minutes is None or not np.isfinite(minutes):
        delay = "–"
    elif minutes < 120:
        delay = f"{minutes:.0f} min"
    elif minutes < 48 * 60:
        delay = f"{minutes / 60:.1f} h"
    else:
        delay = _t("{count} days").format(count=f"{minutes / 1440:.1f}")
    horizon = _duration(analysis.parameters.get("horizon", "24h"))
    figures = "".join(
        f"<div class='figure'><b>{value}</b><span>{_e(label)}</span></div>"
        for value, label in (
            (_pct(health["responded_share"]), _t("of contributions got a response")),
            (
                _pct(health["responded_within_horizon_share"]),
                _t("got one within {horizon}").format(horizon=horizon),
            ),
            (delay, _t("median time to the first response")),
            (
                _num(health["mean_people_reached"], 2),
                _t("people reached per contribution in {horizon}").format(horizon=horizon),
            ),
            (
                _pct(health["reciprocated_pairs_share"]),
                _t("of member pairs interact both ways"),
            ),
        )
    )
    activity = monthly_activity(analysis.community)
    chart = ""
    if len(activity) > 1:
        chart = f"<h3>{_t('Active members per month')}</h3>" + bar_chart_svg(
            list(activity.index),
            activity["active_members"].to_numpy(),
            chart_id="activity",
            y_label=_t("active members"),
        )
    return (
        f"<h2 id='health'>{_t('Community health')}</h2><div class='figures'>{figures}</div>{chart}"
    )


def _read_stats(summary: dict) -> str:
    # table names and drop reasons are identifiers (as in summary.json): shown as code
    rows = "".join(
        f"<tr><td>{_e(e['source'])}</td><td><code>{_e(e['table'])}</code></td>"
        f"<td class='n' data-v='{e['read']}'>{e['read']:,}</td>"
        f"<td class='n' data-v='{e['kept']}'>{e['kept']:,}</td><td>"
        + (", ".join(f"<code>{_e(r)}</code>: {n:,}" for r, n in e["dropped"].items()) or _t("none"))
        + "</td></tr>"
        for e in summary["read_stats"]["entries"]
    )
    # the readers' notes are diagnostics written in English
    notes = "".join(f"<li>{_e(n)}</li>" for n in summary["read_stats"]["notes"])
    if notes and language() != "en":
        notes = (
            f"<p class='note'>{_t('Notes on the input (in English):')}</p>"
            f"<ul class='note' lang='en'>{notes}</ul>"
        )
    elif notes:
        notes = f"<ul class='note'>{notes}</ul>"
    return (
        f"<div class='wrap'><table class='sortable'><thead><tr><th>{_t('source')}</th>"
        f"<th>{_t('table')}</th><th class='n'>{_t('read')}</th><th class='n'>{_t('kept')}</th>"
        f"<th>{_t('dropped (why)')}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>{notes}"
    )


def _parameters(analysis: Analysis, summary: dict) -> str:
    p = analysis.parameters
    # the axes in words; their metrics are users.csv columns, shown as code
    thresholds = ", ".join(
        f"{_e(_t(k.removesuffix('_score').replace('_', ' ')))} ≥ {float(v):.3f}"
        for k, v in analysis.thresholds.items()
        if k in ("talkative_score", "listened_to_score")
    )
    weights = "; ".join(
        f"{_e(_t(str(axis).replace('_', ' ')))}: "
        + ", ".join(f"<code>{_e(m)}</code> {float(w):.2f}" for m, w in values.items())
        for axis, values in analysis.weights.items()
        if isinstance(values, dict)
    )
    window = ""
    if p.get("since") or p.get("until"):
        window = "<li>{}</li>".format(
            _t("window: {since} to {until}").format(
                since=_e(p.get("since") or "…"), until=_e(p.get("until") or "…")
            )
        )
    versions = summary.get("versions", {})
    segments = _t(
        "segments: top {share} of active members on each axis, at least {messages} messages; "
        "thresholds {thresholds}"
    ).format(
        share=f"{float(p['top_share']):.0%}", messages=_e(p["min_messages"]), thresholds=thresholds
    )
    horizon = _t("cascade horizon: {horizon}").format(horizon=_duration(p.get("horizon")))
    return (
        f"<h2 id='parameters'>{_t('How this was computed')}</h2><ul class='note'>"
        f"{window}<li>{horizon}</li><li>{segments}</li>"
        f"<li>{_t('weights (normalised) — {weights}').format(weights=weights)}</li>"
        f"<li>influence {_e(versions.get('influence', ''))}, pandas "
        f"{_e(versions.get('pandas', ''))}, Python {_e(versions.get('python', ''))}</li></ul>"
    )


def _cards(counts: dict) -> str:
    return "".join(
        f"<div class='card' style='background:{SEGMENT_COLOURS.get(s, '#555')}'>"
        f"<b>{counts.get(s, 0):,}</b>{segment_name(s)}</div>"
        for s in ("true_influencer", "listened_to", "talkative", "member", "inactive")
    )


def _span(messages: pd.DataFrame) -> str:
    if messages.empty:
        return ""
    times = messages["created_at"]
    return _t(", {start} to {end}").format(
        start=f"{times.min():%Y-%m-%d}", end=f"{times.max():%Y-%m-%d}"
    )


def render_report(analysis: Analysis, summary: dict, *, lang: str | None = None) -> str:
    """Return the HTML text of the report.

    Parameters
    ----------
    analysis : Analysis
    summary : dict
        From :func:`influence.report.build_summary`.
    lang : {"en", "fr"}, optional
        Language of the labels and segment names (default: the language in force,
        English); canonical values such as segment ids are never translated.

    Returns
    -------
    str
        A complete HTML document: segment counts; the listened-to against talkative
        chart with the top names; the top true influencers, listened-to and
        talkative members with their reasons (linked to their profiles when the
        platform has profile URLs); propagation curves; participation inequality;
        community health; what was read; the parameters used.

    Examples
    --------
    >>> import influence
    >>> from influence.report import build_summary
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> analysis = influence.run_analysis(community)
    >>> page = render_report(analysis, build_summary(analysis))
    >>> page.startswith("<!DOCTYPE html>"), "default-src 'none'" in page
    (True, True)
    """
    if lang is not None and lang != language():
        with use_language(lang):
            return render_report(analysis, summary)
    counts = summary["segments"]
    c = summary["counts"]
    community = analysis.community
    title = f"{_t('Who moves')} {community.name or _t('this community')}"
    shown = ("true_influencer", "listened_to", "talkative")
    seen = _seen(community, [u for s in shown for u in _top_of(analysis.users, s, 25).index])
    sections = "".join(
        f"<h2 id='{s}'>{segment_name(s)}</h2><p class='note'>{_t(_BLURBS[s])}</p>"
        f"{_members_table(analysis, s, 25, seen)}"
        for s in shown
    )
    nav = "".join(
        f"<a href='#{anchor}'>{label}</a>"
        for anchor, label in (
            ("quadrant-section", _t("Chart")),
            ("true_influencer", segment_name("true_influencer")),
            ("listened_to", segment_name("listened_to")),
            ("talkative", segment_name("talkative")),
            ("propagation-curves", _t("Propagation")),
            ("inequality", _t("Inequality")),
            ("health", _t("Health")),
            *((("engagement", _t("Engagement")),) if "involvement" in analysis.users else ()),
            *((("value", _t("Value")),) if "value_quadrant" in analysis.users else ()),
            ("read", _t("What was read")),
        )
    )
    subtitle = _t(
        "{platform}: {messages} messages, {interactions} interactions, {active} active of "
        "{users} members{span}."
    ).format(
        platform=_e(community.platform),
        messages=f"{c['messages']:,}",
        interactions=f"{c['interactions']:,}",
        active=f"{c['active_users']:,}",
        users=f"{c['users']:,}",
        span=_e(_span(community.messages)),
    )
    chart_note = _t(
        "Each dot is an active member; hover a dot for the name, or a table row below to find "
        "the member on the chart. Dashed lines are the thresholds (top {share} of active members "
        "on each axis, at least {messages} messages). True influencers (top right) are both "
        "listened to and talkative; names are the top of each segment."
    ).format(
        share=f"{analysis.parameters['top_share']:.0%}",
        messages=analysis.parameters["min_messages"],
    )
    return (
        f"<!DOCTYPE html><html lang='{language()}'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='generator' content='influence'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<nav>{nav}</nav><main>"
        f"<h1>{_e(title)}</h1><p class='sub'>{subtitle}</p>"
        f"<div class='cards'>{_cards(counts)}</div>"
        f"<h2 id='quadrant-section'>{_t('Listened to against talkative')}</h2>"
        f"<p class='note'>{chart_note}</p>"
        f"{quadrant_svg(analysis.users, analysis.thresholds)}{sections}"
        f"{_curves_section(analysis)}{_inequality_section(analysis, summary)}"
        f"{_health_section(analysis, summary)}"
        f"{engagement_section(analysis.users, analysis.parameters)}"
        f"{value_section(analysis.users, analysis.parameters)}"
        f"<h2 id='read'>{_t('What was read')}</h2>{_read_stats(summary)}"
        f"{_parameters(analysis, summary)}"
        f"<footer>{_t('Footer')}</footer></main><script>{SCRIPT}</script></body></html>"
    )


def render_analysis_html(analysis: Analysis, *, limit: int = 10) -> str:
    """A compact HTML view of an analysis for Jupyter (``Analysis._repr_html_``).

    Segment counts, the quadrant chart and the top true influencers with their
    reasons; everything escaped, no script.

    Examples
    --------
    >>> import influence
    >>> community = influence.read("datasets/stackexchange-conlang-meta-2020")
    >>> analysis = influence.run_analysis(community)
    >>> text = render_analysis_html(analysis)
    >>> "<svg" in text and "True influencers" in text
    True
    """
    users = analysis.users
    counts = analysis.segment_counts()
    leaders = users.loc[users["segment"].astype(str) == "true_influencer"].head(limit)
    rows = "".join(
        f"<tr><td>{rank}</td><td>{_name(uid, row)}</td><td>{row['influence_score']:.3f}</td>"
        f"<td>{row['talkative_score']:.3f}</td><td>{row['listened_to_score']:.3f}</td>"
        f"<td style='text-align:left'>{_e(row['reasons'])}</td></tr>"
        for rank, (uid, row) in enumerate(leaders.iterrows(), start=1)
    )
    cards = " · ".join(
        f"<span style='color:{SEGMENT_COLOURS.get(k, '#555')}'>●</span> {_e(k)} {v:,}"
        for k, v in counts.items()
    )
    community = analysis.community
    return (
        f"<div><strong>Analysis</strong> of {_e(community.name or community.platform)}: "
        f"{len(community.messages):,} messages, {len(users):,} members<br>{cards}"
        f"{quadrant_svg(users, analysis.thresholds, width=520, height=380, max_points=2000)}"
        f"<strong>True influencers</strong> (top {len(leaders)})"
        "<table><thead><tr><th>#</th><th>member</th><th>influence</th><th>talkative</th>"
        f"<th>listened to</th><th>why</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
