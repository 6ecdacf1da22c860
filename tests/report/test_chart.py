"""report.chart: bars on one scale, segments where their counts say, totals that add up, every label as text."""

from __future__ import annotations

import re

from awsbp.report.chart import Segment, bar_chart
from charts import shapes

RED, GREEN = "#c62828", "#2e7d32"


def test_segments_stack_on_one_scale_and_totals_add_up():
    rows = [
        ("BP-VPC-01", [Segment("FAIL", RED, 2), Segment("PASS", GREEN, 5)]),
        ("BP-VPC-02", [Segment("FAIL", RED, 0), Segment("PASS", GREEN, 3)]),
    ]
    drawn = shapes(bar_chart(rows, title="t", legend=[("FAIL", RED), ("PASS", GREEN)]))
    assert [r["label"] for r in drawn] == ["BP-VPC-01", "BP-VPC-02"]
    assert {r["scale"] for r in drawn} == {7}  # the longest bar fills the track, every bar on its scale
    assert drawn[0]["rects"] == [(0, 2, RED), (2, 5, GREEN)]
    assert drawn[1]["rects"] == [(0, 3, GREEN)]  # a zero segment draws nothing
    assert [r["total"] for r in drawn] == ["7", "3"]


def test_an_empty_chart_draws_no_bar_and_divides_by_nothing():
    drawn = shapes(bar_chart([("acme", [Segment("FAIL", RED, 0)])], title="t"))
    assert drawn == [{"label": "acme", "rects": [], "total": "0", "scale": 1}]
    assert bar_chart([], title="t").startswith('<figure class="chart"')


def test_labels_legend_and_title_are_text_never_markup():
    hostile = '<img src=x onerror=alert(1)>"'
    markup = bar_chart([(hostile, [Segment(hostile, RED, 1)])], title=hostile, legend=[(hostile, RED)], caption=hostile)
    assert "<img" not in markup and 'onerror=alert(1)>"' not in markup
    assert shapes(markup)[0]["label"] == hostile  # shown as typed
    assert len(re.findall(r"&lt;img src=x onerror=alert\(1\)&gt;&quot;", markup)) == 5
