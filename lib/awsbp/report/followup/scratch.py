"""The consultant's scratch notebook: the cookbook, copied beside a run (never into it), opened on that run.

A run folder is evidence and stays as the batch wrote it. Exploration happens in a copy of the cookbook
(``40_explore.ipynb``) in the client's scratch area, one folder per run::

    reports/acme/20261130T091500Z/                        the run (evidence: read-only)
    reports/acme/scratch/20261130T091500Z/explore.ipynb   the scratch notebook: ``run = "../../20261130T091500Z"``

The scratch area sits next to the runs because what a consultant computes there is client data too: it is
git-ignored with ``reports/`` and deleted with it when the engagement ends. The run path is relative, so the
client folder can move as a whole.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat

from awsbp.files import private_dir, write_text
from awsbp.report.assets import NOTEBOOKS_DIR
from awsbp.report.followup.run import RunError, resolve_run

COOKBOOK = "40_explore"
SCRATCH_DIR = "scratch"
SCRATCH_NOTEBOOK = "explore"
_RUN_LINE = re.compile(r"^run = .*$", re.MULTILINE)


def cookbook_path() -> Path:
    """The cookbook notebook (package data, beside the report notebooks)."""
    return NOTEBOOKS_DIR / f"{COOKBOOK}.ipynb"


def scratch_folder(run_dir: Path, scratch: str | Path | None = None) -> Path:
    """Where a run's scratch notebooks go: ``<scratch>/<run-id>``, by default ``<client folder>/scratch/<run-id>``."""
    base = Path(scratch).expanduser().resolve() if scratch else run_dir.parent / SCRATCH_DIR
    return base / run_dir.name


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def with_run(notebook: nbformat.NotebookNode, run_path: str) -> nbformat.NotebookNode:
    """The notebook with its parameter cell's ``run = …`` line set to ``run_path``."""
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            line = f"run = {json.dumps(run_path)}  # str: the run this notebook explores (set by awsbp explore)"
            found = _RUN_LINE.search(cell.source)
            if found is None:
                raise ValueError("the cookbook's parameters cell has no `run = ...` line")
            cell.source = cell.source.replace(found.group(0), line, 1)
            return notebook
    raise ValueError("the cookbook has no cell tagged `parameters`")


def explore(run: str | Path, *, scratch: str | Path | None = None, new: bool = False) -> tuple[Path, bool]:
    """The scratch notebook for a run, created from the cookbook when missing: ``(path, created)``. An existing
    scratch notebook is kept as it is (it holds the consultant's work); ``new=True`` makes another one
    (``explore-2.ipynb``, …). Refuses a scratch folder inside the run (the evidence)."""
    run_dir = resolve_run(run)
    folder = scratch_folder(run_dir, scratch)
    if _inside(folder, run_dir):
        raise RunError(f"{folder} is inside the run {run_dir} (evidence): choose a scratch folder outside it")
    target = folder / f"{SCRATCH_NOTEBOOK}.ipynb"
    if target.exists() and not new:
        return target, False
    n = 2
    while target.exists():
        target = folder / f"{SCRATCH_NOTEBOOK}-{n}.ipynb"
        n += 1
    notebook = with_run(nbformat.read(cookbook_path(), as_version=4), os.path.relpath(run_dir, folder))
    private_dir(folder)
    write_text(target, nbformat.writes(notebook))
    return target, True
