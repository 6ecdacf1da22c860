"""awsbp explore: the cookbook copied beside a run (never into it), with its `run` parameter set."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from awsbp.cli import main
from awsbp.report.followup import RunError, open_run
from awsbp.report.followup.scratch import cookbook_path, explore


@pytest.fixture
def client(run_dir, tmp_path):
    """A private copy of the client folder (each test makes its own scratch notebooks)."""
    shutil.copytree(run_dir.parent, tmp_path / "reports" / "acme")
    return tmp_path / "reports" / "acme"


def parameters(path):
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_scratch_notebook_sits_beside_the_run_and_points_at_it(client, run_dir):
    run = client / run_dir.name
    notebook, created = explore(run)
    assert created and notebook == client / "scratch" / run_dir.name / "explore.ipynb"
    assert run not in notebook.parents  # never inside the evidence
    source = parameters(notebook)
    assert f'run = "../../{run_dir.name}"' in source and "older_than_days = 90" in source
    assert open_run((notebook.parent / f"../../{run_dir.name}").resolve()).path == run
    cells = nbformat.read(notebook, as_version=4).cells
    assert [c.source for c in cells[2:]] == [c.source for c in nbformat.read(cookbook_path(), as_version=4).cells[2:]]
    assert (notebook.stat().st_mode & 0o777) == 0o600  # it will hold client data once run


def test_an_existing_scratch_notebook_is_kept(client, run_dir):
    run = client / run_dir.name
    notebook, _ = explore(run)
    notebook.write_text(notebook.read_text().replace("older_than_days = 90", "older_than_days = 30"))
    again, created = explore(run)
    assert again == notebook and not created and "older_than_days = 30" in parameters(notebook)
    other, created = explore(run, new=True)
    assert created and other.name == "explore-2.ipynb"


def test_scratch_elsewhere_but_never_in_the_run(client, run_dir, tmp_path):
    run = client / run_dir.name
    notebook, _ = explore(run, scratch=tmp_path / "mine")
    assert notebook == tmp_path / "mine" / run_dir.name / "explore.ipynb"
    with pytest.raises(RunError, match=r"inside the run .*evidence"):
        explore(run, scratch=run / "scratch")
    assert not (run / "scratch").exists()


def test_explore_command_prints_the_path(client, run_dir, capsys):
    assert main(["explore", str(client / run_dir.name)]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == str(client / "scratch" / run_dir.name / "explore.ipynb") and out.err == ""
    assert main(["explore", str(client / run_dir.name)]) == 0
    assert "exists: kept as it is" in capsys.readouterr().err
    assert main(["explore", str(client / "missing")]) == 2
    assert "no run at" in capsys.readouterr().err
