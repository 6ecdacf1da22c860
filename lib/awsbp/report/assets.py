"""The files reports are made from, shipped inside the package: the report notebooks, the jinja2 templates and
the stylesheet. Light on purpose (no notebook machinery): the index, the client document and the follow-up frames
read their style here inside a kernel, where importing ``nbformat`` would cost seconds (``jsonschema`` compiles
an RFC 3987 grammar at import)."""

from __future__ import annotations

from pathlib import Path

from awsbp.report import palette

NOTEBOOKS_DIR = Path(__file__).parent / "notebooks"
"""The report notebooks (package data): 00_summary, one per domain, and the follow-up cookbook."""
TEMPLATES_DIR = Path(__file__).parent / "templates"
"""The report stylesheet and the jinja2 templates of the run index and the client document."""
STYLESHEET = TEMPLATES_DIR / "awsbp.css"


def report_css() -> str:
    """Every report page's stylesheet: ours, then the palette's badge rules."""
    return STYLESHEET.read_text(encoding="utf-8") + "\n" + palette.css()
