"""Read a chart the reports draw (awsbp.report.chart) back as data, for tests that check what it shows."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Shapes(HTMLParser):
    """The chart as data: each row's label, its rects (x, width, fill), its total, and the SVG viewBox widths."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self._in: str = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "chart-row":
            self.rows.append({"label": "", "rects": [], "total": "", "scale": None})
        elif tag == "span" and a.get("class") in ("chart-label", "chart-total"):
            self._in = a["class"]
        elif tag == "svg" and a.get("class") == "chart-bar":
            self.rows[-1]["scale"] = int(a["viewbox"].split()[2])
        elif tag == "rect" and self.rows and "x" in a:
            self.rows[-1]["rects"].append((int(a["x"]), int(a["width"]), a["fill"]))

    def handle_endtag(self, tag):
        if tag == "span":
            self._in = ""

    def handle_data(self, data):
        if self._in == "chart-label":
            self.rows[-1]["label"] += data
        elif self._in == "chart-total":
            self.rows[-1]["total"] += data


def shapes(markup: str) -> list[dict[str, Any]]:
    """Each row of the chart(s) in `markup`: label, rects (x, width, fill), total, scale (viewBox width)."""
    parser = Shapes()
    parser.feed(markup)
    return parser.rows
