"""Execute the report notebooks and turn them into self-contained, code-free HTML reports.

One notebook becomes two files side by side in the account's output directory::

    execute_and_convert(NOTEBOOKS_DIR / "10_vpc.ipynb", account_dir, {"account": ".", "lang": "ja"}, cwd=account_dir)
    # -> account_dir/10_vpc.ipynb   executed notebook, the debugging record (always kept)
    #    account_dir/10_vpc.html    report: no code, no prompts, opens offline

Notebooks that run in the same folder share one kernel (:class:`ReportKernel`): an account's three domain reports
pay for one kernel start and one import of the library, not three. The kernel talks to us over IPC sockets in a
private temporary directory, not TCP. A failing cell is data, not an exception: the result says ``ok=False`` with a
one-line error and the HTML still shows where the notebook stopped; after a timeout or a dead kernel the next
notebook gets a fresh kernel.

The HTML is written by :func:`to_html`, not a generic exporter: the report's own page (our stylesheet and palette
inline, images as data URIs), markdown cells rendered without raw HTML, displayed HTML as the library built it
(every account value already escaped), text and errors escaped; cells tagged ``remove-cell`` (setup, explore)
and parameter cells dropped; JavaScript and widgets never shown. Nothing is loaded from the network.
"""

from __future__ import annotations

import base64
import html
import re
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from awsbp.catalog import LANGS
from awsbp.files import write_text
from awsbp.report.assets import report_css
from awsbp.report.html import markdown

REMOVE_CELL_TAGS = ("remove-cell", "parameters", "injected-parameters")
"""Cells dropped from the HTML entirely: setup/explore cells and the parameter cells."""
REMOVE_OUTPUT_TAGS = ("remove-output",)
SKIP_TAG = "skip-execution"  # explore cells: run by a consultant in JupyterLab, not when a report is made

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_H1 = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ERROR_LIMIT = 500
# A kernel answers within a second on a quiet machine; the waits only guard against a dead kernel, so they are
# generous for a loaded laptop or CI runner.
KERNEL_START_TIMEOUT = 300


def _stop_channels(client: Any) -> None:
    """Close the kernel client nbclient opened for one notebook: the kernel is ours (reused), so nbclient leaves
    its client open, and Python would otherwise complain of it at exit ("Could not destroy zmq context")."""
    kc = getattr(client, "kc", None)
    if kc is not None:
        with suppress(Exception):
            kc.stop_channels()
        client.kc = None


@dataclass
class NotebookResult:
    """Outcome of executing and converting one notebook."""

    notebook: str  # e.g. "10_vpc"
    ipynb: Path  # executed notebook, always kept (also when a cell failed)
    html: Path | None  # None only when conversion itself failed
    ok: bool  # False when a cell raised
    error: str = ""  # one line: exception name + message of the failing cell, "" when ok
    seconds: float = 0.0


