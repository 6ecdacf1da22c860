"""Execute notebooks with papermill and turn them into self-contained, code-free HTML reports.

One notebook becomes two files side by side in the account's output directory::

    execute_and_convert(Path("notebooks/10_vpc.ipynb"), Path("reports/acme/run1/111122223333"), {"lang": "ja"})
    # -> reports/acme/run1/111122223333/10_vpc.ipynb   executed notebook, the debugging record (always kept)
    #    reports/acme/run1/111122223333/10_vpc.html    report: no code, no prompts, opens offline

A failing cell is data, not an exception: the result says ``ok=False`` with a one-line error, and the
HTML is still written (it shows the traceback where the notebook stopped). ``write_index`` renders
the run's ``index.html`` linking every account's reports and exports.

The HTML uses the ``awsbp_report`` nbconvert template (``templates/awsbp_report``): the JupyterLab
look with require.js, MathJax, Mermaid and the widget manager removed, because the stock ``lab``
template loads those from CDNs and a client's report must open without network access.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

from awsbp.catalog import LANGS
from awsbp.report import palette

NOTEBOOKS_DIR = Path(__file__).parent / "notebooks"
"""The report notebooks (package data): 00_summary and one per domain."""
TEMPLATES_DIR = Path(__file__).parent / "templates"
"""Holds the nbconvert template directory ``awsbp_report`` and the jinja2 templates of the run index."""

REPORT_TEMPLATE = "awsbp_report"

REMOVE_CELL_TAGS = ("remove-cell", "parameters", "injected-parameters")
"""Cells dropped from the HTML entirely: setup/explore cells and papermill's parameter cells."""
REMOVE_INPUT_TAGS = ("remove-input",)
REMOVE_OUTPUT_TAGS = ("remove-output",)

# Output types the report shows, best first. JavaScript and widget views are left out: they need
# require.js / a widget manager from a CDN, so the text/html or text/plain alternative is shown.
DISPLAY_PRIORITY = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/vnd.mermaid",
    "text/latex",
    "text/plain",
)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_H1 = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ERROR_LIMIT = 500
# A kernel answers kernel_info within a second on a quiet machine; the wait only guards against a dead kernel,
# so it is generous for a loaded laptop or CI runner.
KERNEL_START_TIMEOUT = 300


def notebooks_dir() -> Path:
    """Where the report notebooks are (inside the installed package)."""
    return NOTEBOOKS_DIR


@dataclass
class NotebookResult:
    """Outcome of executing and converting one notebook."""

    notebook: str  # e.g. "10_vpc"
    ipynb: Path  # executed notebook, always kept (also when a cell failed)
    html: Path | None  # None only when conversion itself failed
    ok: bool  # False when a cell raised
    error: str = ""  # one line: exception name + message of the failing cell, "" when ok
    seconds: float = 0.0


def execute_and_convert(
    notebook: Path,
    out_dir: Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = "python3",
    cwd: Path | None = None,
    timeout: int = 600,
) -> NotebookResult:
    """papermill-execute `notebook` into out_dir/<stem>.ipynb with `parameters`, then convert to out_dir/<stem>.html.

    Never raises for a failing cell: papermill's PapermillExecutionError is caught, the executed notebook
    is kept, and HTML is still produced (it shows the error output) with ok=False. The same holds when
    execution stops for another reason (a cell exceeding `timeout` seconds, a dead kernel, an unknown
    kernel name): ok=False and `error` names the exception. If the HTML conversion itself fails,
    html=None, ok=False and `error` says so.

    The kernel runs in `cwd`, by default the notebook's own directory (as in JupyterLab). Parameter
    values papermill cannot translate (e.g. ``Path``) are injected as strings.

    Raises FileNotFoundError if `notebook` does not exist.

    Example::

        r = execute_and_convert(Path("notebooks/10_vpc.ipynb"), Path("out/111122223333"), {"lang": "en"})
        # NotebookResult(notebook="10_vpc", ipynb=Path("out/111122223333/10_vpc.ipynb"),
        #                html=Path("out/111122223333/10_vpc.html"), ok=True, error="", seconds=3.1)
    """
    started = time.perf_counter()
    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook not found: {notebook}")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb = out_dir / f"{notebook.stem}.ipynb"
    html_path = out_dir / f"{notebook.stem}.html"
    run_dir = Path(cwd).resolve() if cwd is not None else notebook.parent
    for stale in (ipynb, html_path):  # a previous run's files must never pass for this run's
        stale.unlink(missing_ok=True)

    ok, error = True, ""
    try:
        papermill.execute_notebook(
            str(notebook),
            str(ipynb),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            execution_timeout=timeout,
            start_timeout=KERNEL_START_TIMEOUT,
            progress_bar=False,
            log_output=False,
            # Not papermill's `cwd=`: that os.chdir()s the whole process, which races between the
            # threads of render_many. nbclient starts the kernel in resources.metadata.path instead.
            resources={"metadata": {"path": str(run_dir)}},
        )
    except PapermillExecutionError as exc:
        ok, error = False, _one_line(f"{exc.ename}: {exc.evalue}" if exc.evalue else exc.ename)
    except Exception as exc:  # noqa: BLE001 — timeouts, dead or unknown kernels: record, keep going
        ok, error = False, _one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        if not ipynb.exists():  # papermill failed before its first save: keep the parameterised input
            _write_unexecuted(notebook, ipynb, parameters)

    html: Path | None
    try:
        html = to_html(ipynb, html_path)
    except Exception as exc:  # noqa: BLE001 — a broken output must not stop the batch
        html = None
        conversion = _one_line(f"HTML conversion failed: {type(exc).__name__}: {exc}")
        ok, error = False, f"{error}; {conversion}" if error else conversion

    return NotebookResult(
        notebook=notebook.stem,
        ipynb=ipynb,
        html=html,
        ok=ok,
        error=error,
        seconds=round(time.perf_counter() - started, 3),
    )


