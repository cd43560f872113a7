"""Report sections for engagement (the four I's) and the social-versus-economic value matrix.

Presentation only: the columns come from :mod:`influence.engagement` and
:mod:`influence.value`; labels follow :mod:`influence.report.i18n`.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from influence.report.i18n import quadrant_name, translate

__all__ = ["QUADRANT_COLOURS", "engagement_section", "value_matrix_svg", "value_section"]

#: Colour of each value quadrant in the matrix.
QUADRANT_COLOURS = {
    "champion": "#c0392b",
    "hidden_superfan": "#6c3483",
    "silent_customer": "#00798c",
    "casual": "#8d99ae",
}


def _e(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _f(value, digits: int = 2) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if not np.isfinite(number) else f"{number:,.{digits}f}"


def value_matrix_svg(users: pd.DataFrame, report: dict, *, width: int = 820, height: int = 440):
    """The value matrix: economic value (x, log scale) against influence score (y).

    One dot per member with a customer record, coloured by ``value_quadrant``;
    the two thresholds dashed, the four quadrants named in the language in force.

    Examples
    --------
    >>> users = pd.DataFrame({"influence_score": [0.9, 0.1], "economic_value": [3.0, 900.0],
    ...     "value_quadrant": ["hidden_superfan", "silent_customer"], "display_name": ["A", "B"]},
    ...     index=pd.Index(["1", "2"], name="user_id"))
    >>> svg = value_matrix_svg(users, {"social_threshold": 0.5, "economic_threshold": 100.0})
    >>> svg.count("<circle"), "Hidden superfans" in svg
    (2, True)
    """
    pad_l, pad_r, pad_t, pad_b = 58, 20, 16, 44
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    record = users.loc[users["economic_value"].notna()]
    values = np.log10(1.0 + np.clip(record["economic_value"].to_numpy(float), 0, None))
    top = max(float(values.max()) if len(values) else 1.0, 1e-9)

    def x(v):
        return pad_l + inner_w * np.log10(1.0 + max(float(v), 0.0)) / top

    def y(v):
        return pad_t + inner_h * (1 - (0.0 if not np.isfinite(v) else float(v)))

    parts = [
        f'<svg class="chart" id="value-matrix" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="{pad_l}" y="{pad_t}" width="{inner_w}" height="{inner_h}" fill="#fbfbfc" '
        'stroke="#e3e6ea"/>'
    ]
    social = report.get("social_threshold")
    economic = report.get("economic_threshold")
    if social is not None:
        parts.append(
            f'<line x1="{pad_l}" y1="{y(social):.1f}" x2="{pad_l + inner_w}" '
            f'y2="{y(social):.1f}" stroke="#7f8591" stroke-dasharray="5 4"/>'
        )
    if economic is not None:
        parts.append(
            f'<line x1="{x(economic):.1f}" y1="{pad_t}" x2="{x(economic):.1f}" '
            f'y2="{pad_t + inner_h}" stroke="#7f8591" stroke-dasharray="5 4"/>'
        )
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<text x="{pad_l - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">'
            f"{tick:g}</text>"
        )
    for power in range(int(np.floor(top)) + 1):
        parts.append(
            f'<text x="{x(10**power - 1 if power else 0):.1f}" y="{height - pad_b + 16}" '
            f'text-anchor="middle" class="tick">{0 if power == 0 else f"{10**power:,}"}</text>'
        )
    for quadrant, colour in QUADRANT_COLOURS.items():
        chosen = record.loc[record["value_quadrant"].astype(str) == quadrant]
        names = chosen.get("display_name", pd.Series(None, index=chosen.index))
        for uid, value, score, name in zip(
            chosen.index, chosen["economic_value"], chosen["influence_score"], names, strict=True
        ):
            label = name if isinstance(name, str) and name.strip() else uid
            tip = translate("{label} ({quadrant}): {value}, influence {score}").format(
                label=label, quadrant=quadrant_name(quadrant), value=_f(value), score=_f(score)
            )
            parts.append(
                f'<circle cx="{x(value):.1f}" cy="{y(score):.1f}" r="4" fill="{colour}" '
                f'fill-opacity="0.75" data-user="{_e(uid)}"><title>{_e(tip)}</title></circle>'
            )
    corner = 'class="corner" fill-opacity="0.9"'
    right, bottom = pad_l + inner_w - 6, pad_t + inner_h - 8
    parts += [
        f'<text x="{right}" y="{pad_t + 16}" text-anchor="end" {corner} '
        f'fill="{QUADRANT_COLOURS["champion"]}">{_e(quadrant_name("champion"))}</text>',
        f'<text x="{pad_l + 6}" y="{pad_t + 16}" {corner} '
        f'fill="{QUADRANT_COLOURS["hidden_superfan"]}">'
        f"{_e(quadrant_name('hidden_superfan'))}</text>",
        f'<text x="{right}" y="{bottom}" text-anchor="end" {corner} '
        f'fill="{QUADRANT_COLOURS["silent_customer"]}">'
        f"{_e(quadrant_name('silent_customer'))}</text>",
        f'<text x="{pad_l + 6}" y="{bottom}" {corner} fill="{QUADRANT_COLOURS["casual"]}">'
        f"{_e(quadrant_name('casual'))}</text>",
        f'<text x="{pad_l + inner_w / 2:.0f}" y="{height - 8}" text-anchor="middle" '
        f'class="axis">{_e(translate("economic value"))} →</text>',
        f'<text x="14" y="{pad_t + inner_h / 2:.0f}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 14 {pad_t + inner_h / 2:.0f})">'
        f"{_e(translate('social value (influence score)'))} →</text>",
        "</svg>",
    ]
    return "".join(parts)


def engagement_section(users: pd.DataFrame, parameters: dict) -> str:
    """The four I's: medians over active members and the top members, or nothing.

    Empty when the users table has no engagement columns.
    """
    if "involvement" not in users:
        return ""
    active = users.loc[users["segment"].astype(str) != "inactive"]
    columns = ("involvement", "interaction", "intimacy", "influence")
    figures = "".join(
        f"<div class='figure'><b>{_f(active[c].median())}</b>"
        f"<span>{_e(translate(c))} ({_e(translate('median of the active members'))})</span></div>"
        for c in columns
    )
    notes = (parameters.get("engagement") or {}).get("notes") or []
    why = "".join(f"<li>{_e(_note(n))}</li>" for n in notes)
    rows = "".join(
        f"<tr data-user='{_e(uid)}'><td>{_e(row.get('display_name')) or _e(uid)}</td>"
        + "".join(f"<td class='n' data-v='{_f(row[c], 6)}'>{_f(row[c])}</td>" for c in columns)
        + "</tr>"
        for uid, row in active.head(15).iterrows()
    )
    head = "".join(f"<th class='n'>{_e(translate(c))}</th>" for c in columns)
    title = _e(translate("The four I's of engagement"))
    return (
        f"<h2 id='engagement'>{title}</h2><div class='figures'>{figures}</div>"
        + (f"<ul class='note'>{why}</ul>" if why else "")
        + "<div class='wrap'><table class='sortable'><thead><tr>"
        f"<th>{_e(translate('member'))}</th>{head}</tr></thead><tbody>{rows}</tbody>"
        "</table></div>"
    )


def _note(text: str) -> str:
    """An engagement note (from :func:`influence.engagement.compute_engagement`) translated."""
    missing = re.fullmatch(r"intimacy needs the packages (.+): (pip install .+)", text)
    if missing:
        return translate("intimacy needs the packages {packages}: {command}").format(
            packages=missing.group(1), command=missing.group(2)
        )
    return translate(text)


def value_section(users: pd.DataFrame, parameters: dict) -> str:
    """The value matrix with the join report, or nothing without a customer table."""
    report = parameters.get("customers")
    if not report or "value_quadrant" not in users:
        return ""
    figures = "".join(
        f"<div class='figure'><b>{value:,}</b><span>{_e(translate(label))}</span></div>"
        for value, label in (
            (report["matched_members"], "members matched to a customer record"),
            (report["members_without_record"], "members without a customer record"),
            (report["unmatched_customer_rows"], "customer rows matching no member"),
            (report["duplicate_rows"], "duplicate customer rows"),
        )
    )
    counts = "".join(
        f"<div class='figure'><b>{n:,}</b><span>{_e(quadrant_name(q))}</span></div>"
        for q, n in report["quadrants"].items()
    )
    hidden = users.loc[users["value_quadrant"].astype(str) == "hidden_superfan"].head(15)
    rows = "".join(
        f"<tr data-user='{_e(uid)}'><td>{_e(row.get('display_name')) or _e(uid)}</td>"
        f"<td class='n' data-v='{_f(row['influence_score'], 6)}'>{_f(row['influence_score'])}"
        f"</td><td class='n' data-v='{_f(row['economic_value'], 6)}'>"
        f"{_f(row['economic_value'])}</td></tr>"
        for uid, row in hidden.iterrows()
    )
    blurb = translate(
        "Members of high social and low economic value: the ones a value-only CRM overlooks."
    )
    table = (
        f"<h3>{_e(quadrant_name('hidden_superfan'))}</h3><p class='note'>{_e(blurb)}</p>"
        "<div class='wrap'><table class='sortable'><thead><tr>"
        f"<th>{_e(translate('member'))}</th><th class='n'>{_e(translate('influence'))}</th>"
        f"<th class='n'>{_e(translate('economic value'))}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )
    return (
        f"<h2 id='value'>{_e(translate('Social value against economic value'))}</h2>"
        f"<div class='figures'>{figures}</div><div class='figures'>{counts}</div>"
        f"{value_matrix_svg(users, report)}{table}"
    )
