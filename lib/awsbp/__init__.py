"""awsbp — an AWS security best-practice assessment workbook.

``awsbp.open_run(...)`` opens a saved run for follow-up (:func:`awsbp.report.followup.open_run`). It is loaded on
first use, so ``import awsbp`` stays light (no pandas) and the layers below the report never depend on it.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("awsbp")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

_LAZY = {"open_run": "awsbp.report.followup"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'awsbp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