def to_html(ipynb: Path, html_path: Path) -> Path:
    """Convert an executed notebook to self-contained HTML with code hidden.

    Uses the ``awsbp_report`` template: no input cells, no In/Out prompts, cells tagged
    ``remove-cell`` / ``parameters`` / ``injected-parameters`` dropped, ``remove-input`` and
    ``remove-output`` honoured, images embedded as data URIs, nothing loaded from the network.
    The page title is the notebook's first markdown H1 (else metadata ``title``, else the file
    name); the ``lang`` attribute follows a ``lang`` parameter injected by papermill.

    Example::

        to_html(Path("out/10_vpc.ipynb"), Path("out/10_vpc.html"))  # -> Path("out/10_vpc.html")
    """
    ipynb, html_path = Path(ipynb), Path(html_path)
    nb = nbformat.read(ipynb, as_version=4)
    title = _first_h1(nb)
    if title:
        nb.metadata["title"] = title
    papermill_meta = nb.metadata.get("papermill", {})
    lang = str(papermill_meta.get("parameters", {}).get("lang", "") or "")
    # Relative image paths in markdown are relative to the source notebook, not to the output copy.
    source = Path(papermill_meta.get("input_path") or ipynb)
    resources = {"metadata": {"name": ipynb.stem, "path": str(source.parent)}, "awsbp_palette_css": palette.css()}

    body, _ = _report_exporter(lang).from_notebook_node(nb, resources=resources)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_name(f".{html_path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(html_path)
    return html_path


def render_many(
    jobs: list[tuple[Path, Path, dict[str, Any]]],
    *,
    max_workers: int = 2,
    kernel_name: str = "python3",
    cwd: Path | None = None,
) -> list[NotebookResult]:
    """Run execute_and_convert for (notebook, out_dir, parameters) jobs in a thread pool; results in job order.

    Each job starts its own kernel process, so `max_workers` is the number of kernels alive at once
    (rendering is CPU bound: about one per core).

    Every notebook is checked to exist before any kernel starts (FileNotFoundError), so a typo does
    not surface after minutes of work. Jobs sharing an out_dir must have distinct notebook stems.

    Example::

        render_many([(Path("nb/10_vpc.ipynb"), Path("out/a1"), {"lang": "ja"}),
                     (Path("nb/10_vpc.ipynb"), Path("out/a2"), {"lang": "ja"})], max_workers=4)
        # -> [NotebookResult(notebook="10_vpc", ...a1...), NotebookResult(notebook="10_vpc", ...a2...)]
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be >= 1, got {max_workers}")
    missing = [str(nb) for nb, _, _ in jobs if not Path(nb).is_file()]
    if missing:
        raise FileNotFoundError(f"notebook(s) not found: {', '.join(missing)}")
    targets = [(Path(out).resolve() / Path(nb).stem).as_posix() for nb, out, _ in jobs]
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise ValueError(f"two jobs would write the same output: {', '.join(duplicates)}")
    if not jobs:
        return []

    with ThreadPoolExecutor(max_workers=min(max_workers, len(jobs)), thread_name_prefix="awsbp-render") as pool:
        futures = [
            pool.submit(execute_and_convert, Path(nb), Path(out), params, kernel_name=kernel_name, cwd=cwd)
            for nb, out, params in jobs
        ]
        return [f.result() for f in futures]


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


# ---------------------------------------------------------------------------------------------- helpers


def _report_exporter(lang: str = "") -> HTMLExporter:
    """A fresh HTMLExporter on the awsbp_report template (one per call: exporters are not shared across threads)."""
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    c.NbConvertBase.display_data_priority = list(DISPLAY_PRIORITY)
    exporter = HTMLExporter(
        config=c,
        template_name=REPORT_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    if lang in LANGS:
        exporter.language_code = lang
    return exporter


def _first_h1(nb: nbformat.NotebookNode) -> str:
    """Text of the first ``# Heading`` in a markdown cell that stays in the report, else ""."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or set(cell.metadata.get("tags", [])) & set(REMOVE_CELL_TAGS):
            continue
        match = _H1.search(cell.source)
        if match:
            text = _MD_LINK.sub(r"\1", match.group(1))
            return re.sub(r"[*_`]", "", text).strip()
    return ""


def _one_line(text: str, limit: int = _ERROR_LIMIT) -> str:
    """Collapse whitespace and ANSI colours to one line, truncated to `limit` characters."""
    text = " ".join(_ANSI.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_unexecuted(notebook: Path, ipynb: Path, parameters: dict[str, Any]) -> None:
    """Keep a record when papermill stopped before saving: the input notebook, with the parameters in metadata."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata.setdefault("papermill", {})["parameters"] = {
        k: "" if v is None else str(v) for k, v in parameters.items()
    }
    nbformat.write(nb, ipynb)
