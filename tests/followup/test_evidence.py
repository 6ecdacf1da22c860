"""A rendered run is evidence: its notebooks re-run from a moved copy, and exploring changes none of its files."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import papermill
import pytest
from awsbp.cli import main
from awsbp.report.execute import seal_notebooks
from awsbp.report.followup import open_run
from awsbp.report.followup.run import INVENTORY_TABLES
from nbclient import NotebookClient

from followup.world import MGMT, PROD, assess_client, tree_digest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rendered_run")]  # one worker renders the run once


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A rendered run (executed notebooks and HTML), its notebooks sealed as the batch leaves them."""
    run_dir = assess_client(tmp_path_factory.mktemp("rendered"), render=True)
    for folder in (run_dir, run_dir / MGMT, run_dir / PROD):
        seal_notebooks(folder)
    return run_dir


def shown(notebook: nbformat.NotebookNode) -> list[str]:
    """What each code cell shows (HTML or text, charts included)."""
    out = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            parts = [o.get("data", {}).get("text/html") or o.get("text") or "" for o in cell.outputs]
            out.append("".join(parts))
    return out


def test_notebooks_are_sealed_read_only(rendered):
    for path in [*rendered.glob("*.ipynb"), *rendered.glob("*/*.ipynb")]:
        assert (path.stat().st_mode & 0o777) == 0o400, path
    assert len(list(rendered.glob("*/*.ipynb"))) == 6


def test_an_executed_notebook_reruns_from_a_moved_run_folder(rendered, tmp_path):
    copy = shutil.copytree(rendered, tmp_path / "moved" / "somewhere" / rendered.name)
    away = rendered.with_name(rendered.name + ".away")
    rendered.rename(away)  # the original is gone while the copy runs: nothing may point back at it
    try:
        notebook = nbformat.read(copy / PROD / "10_vpc.ipynb", as_version=4)
        before = shown(notebook)
        assert any('data-check="BP-VPC-02"' in html for html in before)
        client = NotebookClient(
            notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(copy / PROD)}}
        )
        client.execute()  # in place: the kernel runs in the copied account folder; nothing is written
    finally:
        away.rename(rendered)
    assert shown(notebook) == before
    assert not any(o.output_type == "error" for c in notebook.cells for o in c.get("outputs", []))


def test_exploring_changes_no_file_of_the_run(rendered, tmp_path, capsys):
    before = tree_digest(rendered)
    run = open_run(rendered)
    for name in ["findings", "changes", "gaps", "suppressions", "accounts", *INVENTORY_TABLES]:
        assert run.table(name) is not None
        run.sql(f"select count(*) from {name}")
    for account in (MGMT, PROD):
        for domain in ("vpc", "iam", "devtools"):
            book = run.account(account).workbook(domain)
            book.overview(), book.changes(), book.inventory.network.sg_rules
    assert main(["explore", str(rendered)]) == 0
    scratch = Path(capsys.readouterr().out.strip())
    assert rendered.resolve() not in scratch.resolve().parents
    papermill.execute_notebook(
        str(scratch), str(scratch), kernel_name="python3", cwd=str(scratch.parent), progress_bar=False
    )
    assert main(["query", str(rendered), "select * from findings", "--csv", str(tmp_path / "all.csv")]) == 0
    assert tree_digest(rendered) == before
