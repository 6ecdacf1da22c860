"""The report's colours, defined once: the CSS of every page and the charts read them from here.

Status and severity never share a visual vocabulary: a *status* is a filled badge (fill + text colour), a
*severity* an outlined label whose weight grows with the severity (border colour + text colour).
"""

from __future__ import annotations

STATUS = {  # status -> (fill, text)
    "FAIL": ("#c62828", "#ffffff"),
    "REVIEW": ("#f2b400", "#2b1d00"),
    "NOT_ASSESSED": ("#78808a", "#ffffff"),
    "PASS": ("#2e7d32", "#ffffff"),
}
SEVERITY = {  # severity -> (outline, text)
    "critical": ("#4a148c", "#4a148c"),
    "high": ("#7b1fa2", "#6a1b9a"),
    "medium": ("#5c6bc0", "#283593"),
    "low": ("#90a4ae", "#37474f"),
    "informational": ("#cfd8dc", "#546e7a"),
}
SEVERITY_WEIGHT = {"critical": 3, "high": 2, "medium": 1, "low": 1, "informational": 1}  # outline width, px
ACCOUNT = {"ok": ("#e3f2e5", "#1b5e20"), "partial": ("#fff4d6", "#5c4000"), "failed": ("#fde0dc", "#8b1a10")}
CHART_OTHER = "#5b8def"  # a fourth category in a chart that is neither a status nor a severity
INK, MUTED, RULE = "#1f2328", "#57606a", "#c9ced6"


def css() -> str:
    """Badge rules for statuses (``.st-FAIL``…), severities (``.sev-high``…) and account states (``.acct-ok``…)."""
    rules = [
        f".st-{name} {{ background: {fill}; color: {text}; font-weight: 600; }}"
        for name, (fill, text) in STATUS.items()
    ]
    rules += [
        f".sev-{name} {{ border: {SEVERITY_WEIGHT[name]}px solid {line}; color: {text}; background: #fff; }}"
        for name, (line, text) in SEVERITY.items()
    ]
    rules += [f".acct-{name} {{ background: {fill}; color: {text}; }}" for name, (fill, text) in ACCOUNT.items()]
    return "\n".join(rules)
