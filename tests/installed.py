"""An awsbp installed from its wheel into a fresh virtual environment, as a user's non-editable install."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).parents[1]


def clean_environment() -> dict[str, str]:
    """This process's environment without what would put the source tree on a child's path."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def install_wheel(work: Path) -> SimpleNamespace:
    """``bin``: the scripts folder of a fresh venv holding awsbp installed from a wheel built from this tree (package
    data included: notebooks, templates, catalog, sample snapshot). Its dependencies are this environment's
    (a path in a ``.pth`` file: no download), but awsbp itself is only the wheel's copy: the source tree and the
    editable install are not on its path, and it runs from a directory outside the repository."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(work)],  # as a user builds it
        check=True,
        capture_output=True,
    )
    wheel = next(work.glob("awsbp-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)  # this pip installs
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(  # before the dependencies' path exists, so that pip sees no other awsbp
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--ignore-installed",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        env=clean_environment(),
    )
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()] or [sysconfig.get_paths()["purelib"]]
    (Path(purelib) / "awsbp-test-dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    where = subprocess.run(
        [str(python), "-c", "import awsbp, sys; print(awsbp.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=work,
        env=clean_environment(),
    ).stdout.strip()
    assert where.startswith(purelib), f"awsbp imported from {where}, not from the wheel's install"
    # as `make` does: the venv's kernel runs the venv's Python. The dependencies' own data files (nbconvert's
    # base templates) are in their prefix, searched after the venv's
    data = [venv / "share" / "jupyter", Path(sys.prefix) / "share" / "jupyter"]
    env = {**clean_environment(), "JUPYTER_PATH": os.pathsep.join(map(str, data))}
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
        check=True,
        capture_output=True,
        env=env,
    )
    return SimpleNamespace(bin=venv / "bin", env=env)
