"""Inline SVG charts for the report: no library, no request, every label escaped.

Each function returns one ``<svg>`` element as text. Charts carry ``data-*``
attributes the report's small script uses (highlighting a member's dot from a
table row); they read fine without it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from influence.report.i18n import segment_name, translate

__all__ = ["SEGMENT_COLOURS", "bar_chart_svg", "line_chart_svg", "quadrant_svg"]

#: Colour of each segment, shared by every chart and table of the report.
SEGMENT_COLOURS = {
    "true_influencer": "#c0392b",
    "listened_to": "#00798c",
    "talkative": "#d68910",
    "member": "#8d99ae",
    "inactive": "#c8ccd4",
}

_QUADRANT_LABEL = "listened-to score against talkative score, one dot per active member"

#: Colours of the lines of a line chart, in order (then the last is reused).
LINE_COLOURS = ("#c0392b", "#00798c", "#d68910", "#6c3483", "#1e8449", "#2e4053", "#a04000")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _label(user_id, name) -> str:
    return name if isinstance(name, str) and name.strip() else str(user_id)


def _truncate(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_positions(wanted: list[float], low: float, high: float, gap: float) -> list[float]:
    """Place labels in a column near their wanted heights, at least ``gap`` apart.

    ``wanted`` is sorted ascending; the result is sorted too and stays in
    ``[low, high]`` when there is room for every label.
    """
    placed: list[float] = []
    for value in wanted:
        placed.append(max(value, low, placed[-1] + gap if placed else low))
    overflow = placed[-1] - high if placed else 0.0
    if overflow > 0:  # push the column back up, keeping the gaps
        for i in range(len(placed) - 1, -1, -1):
            limit = high if i == len(placed) - 1 else placed[i + 1] - gap
            placed[i] = min(placed[i], limit)
    return placed


def quadrant_svg(
    users: pd.DataFrame,
    thresholds: Mapping[str, float],
    *,
    width: int = 880,
    height: int = 520,
    max_points: int = 4000,
    labels_per_segment: Mapping[str, int] | None = None,
) -> str:
    """The listened-to against talkative chart: one dot per active member.

    Parameters
    ----------
    users : DataFrame
        The users table (indexed by ``user_id``, ranked; ``segment``,
        ``talkative_score``, ``listened_to_score``, ``display_name``).
    thresholds : mapping
        ``talkative_score`` and ``listened_to_score`` thresholds (dashed lines).
    width, height : int
        Size in pixels.
    max_points : int
        Above this many active members, members of the ``member`` segment are
        thinned (every k-th in ranking order) so the page stays light; every
        labelled member is always drawn. The chart says how many are shown.
    labels_per_segment : mapping, optional
        How many of the top names of each segment are written on the chart;
        default 8 true influencers, 3 listened to, 3 talkative.

    Returns
    -------
    str
        An ``<svg id="quadrant">`` element.

    Examples
    --------
    >>> users = pd.DataFrame({"segment": ["true_influencer", "member"],
    ...     "talkative_score": [0.9, 0.1], "listened_to_score": [0.95, 0.2],
    ...     "display_name": ["<Ann>", None]}, index=pd.Index(["a", "b"], name="user_id"))
    >>> svg = quadrant_svg(users, {"talkative_score": 0.5, "listened_to_score": 0.5})
    >>> svg.count("data-user="), "&lt;Ann&gt;" in svg, "<Ann>" in svg
    (2, True, False)
    """
    labels_per_segment = dict(
        labels_per_segment or {"true_influencer": 8, "listened_to": 3, "talkative": 3}
    )
    active = users.loc[users["segment"].astype(str) != "inactive"]
    active = active.loc[
        active["talkative_score"].notna().to_numpy() & active["listened_to_score"].notna()
    ]
    segment = active["segment"].astype(str)
    shown = active
    members = segment == "member"
    if len(active) > max_points and members.any():
        room = max(max_points - int((~members).sum()), 1)
        step = math.ceil(int(members.sum()) / room)
        keep = ~members.to_numpy() | (np.cumsum(members.to_numpy()) % step == 1) | (step == 1)
        shown = active.loc[keep]
    pad_l, pad_r, pad_t, pad_b = 56, 190, 24, 48
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b

    def x(v):
        return pad_l + np.asarray(v, float) * inner_w

    def y(v):
        return pad_t + (1 - np.asarray(v, float)) * inner_h

    parts = [
        f'<svg id="quadrant" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(translate(_QUADRANT_LABEL))}">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{inner_w}" height="{inner_h}" fill="#fbfbfc" '
        'stroke="#c9ccd2"/>',
    ]
    t_thr = float(thresholds.get("talkative_score", np.nan))
    l_thr = float(thresholds.get("listened_to_score", np.nan))
    if np.isfinite(t_thr) and np.isfinite(l_thr):
        parts.append(
            f'<rect x="{x(t_thr):.1f}" y="{pad_t}" width="{x(1) - x(t_thr):.1f}" '
            f'height="{y(l_thr) - pad_t:.1f}" fill="{SEGMENT_COLOURS["true_influencer"]}" '
            'fill-opacity="0.06"/>'
        )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - pad_b + 16}" text-anchor="middle" '
            f'class="tick">{tick:g}</text>'
            f'<text x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
            f'class="tick">{tick:g}</text>'
        )
    if np.isfinite(t_thr):
        parts.append(
            f'<line x1="{x(t_thr):.1f}" y1="{pad_t}" x2="{x(t_thr):.1f}" '
            f'y2="{pad_t + inner_h}" stroke="#7f8591" stroke-dasharray="5 4"/>'
        )
    if np.isfinite(l_thr):
        parts.append(
            f'<line x1="{pad_l}" y1="{y(l_thr):.1f}" x2="{pad_l + inner_w}" '
            f'y2="{y(l_thr):.1f}" stroke="#7f8591" stroke-dasharray="5 4"/>'
        )
    parts.append('<g class="dots">')
    tip_template = translate("{name} ({segment}): talkative {talkative}, listened to {listened}")
    shown_segment = shown["segment"].astype(str).to_numpy()
    for name in ("member", "talkative", "listened_to", "true_influencer"):
        chosen = shown.loc[shown_segment == name]
        xs, ys = x(chosen["talkative_score"]), y(chosen["listened_to_score"])
        names = chosen["display_name"] if "display_name" in chosen else [None] * len(chosen)
        circle = (
            f'" r="{3 if name == "member" else 4.5}" fill="{SEGMENT_COLOURS[name]}" '
            'fill-opacity="0.72" data-user="'
        )
        one = segment_name(name, one=True)
        for uid, cx, cy, who, t, lt in zip(
            chosen.index,
            xs.tolist(),
            ys.tolist(),
            names,
            chosen["talkative_score"].tolist(),
            chosen["listened_to_score"].tolist(),
            strict=True,
        ):
            tip = tip_template.format(
                name=_label(uid, who), segment=one, talkative=f"{t:.2f}", listened=f"{lt:.2f}"
            )
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}{circle}{_e(uid)}"><title>{_e(tip)}</title>'
                "</circle>"
            )
    parts.append("</g>")
    points = []
    for name, count in labels_per_segment.items():
        top = active.loc[segment == name].head(count)
        names = top["display_name"] if "display_name" in top else [None] * len(top)
        for uid, who, t, lt in zip(
            top.index, names, top["talkative_score"], top["listened_to_score"], strict=True
        ):
            points.append((float(y(lt)), float(x(t)), name, _truncate(_label(uid, who), 26)))
    points.sort(key=lambda p: (p[0], -p[1]))
    column_x = pad_l + inner_w + 16
    heights = _column_positions([p[0] for p in points], pad_t + 6, pad_t + inner_h, 14.0)
    parts.append('<g class="labels">')
    for (py, px, name, text), ty in zip(points, heights, strict=True):
        parts.append(
            f'<polyline points="{px:.1f},{py:.1f} {column_x - 8:.1f},{ty:.1f} '
            f'{column_x - 3:.1f},{ty:.1f}" fill="none" stroke="#9aa0aa" '
            'stroke-width="0.7"/>'
            f'<circle cx="{column_x + 2:.1f}" cy="{ty:.1f}" r="3" '
            f'fill="{SEGMENT_COLOURS[name]}"/>'
            f'<text x="{column_x + 9:.1f}" y="{ty + 4:.1f}" class="name">{_e(text)}</text>'
        )
    parts.append("</g>")
    corner = 'class="corner" fill-opacity="0.9"'

    def group(segment: str) -> str:  # "true influencers", "listened to", ... in lower case
        name = segment_name(segment)
        return _e(name[:1].lower() + name[1:])

    parts += [
        f'<text x="{pad_l + inner_w - 6}" y="{pad_t + 16}" text-anchor="end" {corner} '
        f'fill="{SEGMENT_COLOURS["true_influencer"]}">{group("true_influencer")}</text>',
        f'<text x="{pad_l + 6}" y="{pad_t + 16}" {corner} '
        f'fill="{SEGMENT_COLOURS["listened_to"]}">{group("listened_to")}</text>',
        f'<text x="{pad_l + inner_w - 6}" y="{pad_t + inner_h - 8}" text-anchor="end" '
        f'{corner} fill="{SEGMENT_COLOURS["talkative"]}">{group("talkative")}</text>',
        f'<text x="{pad_l + 6}" y="{pad_t + inner_h - 8}" {corner} '
        f'fill="{SEGMENT_COLOURS["member"]}">{group("member")}</text>',
        f'<text x="{pad_l + inner_w / 2:.0f}" y="{height - 10}" text-anchor="middle" '
        f'class="axis">{_e(translate("talkative score"))} →</text>',
        f'<text x="16" y="{pad_t + inner_h / 2:.0f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 16 {pad_t + inner_h / 2:.0f})">'
        f"{_e(translate('listened-to score'))} →</text>",
    ]
    if len(shown) < len(active):
        drawn = translate("{shown} of {active} active members drawn").format(
            shown=len(shown), active=len(active)
        )
        parts.append(
            f'<text x="{pad_l + inner_w}" y="{height - 10}" text-anchor="end" class="tick">'
            f"{_e(drawn)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _nice_max(value: float) -> float:
    if not np.isfinite(value) or value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exponent >= value:
            return step * exponent
    return 10 * exponent  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def line_chart_svg(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    chart_id: str,
    x_label: str,
    y_label: str,
    x_ticks: Sequence[tuple[float, str]] | None = None,
    log_x: bool = False,
    y_max: float | None = None,
    diagonal: bool = False,
    dashed: Sequence[str] = (),
    width: int = 720,
    height: int = 360,
) -> str:
    """A line chart with a legend; each series is ``(xs, ys)``.

    Parameters
    ----------
    series : mapping
        Legend label -> ``(xs, ys)``; NaN points are skipped.
    chart_id : str
        The ``id`` of the ``<svg>`` element.
    x_label, y_label : str
        Axis titles.
    x_ticks : sequence of (value, label), optional
        Ticks on the x axis; default five evenly spaced values.
    log_x : bool
        Logarithmic x axis (values must be > 0).
    y_max : float, optional
        Top of the y axis; default a round number above the largest value.
    diagonal : bool
        Draw the dotted line of equality from (min, 0) to (max, y_max).
    dashed : sequence of str
        Labels of series drawn dashed (for example a reference average).
    width, height : int
        Size in pixels.

    Returns
    -------
    str
        An ``<svg>`` element.

    Examples
    --------
    >>> svg = line_chart_svg({"a<b": ([0, 1], [0, 1])}, chart_id="c", x_label="x", y_label="y")
    >>> svg.count("<polyline"), "a&lt;b" in svg
    (1, True)
    """
    pad_l, pad_r, pad_t, pad_b = 56, 190, 16, 44
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    xs_all = np.concatenate([np.asarray(xs, float) for xs, _ in series.values()] or [[0.0, 1.0]])
    ys_all = np.concatenate([np.asarray(ys, float) for _, ys in series.values()] or [[0.0]])
    xs_all = xs_all[np.isfinite(xs_all)]
    if log_x:
        xs_all = xs_all[xs_all > 0]
    lo, hi = (float(xs_all.min()), float(xs_all.max())) if xs_all.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    top = y_max if y_max is not None else _nice_max(float(np.nanmax(ys_all, initial=0.0)))

    def sx(v):
        v = np.asarray(v, float)
        if log_x:
            v = np.log(np.where(v > 0, v, np.nan))
            return pad_l + (v - math.log(lo)) / (math.log(hi) - math.log(lo)) * inner_w
        return pad_l + (v - lo) / (hi - lo) * inner_w

    def sy(v):
        return pad_t + (1 - np.asarray(v, float) / top) * inner_h

    parts = [
        f'<svg id="{_e(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(translate("{y} against {x}").format(y=y_label, x=x_label))}">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{inner_w}" height="{inner_h}" fill="#fbfbfc" '
        'stroke="#c9ccd2"/>',
    ]
    if x_ticks is None:
        x_ticks = [(v, _fmt(v)) for v in np.linspace(lo, hi, 5)]
    for value, text in x_ticks:
        px = float(sx(value))
        parts.append(
            f'<line x1="{px:.1f}" y1="{pad_t}" x2="{px:.1f}" y2="{pad_t + inner_h}" '
            'stroke="#eceef1"/>'
            f'<text x="{px:.1f}" y="{pad_t + inner_h + 16}" text-anchor="middle" '
            f'class="tick">{_e(text)}</text>'
        )
    for value in np.linspace(0, top, 5):
        py = float(sy(value))
        parts.append(
            f'<line x1="{pad_l}" y1="{py:.1f}" x2="{pad_l + inner_w}" y2="{py:.1f}" '
            'stroke="#eceef1"/>'
            f'<text x="{pad_l - 6}" y="{py + 4:.1f}" text-anchor="end" class="tick">'
            f"{_e(_fmt(value))}</text>"
        )
    if diagonal:
        parts.append(
            f'<line x1="{float(sx(lo)):.1f}" y1="{float(sy(0)):.1f}" x2="{float(sx(hi)):.1f}" '
            f'y2="{float(sy(top)):.1f}" stroke="#9aa0aa" stroke-dasharray="2 3"/>'
        )
    for number, (label, (xs, ys)) in enumerate(series.items()):
        colour = LINE_COLOURS[min(number, len(LINE_COLOURS) - 1)]
        px, py = sx(xs), sy(ys)
        ok = np.isfinite(px) & np.isfinite(py)
        coords = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px[ok], py[ok], strict=True))
        dash = ' stroke-dasharray="6 4"' if label in dashed else ""
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
            f"{dash}><title>{_e(label)}</title></polyline>"
        )
        if ok.sum() <= 40:
            parts += [
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{colour}"/>'
                for a, b in zip(px[ok], py[ok], strict=True)
            ]
        ly = pad_t + 12 + 18 * number
        parts.append(
            f'<line x1="{width - pad_r + 12}" y1="{ly - 4}" x2="{width - pad_r + 32}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{width - pad_r + 38}" y="{ly}" class="legend">{_e(_truncate(label))}</text>'
        )
    parts += [
        f'<text x="{pad_l + inner_w / 2:.0f}" y="{height - 8}" text-anchor="middle" '
        f'class="axis">{_e(x_label)}</text>',
        f'<text x="14" y="{pad_t + inner_h / 2:.0f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 14 {pad_t + inner_h / 2:.0f})">{_e(y_label)}</text>',
        "</svg>",
    ]
    return "".join(parts)


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    chart_id: str,
    y_label: str,
    width: int = 720,
    height: int = 220,
    colour: str = "#00798c",
) -> str:
    """A plain bar chart (for example active members per month).

    Examples
    --------
    >>> svg = bar_chart_svg(["2024-01", "2024-02"], [3, 0], chart_id="b", y_label="n")
    >>> svg.count("<rect") - 1  # one frame, then one bar per label
    2
    """
    pad_l, pad_r, pad_t, pad_b = 56, 24, 12, 40
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    values = np.asarray(values, float)
    top = _nice_max(float(np.nanmax(values, initial=0.0)))
    n = max(len(labels), 1)
    slot = inner_w / n
    every = max(1, math.ceil(n / 12))
    parts = [
        f'<svg id="{_e(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(y_label)}">',
        f'<rect x="{pad_l}" y="{pad_t}" width="{inner_w}" height="{inner_h}" fill="#fbfbfc" '
        'stroke="#c9ccd2"/>',
    ]
    for value in np.linspace(0, top, 3):
        py = pad_t + (1 - value / top) * inner_h
        parts.append(
            f'<text x="{pad_l - 6}" y="{py + 4:.1f}" text-anchor="end" class="tick">'
            f"{_e(_fmt(value))}</text>"
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = 0.0 if not np.isfinite(value) else value / top * inner_h
        bx = pad_l + i * slot + slot * 0.12
        parts.append(
            f'<rect x="{bx:.1f}" y="{pad_t + inner_h - h:.1f}" width="{slot * 0.76:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{_e(label)}: {_fmt(value)}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{pad_l + (i + 0.5) * slot:.1f}" y="{pad_t + inner_h + 16}" '
                f'text-anchor="middle" class="tick">{_e(label)}</text>'
            )
    parts += [
        f'<text x="14" y="{pad_t + inner_h / 2:.0f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 14 {pad_t + inner_h / 2:.0f})">{_e(y_label)}</text>',
        "</svg>",
    ]
    return "".join(parts)
