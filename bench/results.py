"""Where every benchmark keeps what it measured: ``bench/results/<name>.json`` (the figures) and ``<name>.md``
(the table printed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def publish(name: str, figures: Any, report: str) -> None:
    """Save ``figures`` and ``report`` under ``name`` and print the report."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(report, encoding="utf-8")
    print(report)
