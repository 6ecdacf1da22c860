"""Repository hygiene: notebooks without outputs, environment.yml = pyproject, pure modules stay pure."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, path.name
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1 and nb["cells"].index(tagged[0]) <= 1, f"{path.name}: one early parameters cell"


def _name(requirement: str) -> str:
    return re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0].lower()


def test_environment_yml_equals_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= set(extra)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert set(pip) == wanted
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.split("=")[-1] >= project["requires-python"].lstrip(">=")


def test_dependencies_are_pinned_to_a_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + [r for e in project["optional-dependencies"].values() for r in e]:
        assert ">=" in requirement and "<" in requirement, requirement


def test_the_architecture_holds_as_import_contracts():
    """pyproject's [tool.importlinter] contracts: layers collect -> assess -> report with batch, demo and cli on
    top; only the session, collectors and demo talk to AWS; views never import checks' internals; no cycles."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


def test_reports_are_git_ignored():
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert "reports/*" in ignore and "!reports/.gitkeep" in ignore


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    """`make test` runs `--dist loadgroup`: tests that share an expensive fixture (the demo runs, the seeded
    world) are marked with one xdist_group so that one worker builds it once. A pytest/xdist pairing that loses
    the mark would silently build each fixture once per worker."""
    import os
    import subprocess
    import sys

    seen = tmp_path / "workers"
    seen.mkdir()
    (tmp_path / "test_grouped.py").write_text(
        "import os, pathlib, pytest\n"
        "pytestmark = pytest.mark.xdist_group('shared')\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_one(i):\n"
        f"    (pathlib.Path({str(seen)!r}) / os.environ['PYTEST_XDIST_WORKER']).touch()\n"
    )
    args = ["-n", "2", "--dist", "loadgroup", "-q", "-p", "no:cacheprovider", "-p", "xdist"]
    out = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-c", "/dev/null", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},  # xdist alone: the other plugins' start-up is slow
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(list(seen.iterdir())) == 1, sorted(p.name for p in seen.iterdir())
