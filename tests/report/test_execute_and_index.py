"""awsbp.report.execute (papermill execution, code-free offline HTML) and awsbp.report.index (the run index).

Each notebook execution starts a kernel (~1.5 s), so the main report is rendered once per module
and shared by the tests that only read it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
from awsbp.report import execute as render
from awsbp.report import index

KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}

# Source lines whose text must never reach the HTML (their outputs do).
PRINT_SRC = 'label = "x" + " is"\nprint(label, x)'
TABLE_SRC = (
    "from IPython.display import HTML\n"
    "HTML('<table class=\"awsbp\"><thead><tr><th>Status</th></tr></thead>'\n"
    "     '<tbody><tr><td class=\"st-FAIL\">FAIL-CELL</td></tr></tbody></table>')"
)
PNG_SRC = (
    "import io\n"
    "import matplotlib\n"
    "matplotlib.use('Agg')\n"
    "from matplotlib.figure import Figure\n"
    "from IPython.display import Image, display\n"
    "fig = Figure(figsize=(2, 1.5))\n"
    "fig.subplots().bar(['FAIL', 'PASS'], [3, 5])\n"
    "buf = io.BytesIO()\n"
    "fig.savefig(buf, format='png')\n"
    "display(Image(data=buf.getvalue()))"
)
EXPLORE_SRC = "print('EXPLORE-' + 'ONLY-OUTPUT')"
CWD_SRC = "import os\nprint('cwd=' + os.getcwd())"

EXTERNAL_REF = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
PNG_IMG = re.compile(r"""<img\b[^>]*\bsrc="data:image/png;base64,iVBORw0KGgo""")


