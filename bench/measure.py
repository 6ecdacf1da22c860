"""One scale's awsbp measurement, in its own process so that peak memory is awsbp's alone.

``python -m bench.measure OUT.json REGION…`` with the environment pointing at the server (AWS_ENDPOINT_URL):
collects, saves the snapshot beside OUT, times the analysis per domain, and writes the figures to OUT.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from awsbp.aws import AwsSession
from awsbp.checks.run import run_checks
from awsbp.collect import collect_account
from awsbp.domains import DOMAINS
from awsbp.inventory import Inventory
from awsbp.params import Settings


def main(out: Path, regions: list[str]) -> None:
    """Collect from the server the environment points at, time the analysis, write the figures to ``out``."""
    started = time.perf_counter()
    session = AwsSession.open()
    snapshot = collect_account(session, regions, session.identity())
    collect_seconds = time.perf_counter() - started
    snapshot_path = out.with_suffix(".snapshot.json.gz")
    snapshot.save(snapshot_path)
    settings = Settings()
    analysis: dict[str, float] = {}
    t0 = time.perf_counter()  # all domains first, cold, as a run pays it
    findings = run_checks(Inventory(snapshot, settings), settings)
    analysis["all"] = time.perf_counter() - t0
    for domain in (d.key for d in DOMAINS):  # then each on a fresh inventory: a domain pays for the frames it builds
        t0 = time.perf_counter()
        run_checks(Inventory(snapshot, settings), settings, [domain])
        analysis[domain] = time.perf_counter() - t0
    figures = {
        "collect_seconds": collect_seconds,
        "analysis_seconds": analysis,
        "findings": len(findings),
        "client_calls": snapshot.meta.get("calls", {}),
        "errors": snapshot.errors,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "snapshot": str(snapshot_path),
    }
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