class ReportKernel:
    """One kernel in one folder, reused for every notebook executed there (start it with :meth:`open`)."""

    def __init__(self, cwd: Path, kernel_name: str = "python3"):
        self.cwd = Path(cwd).resolve()
        self.kernel_name = kernel_name
        self._sockets = tempfile.TemporaryDirectory(prefix="awsbp-kernel-")
        self.km: Any = None

    @classmethod
    @contextmanager
    def open(cls, cwd: Path, kernel_name: str = "python3") -> Iterator[ReportKernel]:
        kernel = cls(cwd, kernel_name)
        try:
            yield kernel
        finally:
            kernel.shutdown()
            kernel._sockets.cleanup()

    def _manager(self) -> Any:
        if self.km is None:
            from jupyter_client.manager import AsyncKernelManager

            # IPC sockets in a private directory (absolute, so the kernel finds them from any working directory)
            self.km = AsyncKernelManager(
                kernel_name=self.kernel_name, transport="ipc", ip=str(Path(self._sockets.name) / "kernel")
            )
        return self.km

    def shutdown(self) -> None:
        """Stop the kernel (if one was started)."""
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            with suppress(Exception):  # a kernel already gone needs no shutdown
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None

    def execute(self, notebook: Path, out_dir: Path, parameters: dict[str, Any], timeout: int = 600) -> NotebookResult:
        """Execute ``notebook`` with ``parameters`` into ``out_dir/<stem>.ipynb`` and convert it to HTML beside it.

        Never raises for a failing cell, a timeout or a dead kernel: the result says so and the executed notebook
        is kept (after a timeout or a dead kernel, the next notebook gets a fresh kernel). ``FileNotFoundError``
        when the notebook does not exist."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        started = time.perf_counter()
        notebook = Path(notebook).resolve()
        if not notebook.is_file():
            raise FileNotFoundError(f"notebook not found: {notebook}")
        out_dir = Path(out_dir).resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        ipynb, html_path = out_dir / f"{notebook.stem}.ipynb", out_dir / f"{notebook.stem}.html"
        for stale in (ipynb, html_path):  # a previous run's files must never pass for this run's
            stale.unlink(missing_ok=True)
        nb = parameterize(nbformat.read(notebook, as_version=4), parameters)
        ok, error = True, ""
        client: NotebookClient | None = None
        try:
            client = NotebookClient(
                nb,
                km=self._manager(),
                timeout=timeout,
                startup_timeout=KERNEL_START_TIMEOUT,
                kernel_name=self.kernel_name,
                resources={"metadata": {"path": str(self.cwd)}},  # where a new kernel starts
            )
            client.execute()
        except CellExecutionError as exc:
            ok, error = False, _one_line(f"{exc.ename}: {exc.evalue}" if exc.evalue else exc.ename)
        except Exception as exc:  # noqa: BLE001 - timeouts, dead or unknown kernels: record, keep going
            ok, error = False, _one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            self.shutdown()  # whatever state it is in, the next notebook gets a fresh kernel
        finally:
            _stop_channels(client)
            nbformat.write(nb, ipynb)
        converted: Path | None
        try:
            converted = to_html(ipynb, html_path)
        except Exception as exc:  # noqa: BLE001 - a broken output must not stop the batch
            converted = None
            conversion = _one_line(f"HTML conversion failed: {type(exc).__name__}: {exc}")
            ok, error = False, f"{error}; {conversion}" if error else conversion
        return NotebookResult(notebook.stem, ipynb, converted, ok, error, round(time.perf_counter() - started, 3))


def parameterize(nb: nbformat.NotebookNode, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """The notebook with an ``injected-parameters`` cell after its ``parameters`` cell (papermill's convention),
    the values recorded in ``metadata.papermill.parameters``. Values papermill cannot write (``Path``) are text."""
    from papermill.parameterize import parameterize_notebook

    values = {k: str(v) if isinstance(v, Path) else v for k, v in parameters.items()}
    nb.metadata.setdefault("papermill", {})
    for cell in nb.cells:  # papermill expects every cell to have its tag list
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, values)


def execute_and_convert(
    notebook: Path,
    out_dir: Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = "python3",
    cwd: Path | None = None,
    timeout: int = 600,
) -> NotebookResult:
    """One notebook in a kernel of its own, started in ``cwd`` (default: the notebook's own folder, as in
    JupyterLab); see :meth:`ReportKernel.execute`."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook.resolve()}")
    with ReportKernel.open(Path(cwd) if cwd is not None else notebook.resolve().parent, kernel_name) as kernel:
        return kernel.execute(notebook, out_dir, parameters, timeout)


def render_many(
    jobs: list[tuple[Path, Path, dict[str, Any]]],
    *,
    max_workers: int = 2,
    kernel_name: str = "python3",
    cwd: Path | None = None,
) -> list[NotebookResult]:
    """Execute and convert ``(notebook, out_dir, parameters)`` jobs; results in job order.

    Jobs that run in the same folder (``cwd``, else each job's ``out_dir``) share one kernel, one after another;
    folders run in parallel, ``max_workers`` kernels at a time. Every notebook is checked to exist before any
    kernel starts; two jobs may not write the same output."""
    if max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers}")
    missing = [str(nb) for nb, _, _ in jobs if not Path(nb).is_file()]
    if missing:
        raise FileNotFoundError(f"notebook(s) not found: {', '.join(missing)}")
    targets = [(Path(out).resolve() / Path(nb).stem).as_posix() for nb, out, _ in jobs]
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise ValueError(f"two jobs would write the same output: {', '.join(duplicates)}")
    groups: dict[Path, list[int]] = {}
    for index, (_, out, _) in enumerate(jobs):
        groups.setdefault(Path(cwd or out).resolve(), []).append(index)
    results: dict[int, NotebookResult] = {}

    def run_group(folder: Path, indexes: list[int]) -> None:
        with ReportKernel.open(folder, kernel_name) as kernel:
            for index in indexes:
                nb, out, params = jobs[index]
                results[index] = kernel.execute(Path(nb), Path(out), params)

    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=min(max_workers, len(groups)), thread_name_prefix="awsbp-render") as pool:
        for future in [pool.submit(run_group, folder, indexes) for folder, indexes in groups.items()]:
            future.result()
    return [results[i] for i in range(len(jobs))]


