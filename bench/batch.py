"""The one place the benchmark calls awsbp's batch (``awsbp.batch.runner.run``): when the runner moves, only this
adapter changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def run_batch(
    params: Any, output: Path, executor: str = "local", scheduler: str | None = None, *, render: bool = False
) -> dict[str, Any]:
    """Assess every account of ``params`` (quietly) with ``executor`` (``local`` or ``dask``, at ``scheduler`` or
    a local cluster); what the benchmark reports of the run: the run directory and each account's outcome."""
    from awsbp.batch.runner import run

    result = run(params, output=output, quiet=True, render=render, executor=executor, scheduler=scheduler)
    return {
        "run_dir": str(result.run_dir),
        "accounts": [
            {
                "name": a.name,
                "account_id": a.account_id,
                "status": a.status,
                "error": a.error,
                "seconds": a.seconds,
                "collection_errors": len(a.collection_errors),
                "findings": sum(a.counts.values()),
            }
            for a in result.accounts
        ],
    }
