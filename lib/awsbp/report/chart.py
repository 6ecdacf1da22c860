"""The reports' bar charts, as HTML: one row per label, its bar an inline SVG of coloured segments, the total
beside it, and a legend in the page's own text.

Drawn in microseconds (no plotting library in the kernel), sharp on paper (vectors, and SVG fills print without
"background graphics"), and the labels are the page's text in the page's font, so Japanese needs no bundled font.
Every label goes through :func:`~awsbp.report.html.esc`; colours come from :mod:`awsbp.report.palette`.

Example::

    bar_chart(
        [("BP-VPC-01", [Segment("FAIL", "#c62828", 2), Segment("PASS", "#2e7d32", 5)])],
        title="Findings by check and status",
        legend=[("FAIL", "#c62828"), ("PASS", "#2e7d32")],
    )
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from awsbp.report.html import esc

SWATCH = 10  # px, a legend entry's colour square


class Segment(NamedTuple):
    """One coloured part of a bar: what it counts, its colour, how many."""

    name: str
    colour: str
    value: int


def bar_chart(
    rows: Sequence[tuple[str, Sequence[Segment]]],
    *,
    title: str,
    legend: Sequence[tuple[str, str]] = (),
    caption: str = "",
) -> str:
    """Horizontal bars, one per ``(label, segments)`` row, segments stacked left to right, all bars on one scale
    (the longest fills the track). ``legend`` is ``(name, colour)`` pairs shown under the bars; ``caption`` says
    what the bars count. ``title`` names the chart for screen readers."""
    longest = max((sum(max(s.value, 0) for s in segments) for _, segments in rows), default=0)
    scale = max(longest, 1)
    body = "".join(_row(label, segments, scale) for label, segments in rows)
    keys = "".join(f"<li>{_swatch(colour)} {esc(name)}</li>" for name, colour in legend)
    below = (f'<ul class="chart-legend">{keys}</ul>' if keys else "") + (
        f'<p class="chart-caption">{esc(caption)}</p>' if caption else ""
    )
    caption_html = f"<figcaption>{below}</figcaption>" if below else ""
    return f'<figure class="chart" aria-label="{esc(title)}">{body}{caption_html}</figure>'


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, str]], *, title: str
) -> str:
    """:func:`bar_chart` of rows stacked by the same ``series`` (``(name, colour)``, left to right), each row's
    counts in the series' order; the legend names the series."""
    return bar_chart(
        [(label, [Segment(n, c, v) for (n, c), v in zip(series, counts, strict=True)]) for label, counts in rows],
        title=title,
        legend=series,
    )


def _row(label: str, segments: Sequence[Segment], scale: int) -> str:
    x, rects = 0, []
    for segment in segments:
        value = max(segment.value, 0)
        if value:
            rects.append(
                f'<rect x="{x}" y="0" width="{value}" height="1" fill="{esc(segment.colour)}">'
                f"<title>{esc(segment.name)}: {value}</title></rect>"
            )
        x += value
    bar = (
        f'<svg class="chart-bar" viewBox="0 0 {scale} 1" preserveAspectRatio="none" width="100%" height="14" '
        f'role="presentation">{"".join(rects)}</svg>'
    )
    return (
        f'<div class="chart-row"><span class="chart-label">{esc(label)}</span>{bar}'
        f'<span class="chart-total">{x}</span></div>'
    )


def _swatch(colour: str) -> str:
    return (
        f'<svg width="{SWATCH}" height="{SWATCH}" aria-hidden="true">'
        f'<rect width="{SWATCH}" height="{SWATCH}" fill="{esc(colour)}"></rect></svg>'
    )
