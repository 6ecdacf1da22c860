"""What keeps follow-up clean in the repository: the cookbook ships with the package, notebooks are committed
without outputs (nbstripout on notebooks/ and the package's notebooks), checkpoints and scratch work are ignored."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from awsbp.report.followup.scratch import cookbook_path

ROOT = Path(__file__).parents[2]


def test_the_cookbook_ships_with_the_package_and_is_linked_from_notebooks():
    link = ROOT / "notebooks" / "40_explore.ipynb"
    assert link.is_symlink() and link.resolve() == cookbook_path().resolve()
    assert cookbook_path().parent.name == "notebooks" and cookbook_path().parent.parent.name == "report"


def test_nbstripout_strips_notebooks_and_the_package_notebooks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (hook,) = [h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "nbstripout"]
    pattern = re.compile(hook.get("files", ""))
    for path in ["notebooks/40_explore.ipynb", "lib/awsbp/report/notebooks/10_vpc.ipynb", "notebooks/mine.ipynb"]:
        assert pattern.search(path), path
    assert not pattern.search("reports/acme/r1/123456789012/10_vpc.ipynb")  # evidence is never rewritten
    assert "jupyter" in hook.get("types", ["jupyter"]) and "--keep-id" in hook.get("args", [])


def test_checkpoints_and_scratch_work_are_git_ignored():
    paths = [
        "notebooks/.ipynb_checkpoints/40_explore-checkpoint.ipynb",
        "reports/acme/scratch/20261130T091500Z/explore.ipynb",
        "scratch/acme/20261130T091500Z/explore.ipynb",
    ]
    result = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.stdout.split() == paths
