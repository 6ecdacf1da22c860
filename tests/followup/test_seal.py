"""report.execute.seal_notebooks: a run's executed notebooks are evidence, read-only once rendered."""

from __future__ import annotations

import nbformat
from awsbp.report.execute import READ_ONLY, seal_notebooks


def test_executed_notebooks_become_read_only_and_can_still_be_replaced(tmp_path):
    for name in ("10_vpc", "20_iam"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / f"{name}.ipynb")
    (tmp_path / "10_vpc.html").write_text("<html></html>")
    (tmp_path / "sub").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "sub" / "other.ipynb")
    sealed = seal_notebooks(tmp_path)
    assert [p.name for p in sealed] == ["10_vpc.ipynb", "20_iam.ipynb"]
    assert all((p.stat().st_mode & 0o777) == READ_ONLY == 0o400 for p in sealed)
    assert (tmp_path / "10_vpc.html").stat().st_mode & 0o200  # reports themselves are left as they are
    assert (tmp_path / "sub" / "other.ipynb").stat().st_mode & 0o200  # not recursive
    (tmp_path / "10_vpc.ipynb").unlink()  # what execute_and_convert does before a new render
    assert not (tmp_path / "10_vpc.ipynb").exists()
