"""HTML pieces every view builds with: escaping, a displayable block, Markdown from the catalog, and charts
embedded as PNG (reports open offline). Charts draw on a :class:`matplotlib.figure.Figure` directly: the kernel's
plotting backend is never switched, so a consultant's own charts still show in JupyterLab."""

from __future__ import annotations

import base64
import html
import importlib.util
import io
from functools import cache
from pathlib import Path
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


CJK_FONT = "IPAexGothic"  # shipped by matplotlib-fontja (IPA Font License), for Japanese labels


@cache
def _register_cjk_font() -> None:
    """Make Japanese glyphs drawable: add the bundled IPAexGothic font and append it to the font families as a
    fallback (matplotlib falls back glyph by glyph across ``font.family``), so Latin text keeps its font and a
    consultant's own charts get Japanese too. The package's own import would replace every chart's font: it is
    not imported."""
    import matplotlib
    from matplotlib import font_manager

    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return
    font = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if font.is_file():
        font_manager.fontManager.addfont(str(font))
        families = list(matplotlib.rcParams["font.family"])
        if CJK_FONT not in families:
            matplotlib.rcParams["font.family"] = [*families, CJK_FONT]


def figure(width: float, height: float) -> Any:
    """A new figure at report resolution (no pyplot, no global backend switch)."""
    from matplotlib.figure import Figure

    _register_cjk_font()
    return Figure(figsize=(width, height), dpi=90)


def embed(fig: Any, alt: str) -> str:
    """A figure as an inline PNG ``<img>``."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return f'<p><img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"></p>'


def table(head: list[str], rows: list[str], css_class: str = "awsbp") -> str:
    """A table from already-escaped header labels and row markup (``<tr>…</tr>``)."""
    cells = "".join(f"<th>{h}</th>" for h in head)
    return f'<table class="{css_class}"><thead><tr>{cells}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def css_string(text: str) -> str:
    """Any text as a quoted CSS string (for ``content:``): every character outside a safe set is a CSS hex
    escape, so account data can never close the string, the rule or the ``<style>`` element."""
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in " -_.,:()/" else f"\\{ord(ch):x} " for ch in text)
    return f'"{safe}"'
