"""A Jupyter contents manager that serves run folders read-only (``awsbp lab`` configures it).

A run folder is evidence: its executed notebooks are what the report was made from. File modes (0400) keep a
normal user from saving over them, but not root (a container): this manager refuses, for anyone, to save, rename,
delete or checkpoint a file inside a folder holding ``run.json``, and tells JupyterLab such files are not
writable, so Lab opens them read-only and writes no ``.ipynb_checkpoints`` beside them. Everything else (the
scratch notebooks, the project's files) is served as usual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado.web import HTTPError

from awsbp.report.summary import RUN_FILE


def run_folder_of(path: Path) -> Path | None:
    """The run folder ``path`` belongs to (the nearest folder holding ``run.json``, itself included), or ``None``."""
    for folder in [path, *path.parents]:
        if (folder / RUN_FILE).is_file():
            return folder
    return None


class EvidenceContentsManager(AsyncLargeFileManager):  # type: ignore[misc]
    """JupyterLab's default contents manager, with run folders read-only."""

    def _run_of(self, path: str) -> Path | None:
        return run_folder_of(Path(self._get_os_path(path.strip("/"))))

    def _refuse(self, path: str) -> None:
        run = self._run_of(path)
        if run is not None:
            raise HTTPError(
                403,
                f"{path} belongs to the run {run.name} (evidence): it is read-only. "
                f"`awsbp explore {run}` makes a scratch notebook to work in.",
            )

    def is_writable(self, path: str) -> bool:
        return self._run_of(path) is None and bool(super().is_writable(path))

    async def save(self, model: dict[str, Any], path: str = "") -> Any:
        self._refuse(path)
        return await super().save(model, path)

    async def delete_file(self, path: str) -> Any:
        self._refuse(path)
        return await super().delete_file(path)

    async def rename_file(self, old_path: str, new_path: str) -> Any:
        self._refuse(old_path)
        self._refuse(new_path)
        return await super().rename_file(old_path, new_path)

    async def create_checkpoint(self, path: str) -> Any:
        self._refuse(path)
        return await super().create_checkpoint(path)

    async def restore_checkpoint(self, checkpoint_id: str, path: str) -> Any:
        self._refuse(path)
        return await super().restore_checkpoint(checkpoint_id, path)