READ_ONLY = 0o400
"""An executed notebook once rendered: evidence, readable by its owner only (reports hold client data)."""


def seal_notebooks(folder: Path) -> list[Path]:
    """Make the executed notebooks in ``folder`` (not its subfolders) read-only, mode 0400, once rendered: a
    consultant who opens one in JupyterLab cannot save over what the report was made from (``awsbp explore``
    gives a scratch copy). Returns the notebooks sealed. A later render into the same folder still replaces them
    (:func:`execute_and_convert` unlinks the previous files first).

    Example::

        seal_notebooks(Path("reports/acme/run1/111122223333"))  # -> [.../10_vpc.ipynb, .../20_iam.ipynb, ...]
    """
    sealed = sorted(Path(folder).glob("*.ipynb"))
    for notebook in sealed:
        notebook.chmod(READ_ONLY)
    return sealed


# ------------------------------------------------------------------------------------------------- HTML


def to_html(ipynb: Path, html_path: Path) -> Path:
    """An executed notebook as the report's self-contained HTML page: no code, no prompts, offline.

    The page title is the first heading the report shows (a markdown ``#`` heading, else the first ``<h1>`` the
    outputs display, else the file name); ``lang`` follows the ``lang`` parameter the notebook was run with."""
    nb = nbformat.read(Path(ipynb), as_version=4)
    parameters = (nb.metadata.get("papermill") or {}).get("parameters") or {}
    lang = str(parameters.get("lang") or "")
    title = _first_h1(nb) or Path(ipynb).stem
    cells = [piece for cell in nb.cells for piece in [_cell_html(cell)] if piece]
    lang = lang if lang in LANGS else "en"
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{report_css()}\n</style>\n</head>\n"
        f'<body class="awsbp-report">\n<main>\n{"".join(cells)}</main>\n</body>\n</html>\n'
    )
    return write_text(Path(html_path), page)


def _cell_html(cell: nbformat.NotebookNode) -> str:
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & set(REMOVE_CELL_TAGS):
        return ""
    if cell.cell_type == "markdown":
        return f'<div class="cell markdown">{markdown(cell.source)}</div>\n'
    if cell.cell_type != "code" or tags & set(REMOVE_OUTPUT_TAGS):
        return ""
    shown = "".join(_output_html(output) for output in cell.get("outputs", []))
    return f'<div class="cell">{shown}</div>\n' if shown else ""


def _output_html(output: nbformat.NotebookNode) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return (
            f'<pre class="stream {html.escape(output.get("name", ""))}">{html.escape(_text(output.get("text")))}</pre>'
        )
    if kind == "error":
        trace = "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"])
        return f'<pre class="error">{html.escape(_ANSI.sub("", trace))}</pre>'
    data = output.get("data") or {}
    if "text/html" in data:
        return _text(data["text/html"])  # built by the library, every value escaped there
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            encoded = "".join(_text(data[mime]).split())
            return f'<p><img alt="" src="data:{mime};base64,{html.escape(encoded)}"></p>'
    if "image/svg+xml" in data:  # an image, never inline markup: an SVG can carry script
        svg = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode()
        return f'<p><img alt="" src="data:image/svg+xml;base64,{svg}"></p>'
    if "text/markdown" in data:
        return markdown(_text(data["text/markdown"]))
    if "text/plain" in data:
        return f"<pre>{html.escape(_ANSI.sub('', _text(data['text/plain'])))}</pre>"
    return ""  # JavaScript, widgets: never in a report


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _first_h1(nb: nbformat.NotebookNode) -> str:
    """Text of the first heading the report shows: a ``# Heading`` in a markdown cell that stays in the report,
    else the first ``<h1>`` of a displayed HTML output (what the workbook's header prints); ``""`` if none."""
    for cell in nb.cells:
        if set(cell.metadata.get("tags", [])) & set(REMOVE_CELL_TAGS):
            continue
        if cell.cell_type == "markdown":
            match = _H1.search(cell.source)
            if match:
                text = _MD_LINK.sub(r"\1", match.group(1))
                return re.sub(r"[*_`]", "", text).strip()
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            found = _HTML_H1.search(_text((output.get("data") or {}).get("text/html", "")))
            if found:
                return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    return ""


def _one_line(text: str, limit: int = _ERROR_LIMIT) -> str:
    """Collapse whitespace and ANSI colours to one line, truncated to `limit` characters."""
    text = " ".join(_ANSI.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
