"""The README's follow-up path, driven literally on a run: its commands and its Python, as written there."""

from __future__ import annotations

import re
import shlex
import shutil
import textwrap
from pathlib import Path

import nbformat
import papermill
import pytest
from awsbp.assess import Assessment
from awsbp.cli import main

pytestmark = pytest.mark.slow
README = Path(__file__).parents[2] / "README.md"
FENCE = re.compile(r"^([ \t]*)```(\w+)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Follow-up in JupyterLab")
    return text[start : text.index("\n## ", start + 3)]


def blocks(kind: str, run_id: str) -> list[str]:
    found = [textwrap.dedent(m.group(3)) for m in FENCE.finditer(section()) if m.group(2) == kind]
    return [b.replace("<run-id>", run_id) for b in found]


def commands(run_id: str, program: str) -> list[list[str]]:
    """The shell lines of the section that call ``program`` (comments dropped), as argument lists."""
    lines = [line.split(" #")[0].strip() for block in blocks("bash", run_id) for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith(program)]


def outputs_of(notebook: nbformat.NotebookNode, heading: str) -> str:
    """Every HTML and text output of the code cell that follows the markdown cell starting with ``heading``."""
    cells = notebook.cells
    at = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith(heading))
    cell = cells[at + 1]
    return "".join(o.get("data", {}).get("text/html", "") + o.get("text", "") for o in cell.outputs)


def test_the_readme_follow_up_path(run_dir, tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    shutil.copytree(run_dir.parent, project / "reports" / "acme")  # the client's runs, as the batch left them
    monkeypatch.chdir(project)
    run_id = run_dir.name
    saved = [Assessment.load(p) for p in sorted(run_dir.glob("*/assessment.json"))]
    high = sum(1 for a in saved for f in a.findings if f.status == "FAIL" and f.severity == "high")
    fails = sum(1 for a in saved for f in a.findings if f.status == "FAIL")  # suppressed ones too

    # 2. awsbp explore: the scratch notebook beside the run, where the README says; Run All
    (explore,) = commands(run_id, ".venv/bin/awsbp explore")
    assert main(explore) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == (project / "reports" / "acme" / "scratch" / run_id / "explore.ipynb").resolve()
    papermill.execute_notebook(
        str(printed), str(printed), kernel_name="python3", cwd=str(printed.parent), progress_bar=False
    )
    notebook = nbformat.read(printed, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error" and output.get("name") != "stderr", (cell.source, output)
    assert "bob" in outputs_of(notebook, "## 1.")  # console, no MFA, a key rotated 322 days ago
    assert "shop-dev-app" in outputs_of(notebook, "## 2.")
    assert "lambda:ListFunctions" in outputs_of(notebook, "## 8.")
    assert "db-team" in outputs_of(notebook, "## 9.") and "alice" in outputs_of(notebook, "## 10.")

    # 3. the README's Python, as written
    (python,) = blocks("python", run_id)
    names: dict = {}
    exec(compile(python, "README.md", "exec"), names)
    assert len(names["high"]) == high
    bob = names["keys"].set_index("user").loc["bob"]
    assert bob.key_age_days == 322 and bob.password_enabled and not bob.mfa_active
    assert names["prod"].account_name == "acme-prod" and len(names["prod"].findings)
    assert set(names["changes"].change) == {"new", "fixed", "not_compared"}
    assert int(names["per_account"].n.sum()) == fails

    # 3. and in SQL from the shell
    first, second = commands(run_id, ".venv/bin/awsbp query")
    assert main(first) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["check_id", "n"] and sum(int(line.split()[1]) for line in table[1:-1]) == high
    assert main(second) == 0
    written = (project / "open_rules.csv").read_text().splitlines()
    assert len(written) - 1 == int(names["run"].inventory("sg_rules").is_open_to_internet.sum()) > 0
