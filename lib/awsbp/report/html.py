"""HTML pieces every view builds with: escaping, a displayable block, Markdown from the catalog, tables (charts
are in :mod:`awsbp.report.chart`)."""

from __future__ import annotations

import html
from typing import Any

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def esc(value: Any) -> str:
    """HTML-escape anything for a table cell or attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def markdown(text: str) -> str:
    """Our own catalog Markdown as HTML; raw HTML in it is not allowed through."""
    return _MD.render(text)


class HTMLBlock:
    """A piece of HTML for Jupyter's rich display (``_repr_html_``)."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


def table(head: list[str], rows: list[str], css_class: str = "awsbp") -> str:
    """A table from already-escaped header labels and row markup (``<tr>…</tr>``)."""
    cells = "".join(f"<th>{h}</th>" for h in head)
    return f'<table class="{css_class}"><thead><tr>{cells}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def css_string(text: str) -> str:
    """Any text as a quoted CSS string (for ``content:``): every character outside a safe set is a CSS hex
    escape, so account data can never close the string, the rule or the ``<style>`` element."""
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in " -_.,:()/" else f"\\{ord(ch):x} " for ch in text)
    return f'"{safe}"'
