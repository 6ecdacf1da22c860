"""awsbp lab / make lab: the command line, the kernel the notebooks name, and run folders served read-only."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from awsbp.report.followup import lab

ROOT = Path(__file__).parents[2]


def test_lab_command_at_the_project_root(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(lab, "is_root", lambda: False)
    command = lab.lab_command(tmp_path)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command
    assert "--ServerApp.contents_manager_class=awsbp.report.followup.contents.EvidenceContentsManager" in command
    assert "--allow-root" not in command and "--no-browser" not in command
    monkeypatch.setattr(lab, "is_root", lambda: True)
    monkeypatch.setenv("CI", "true")
    notebook = tmp_path / "reports" / "acme" / "scratch" / "r1" / "explore.ipynb"
    command = lab.lab_command(tmp_path, notebook, port=8899, token="t0k")
    assert "--allow-root" in command and "--no-browser" in command
    assert "--ServerApp.port=8899" in command and "--IdentityProvider.token=t0k" in command
    assert command[-1] == str(notebook.resolve())
    assert "--no-browser" not in lab.lab_command(tmp_path, open_browser=True)


def test_the_kernel_is_the_one_the_notebooks_name():
    names = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        names.add((spec["name"], spec["display_name"]))
    assert names == {("python3", lab.kernel_display_name())}
    makefile = (ROOT / "Makefile").read_text()
    registered = re.findall(r"ipykernel install .*--name (\S+) --display-name \"([^\"]+)\"", makefile)
    assert registered == [("python3", lab.kernel_display_name())]
    assert re.search(r"^lab: .*\n\t\$\(BIN\)/awsbp lab \$\(RUN\)$", makefile, re.MULTILINE)


def test_ensure_kernel_registers_only_when_needed(monkeypatch):
    import ipykernel.kernelspec
    import jupyter_client.kernelspec as ks

    installed = []
    monkeypatch.setattr(ipykernel.kernelspec, "install", lambda **kw: installed.append(kw))

    class Spec:
        display_name, argv = lab.kernel_display_name(), [sys.executable, "-m", "ipykernel_launcher"]

    monkeypatch.setattr(ks.KernelSpecManager, "get_kernel_spec", lambda self, name: Spec())
    assert lab.ensure_kernel() is False and installed == []
    Spec.display_name = "Python 3 (something else)"
    assert lab.ensure_kernel() is True
    assert installed == [{"kernel_name": "python3", "display_name": "Python 3", "prefix": sys.prefix}]


@pytest.fixture
def served(run_dir, tmp_path):
    """A project root with a run (its executed notebook) and a scratch notebook, and the contents manager on it."""
    pytest.importorskip("jupyter_server")
    from awsbp.report.followup.contents import EvidenceContentsManager

    run = Path(shutil.copytree(run_dir, tmp_path / "reports" / "acme" / run_dir.name))
    nbformat.write(nbformat.v4.new_notebook(), run / "123456789012" / "10_vpc.ipynb")
    scratch = tmp_path / "reports" / "acme" / "scratch" / run.name
    scratch.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), scratch / "explore.ipynb")
    return EvidenceContentsManager(root_dir=str(tmp_path)), f"reports/acme/{run.name}"


def test_run_folders_are_served_read_only_even_to_root(served):
    from tornado.web import HTTPError

    manager, run = served
    evidence, scratch = f"{run}/123456789012/10_vpc.ipynb", f"reports/acme/scratch/{run.split('/')[-1]}/explore.ipynb"

    async def check() -> None:
        model = await manager.get(evidence)
        assert model["writable"] is False  # JupyterLab opens it read-only, and writes no checkpoint for it
        for attempt in (
            manager.save(model, evidence),
            manager.save({"type": "file", "format": "text", "content": "x"}, f"{run}/new.txt"),
            manager.create_checkpoint(evidence),
            manager.delete_file(evidence),
            manager.rename_file(evidence, "moved.ipynb"),
            manager.rename_file(scratch, f"{run}/explore.ipynb"),
        ):
            with pytest.raises(HTTPError) as err:
                await attempt
            assert err.value.status_code == 403 and "evidence" in err.value.log_message
        mine = await manager.get(scratch)
        assert mine["writable"] is True
        await manager.save(mine, scratch)
        await manager.create_checkpoint(scratch)

    before = sorted(p.relative_to(manager.root_dir) for p in Path(manager.root_dir, run).rglob("*"))
    asyncio.run(check())
    assert sorted(p.relative_to(manager.root_dir) for p in Path(manager.root_dir, run).rglob("*")) == before


def test_lab_command_line_opens_a_scratch_notebook_at_the_project_root(run_dir, tmp_path, monkeypatch, capsys):
    import subprocess

    from awsbp.cli import main

    shutil.copytree(run_dir.parent, tmp_path / "reports" / "acme")
    monkeypatch.chdir(tmp_path)
    started, registered = [], []
    monkeypatch.setattr(subprocess, "call", lambda command: started.append(command) or 0)
    monkeypatch.setattr(lab, "ensure_kernel", lambda: registered.append(True) or False)
    assert main(["lab", f"reports/acme/{run_dir.name}", "--no-browser", "--port", "8890"]) == 0
    (command,) = started
    scratch = tmp_path / "reports" / "acme" / "scratch" / run_dir.name / "explore.ipynb"
    assert scratch.is_file() and command[-1] == str(scratch.resolve()) and registered == [True]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in command and "--no-browser" in command
    assert "--ServerApp.port=8890" in command
    assert main(["lab"]) == 0 and started[-1][-1].startswith("--")  # no run: Lab at the root, no notebook
    monkeypatch.setattr(lab, "lab_available", lambda: False)
    assert main(["lab"]) == 2 and "JupyterLab is not installed" in capsys.readouterr().err