def _code(source: str, *tags: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _write_notebook(path: Path, cells: list[nbformat.NotebookNode]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _report_notebook(path: Path) -> Path:
    return _write_notebook(
        path,
        [
            _code('x = 1  # int: the value under test\nlang = "en"  # str: report language', "parameters"),
            nbformat.v4.new_markdown_cell("# Network findings\n\nInline maths $E = mc^2$ stays as text."),
            _code(PRINT_SRC),
            _code(TABLE_SRC),
            _code(PNG_SRC),
            _code(EXPLORE_SRC, "remove-cell"),
            _code(CWD_SRC, "remove-input"),
        ],
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[render.NotebookResult, str, Path]:
    base = tmp_path_factory.mktemp("report")
    nb = _report_notebook(base / "notebooks" / "10_vpc.ipynb")
    result = render.execute_and_convert(nb, base / "out" / "111122223333", {"x": 42, "lang": "ja"})
    assert result.html is not None, result.error
    return result, result.html.read_text(encoding="utf-8"), nb


# --------------------------------------------------------------------------------------- execution


def test_success_writes_ipynb_and_html_side_by_side(report: tuple[render.NotebookResult, str, Path]) -> None:
    result, _, _ = report
    assert result.ok, result.error
    assert result.error == ""
    assert result.notebook == "10_vpc"
    assert result.ipynb.name == "10_vpc.ipynb" and result.ipynb.is_file()
    assert result.html is not None and result.html == result.ipynb.with_suffix(".html")
    assert result.seconds > 0


def test_parameters_are_injected(report: tuple[render.NotebookResult, str, Path]) -> None:
    result, html, _ = report
    assert "x is 42" in html
    assert "x is 1\n" not in html
    executed = nbformat.read(result.ipynb, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "x = 42" in injected[0].source


def test_kernel_runs_in_the_notebook_directory_by_default(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, nb = report
    assert f"cwd={nb.parent.resolve()}" in html


def test_cwd_argument_sets_the_kernel_directory(tmp_path: Path) -> None:
    nb = _write_notebook(tmp_path / "nb" / "cwd.ipynb", [_code(CWD_SRC)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = render.execute_and_convert(nb, tmp_path / "out", {}, cwd=elsewhere)
    assert result.ok, result.error
    assert f"cwd={elsewhere.resolve()}" in result.html.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------- HTML


def test_html_hides_code_prompts_and_parameter_cells(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, _ = report
    for source in (PRINT_SRC, TABLE_SRC, PNG_SRC, CWD_SRC):
        first_line = source.splitlines()[0]
        assert first_line not in html
        assert first_line.replace('"', "&quot;") not in html
    assert "label = " not in html
    assert "savefig" not in html
    assert "x = 1" not in html and "x = 42" not in html  # parameters + injected-parameters cells dropped
    body = html.split("<body", 1)[1]
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body
    assert "jp-InputArea-editor" not in body
    # markdown, print, table, png, cwd: the parameters, injected-parameters and remove-cell cells are gone
    assert body.count('<div class="cell') == 5


def test_remove_cell_tag_drops_the_cell_and_its_output(report: tuple[render.NotebookResult, str, Path]) -> None:
    result, html, _ = report
    assert "EXPLORE-ONLY-OUTPUT" in result.ipynb.read_text(encoding="utf-8")  # it did run
    assert "EXPLORE-ONLY-OUTPUT" not in html
    assert "EXPLORE-" not in html


def test_html_loads_nothing_from_the_network(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, _ = report
    assert EXTERNAL_REF.findall(html) == []
    lowered = html.lower()
    assert "cdn" not in lowered
    assert "<script" not in lowered
    for library in ("mathjax", "require.js", "require.min.js", "mermaid"):
        assert library not in lowered, library
    assert "<link" not in lowered


def test_png_is_embedded_as_data_uri(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, _ = report
    assert len(PNG_IMG.findall(html)) == 1


def test_html_output_table_and_report_css(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, _ = report
    assert '<table class="awsbp">' in html
    assert '<td class="st-FAIL">FAIL-CELL</td>' in html
    styles = "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL))
    for selector in ("table.awsbp", ".sev-critical", ".sev-informational", ".st-FAIL", ".st-NOT_ASSESSED", ".st-PASS"):
        assert selector in styles, selector
    assert "@media print" in styles
    assert "@page" in styles and "A4" in styles  # printed on A4 with our page rules
    assert len(html) < 60_000  # our stylesheet only: no JupyterLab CSS to carry


def test_title_is_first_h1_and_lang_follows_parameter(report: tuple[render.NotebookResult, str, Path]) -> None:
    _, html, _ = report
    assert "<title>Network findings</title>" in html
    assert '<html lang="ja"' in html


def test_failing_cell_keeps_ipynb_and_still_writes_html(tmp_path: Path) -> None:
    nb = _write_notebook(
        tmp_path / "20_iam.ipynb",
        [
            _code("x = 1", "parameters"),
            _code("print('before-' + 'failure')"),
            _code("raise ValueError('boom ' + str(x))"),
            _code("print('after-' + 'failure')"),
        ],
    )
    result = render.execute_and_convert(nb, tmp_path / "out", {"x": 7})
    assert result.ok is False
    assert result.error == "ValueError: boom 7"
    assert result.ipynb.is_file()
    executed = nbformat.read(result.ipynb, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert result.html is not None and result.html.is_file()
    html = result.html.read_text(encoding="utf-8")
    assert "before-failure" in html
    assert "boom 7" in html  # the traceback is shown
    assert "after-failure" not in html


def test_cell_timeout_is_reported_not_raised(tmp_path: Path) -> None:
    nb = _write_notebook(
        tmp_path / "slow.ipynb", [_code("print('started-' + 'ok')"), _code("import time\ntime.sleep(60)")]
    )
    started = time.perf_counter()
    result = render.execute_and_convert(nb, tmp_path / "out", {}, timeout=2)
    assert time.perf_counter() - started < 30
    assert result.ok is False
    assert "timed out" in result.error.lower() or "timeout" in result.error.lower()
    assert "\n" not in result.error
    assert result.ipynb.is_file()
    assert result.html is not None and "started-ok" in result.html.read_text(encoding="utf-8")


def test_to_html_converts_an_existing_notebook(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.cells = [
        nbformat.v4.new_markdown_cell("intro, no heading"),
        _code("secret_source_text = 1"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="visible-output\n")]
    src = tmp_path / "plain.ipynb"
    nbformat.write(nb, src)
    out = render.to_html(src, tmp_path / "deep" / "plain.html")
    html = out.read_text(encoding="utf-8")
    assert out == tmp_path / "deep" / "plain.html"
    assert "visible-output" in html and "secret_source_text" not in html
    assert "<title>plain</title>" in html


# ------------------------------------------------------------------------------------------ batch


def test_render_many_returns_results_in_job_order(tmp_path: Path) -> None:
    slow = _write_notebook(
        tmp_path / "nb" / "00_slow.ipynb",
        [_code("x = 0", "parameters"), _code("import time\ntime.sleep(1.5)\nprint('slow', x)")],
    )
    fast = _write_notebook(tmp_path / "nb" / "10_fast.ipynb", [_code("x = 0", "parameters"), _code("print('fast', x)")])
    jobs = [(slow, tmp_path / "out" / "a", {"x": 101}), (fast, tmp_path / "out" / "b", {"x": 202})]
    results = render.render_many(jobs, max_workers=2)
    assert [r.notebook for r in results] == ["00_slow", "10_fast"]
    assert all(r.ok for r in results), [r.error for r in results]
    assert results[0].html == tmp_path / "out" / "a" / "00_slow.html"
    assert "slow 101" in results[0].html.read_text(encoding="utf-8")
    assert "fast 202" in results[1].html.read_text(encoding="utf-8")
    assert results[0].seconds > results[1].seconds  # the slow job finished last yet comes first


def test_render_many_checks_notebooks_before_starting(tmp_path: Path) -> None:
    fast = _write_notebook(tmp_path / "ok.ipynb", [_code("print(1)")])
    with pytest.raises(FileNotFoundError, match=r"missing\.ipynb"):
        render.render_many([(fast, tmp_path / "out", {}), (tmp_path / "missing.ipynb", tmp_path / "out", {})])
    assert not (tmp_path / "out" / "ok.ipynb").exists()


# ------------------------------------------------------------------------------------------ index

HOSTILE = "<script>alert(1)</script>"


def _run() -> dict[str, object]:
    return {
        "client": "Acme & Co",
        "run_id": "20250101T000000Z",
        "started_at": "2025-01-01T00:00:00Z",
        "finished_at": "2025-01-01T00:05:00Z",
        "tool_version": "0.1.0",
    }


def _accounts() -> list[dict[str, object]]:
    return [
        {
            "account_id": "111122223333",
            "name": HOSTILE,
            "status": "partial",
            "error": "",
            "counts": {"FAIL": 3, "REVIEW": 2, "NOT_ASSESSED": 1, "PASS": 9},
            "reports": [
                {"notebook": "10_vpc", "title": "VPC", "href": "111122223333/10_vpc.html", "ok": True, "error": ""},
                {
                    "notebook": "20_iam",
                    "title": "IAM",
                    "href": "111122223333/20_iam.html",
                    "ok": False,
                    "error": "KeyError: '<b>bad</b>'",
                },
            ],
            "exports": [
                {"label": "findings.json", "href": "111122223333/findings.json"},
                {"label": "findings.csv", "href": "111122223333/findings.csv"},
            ],
            "collection_errors": 4,
        },
        {
            "account_id": "444455556666",
            "name": "sandbox",
            "status": "failed",
            "error": "AccessDenied: not authorized to perform sts:AssumeRole",
            "counts": {},
            "reports": [],
            "exports": [],
            "collection_errors": 0,
        },
    ]


def test_write_index_escapes_account_data_and_links_reports(tmp_path: Path) -> None:
    path = index.write_index(
        tmp_path / "run" / "index.html", title="Acme review", lang="en", run=_run(), accounts=_accounts()
    )
    html = path.read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bad</b>" not in html and "&lt;b&gt;bad&lt;/b&gt;" in html
    assert "Acme &amp; Co" in html
    assert "<script" not in html.lower()
    assert EXTERNAL_REF.findall(html) == []
    for href in ("111122223333/10_vpc.html", "111122223333/20_iam.html", "111122223333/findings.json"):
        assert f'href="{href}"' in html
    assert 'href="111122223333/findings.csv"' in html


def test_write_index_flags_failed_reports_and_accounts(tmp_path: Path) -> None:
    html = index.write_index(tmp_path / "index.html", title="t", lang="en", run=_run(), accounts=_accounts()).read_text(
        encoding="utf-8"
    )
    assert html.count("report incomplete: a cell failed — open the .ipynb") == 1
    assert 'href="111122223333/20_iam.ipynb"' in html  # the debugging record is one click away
    assert 'href="111122223333/10_vpc.ipynb"' not in html  # only for the failed one
    assert "This account could not be assessed" in html
    assert "AccessDenied: not authorized to perform sts:AssumeRole" in html
    assert re.search(r"API calls that failed during collection: (\d+)", html).group(1) == "4"
    # a failed account shows no counts (zeros would read as "nothing found")
    failed_row = re.search(r"<tr[^>]*>\s*<td><a href=\"#account-2\">444455556666</a></td>(.*?)</tr>", html, re.DOTALL)
    assert failed_row and "badge" not in failed_row.group(1) and "—" in failed_row.group(1)


def test_write_index_links_ipynb_when_html_is_missing(tmp_path: Path) -> None:
    accounts = _accounts()[:1]
    accounts[0]["reports"] = [
        {
            "notebook": "30_devtools",
            "title": "DevTools",
            "href": "",
            "ipynb": "111122223333/30_devtools.ipynb",
            "ok": False,
            "error": "HTML conversion failed: ValueError: bad",
        }
    ]
    html = index.write_index(tmp_path / "i.html", title="t", lang="en", run=_run(), accounts=accounts).read_text(
        encoding="utf-8"
    )
    assert "HTML could not be produced" in html
    assert 'href="111122223333/30_devtools.ipynb"' in html
    assert 'href=""' not in html


def test_write_index_counts_badges(tmp_path: Path) -> None:
    html = index.write_index(
        tmp_path / "index.html", title="t", lang="en", run=_run(), accounts=_accounts()[:1]
    ).read_text(encoding="utf-8")
    for status, n in (("FAIL", 3), ("REVIEW", 2), ("NOT_ASSESSED", 1), ("PASS", 9)):
        assert re.search(rf'<span class="badge st-{status}"[^>]*>{n}</span>', html), status
    styles = re.search(r"<style>(.*?)</style>", html, flags=re.DOTALL).group(1)  # colours from the palette
    assert re.search(r"\.st-FAIL\s*\{[^}]*background", styles)
    assert re.search(r"\.st-PASS\s*\{[^}]*background", styles)


def test_write_index_labels_follow_lang(tmp_path: Path) -> None:
    ja = index.write_index(tmp_path / "ja.html", title="t", lang="ja", run=_run(), accounts=_accounts())
    en = index.write_index(tmp_path / "en.html", title="t", lang="en", run=_run(), accounts=_accounts())
    ja_html, en_html = ja.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert '<html lang="ja">' in ja_html and '<html lang="en">' in en_html
    assert "レポート不完全" in ja_html and "report incomplete" not in ja_html
    assert "要確認" in ja_html and "要確認" not in en_html
    assert "Findings data" in en_html and "Findings data" not in ja_html


def test_write_index_refuses_absolute_links_and_unknown_lang(tmp_path: Path) -> None:
    accounts = _accounts()
    accounts[0]["exports"] = [{"label": "x", "href": "javascript:alert(1)"}]
    with pytest.raises(ValueError, match="relative"):
        index.write_index(tmp_path / "i.html", title="t", lang="en", run=_run(), accounts=accounts)
    with pytest.raises(ValueError, match="lang"):
        index.write_index(tmp_path / "i.html", title="t", lang="fr", run=_run(), accounts=_accounts())
    assert not (tmp_path / "i.html").exists()


def test_stream_error_and_svg_outputs_stay_inert(tmp_path: Path) -> None:
    """What a cell prints is text; an SVG is an image, never markup; JavaScript outputs are not shown."""
    nb = _write_notebook(
        tmp_path / "nb" / "x.ipynb",
        [
            _code("print('<script>alert(1)</script>')"),
            _code(
                "from IPython.display import SVG, Javascript, display\n"
                "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(2)</script></svg>'))\n"
                "display(Javascript('alert(3)'))"
            ),
            _code("raise ValueError('<b>broken</b>')"),
        ],
    )
    result = render.execute_and_convert(nb, tmp_path / "out", {})
    html = result.html.read_text(encoding="utf-8")
    assert not result.ok and "ValueError" in result.error
    assert "<script" not in html.lower() and "alert(3)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;broken&lt;/b&gt;" in html
    assert 'src="data:image/svg+xml;base64,' in html


def test_one_kernel_serves_every_notebook_of_a_folder(tmp_path: Path) -> None:
    """An account's reports share one kernel: a module imported by the first is already there for the second."""
    first = _write_notebook(tmp_path / "nb" / "a.ipynb", [_code("import os\nprint('pid', os.getpid())")])
    second = _write_notebook(tmp_path / "nb" / "b.ipynb", [_code("import os\nprint('pid', os.getpid())")])
    other = tmp_path / "other"
    other.mkdir()
    results = render.render_many(
        [(first, tmp_path / "out", {}), (second, tmp_path / "out", {}), (first, other, {})], max_workers=2
    )
    pids = [re.search(r"pid (\d+)", r.html.read_text(encoding="utf-8")).group(1) for r in results]
    assert pids[0] == pids[1] != pids[2]  # same folder, same kernel; another folder, another kernel
