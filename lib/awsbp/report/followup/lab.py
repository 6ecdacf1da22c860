"""Starting JupyterLab for follow-up: the project's kernel, the right flags, and runs served read-only.

``lab_command(Path.cwd())`` is what ``awsbp lab`` (and ``make lab``) runs::

    [sys.executable, "-m", "jupyterlab", "--ServerApp.root_dir=/work/awsbp",
     "--ServerApp.contents_manager_class=awsbp.report.followup.contents.EvidenceContentsManager",
     "--allow-root",    # only when running as root (a container)
     "--no-browser"]    # only in CI (CI is set) or when asked

The contents manager serves every file of a run folder read-only, root or not: a run's executed notebooks open
in Lab but are never saved over, and no checkpoint is written beside them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat

from awsbp.report.followup.scratch import cookbook_path

CONTENTS_MANAGER = "awsbp.report.followup.contents.EvidenceContentsManager"
KERNEL_NAME = "python3"


def is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return bool(geteuid and geteuid() == 0)


def lab_command(
    root: Path,
    notebook: Path | None = None,
    *,
    port: int | None = None,
    open_browser: bool | None = None,
    token: str | None = None,
) -> list[str]:
    """The ``jupyter lab`` command line: served from ``root``, opening ``notebook`` (inside ``root``) when given;
    ``--allow-root`` only as root; no browser in CI (``CI`` set) unless ``open_browser`` says otherwise."""
    root = Path(root).resolve()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}",
    ]
    if is_root():
        command.append("--allow-root")
    if open_browser is None:
        open_browser = not os.environ.get("CI")
    if not open_browser:
        command.append("--no-browser")
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    if notebook is not None:  # absolute: Jupyter reads it from its own working directory, then serves it from root
        command.append(str(Path(notebook).resolve()))
    return command


def kernel_display_name() -> str:
    """The kernel display name the notebooks carry (Lab rewrites a notebook whose kernelspec differs)."""
    return str(nbformat.read(cookbook_path(), as_version=4).metadata["kernelspec"]["display_name"])


def ensure_kernel() -> bool:
    """Register this interpreter as the ``python3`` kernel under the notebooks' display name when it is not
    (into this environment's prefix); ``True`` when it had to."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    wanted = kernel_display_name()
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if spec.display_name == wanted and spec.argv and Path(spec.argv[0]) == Path(sys.executable):
            return False
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=wanted, prefix=sys.prefix)
    return True


def lab_available() -> bool:
    """Whether JupyterLab is installed in this environment."""
    import importlib.util

    return importlib.util.find_spec("jupyterlab") is not None
