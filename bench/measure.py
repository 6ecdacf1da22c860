"""One scale's awsbp measurement, in its own process so that peak memory is awsbp's alone.

``python -m bench.measure OUT.json REGION… [--collect-only] [--collector FILE] [--warm]`` with the environment
pointing at the server (AWS_ENDPOINT_URL): collects, saves the snapshot beside OUT, with ``--warm`` collects again
as a batch's next account, times the analysis per domain (unless ``--collect-only``), and writes the figures to
OUT. ``--collector FILE`` collects with another version of ``awsbp/collect/__init__.py`` (e.g.
``git show REV:lib/awsbp/collect/__init__.py``), for before/after runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from awsbp.aws import AwsSession
from awsbp.checks.run import run_checks
from awsbp.collect import collect_account
from awsbp.domains import DOMAINS
from awsbp.inventory import Inventory
from awsbp.params import Settings


def load_collector(path: Path) -> Callable[..., Any]:
    """``collect_account`` of another version of ``awsbp.collect`` (loaded as ``awsbp.collect._other``: the
    collector modules it imports are this checkout's)."""
    spec = importlib.util.spec_from_file_location("awsbp.collect._other", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.collect_account  # type: ignore[no-any-return]


def timed_collection(collect: Callable[..., Any], regions: list[str]) -> tuple[Any, AwsSession, float, float]:
    """One account's collection with a session of its own: ``(snapshot, session, wall seconds, CPU seconds)``."""
    started, cpu = time.perf_counter(), time.process_time()
    session = AwsSession.open()
    snapshot = collect(session, regions, session.identity())
    return snapshot, session, time.perf_counter() - started, time.process_time() - cpu


def main(
    out: Path, regions: list[str], *, analysis: bool = True, collector: Path | None = None, warm: bool = False
) -> None:
    """Collect from the server the environment points at, time the analysis, write the figures to ``out``.

    ``warm``: then collect the account again in this process, as a batch collects its next account (botocore's
    models loaded, imports done): after printing ``cold collected`` it waits for a line on stdin, so that the
    caller can reset the server's counters in between."""
    collect = load_collector(collector) if collector else collect_account
    snapshot, session, collect_seconds, cpu = timed_collection(collect, regions)
    snapshot_path = out.with_suffix(".snapshot.json.gz")
    snapshot.save(snapshot_path)
    again: dict[str, Any] = {}
    if warm:
        print("cold collected", flush=True)
        sys.stdin.readline()
        second, _session, seconds, second_cpu = timed_collection(collect, regions)
        again = {
            "collect_seconds": seconds,
            "collect_cpu_seconds": second_cpu,
            "client_calls": second.meta.get("calls", {}),
            "errors": second.errors,
        }
    settings = Settings()
    times: dict[str, float] = {}
    findings: list[Any] = []
    if analysis:
        t0 = time.perf_counter()  # all domains first, cold, as a run pays it
        findings = run_checks(Inventory(snapshot, settings), settings)
        times["all"] = time.perf_counter() - t0
        for domain in (
            d.key for d in DOMAINS
        ):  # then each on a fresh inventory: a domain pays for the frames it builds
            t0 = time.perf_counter()
            run_checks(Inventory(snapshot, settings), settings, [domain])
            times[domain] = time.perf_counter() - t0
    figures = {
        "collect_seconds": collect_seconds,
        "collect_cpu_seconds": cpu,  # the collecting process's CPU (all its threads)
        "analysis_seconds": times,
        "findings": len(findings),
        "client_calls": snapshot.meta.get("calls", {}),
        "client_attempts": dict(sorted(session.recorder.attempts.items())),
        "errors": snapshot.errors,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "snapshot": str(snapshot_path),
        "warm": again,
    }
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench.measure", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("regions", nargs="+")
    parser.add_argument("--collect-only", action="store_true")
    parser.add_argument("--collector", type=Path)
    parser.add_argument("--warm", action="store_true", help="collect a second time in this process (see main)")
    args = parser.parse_args()
    main(args.out, args.regions, analysis=not args.collect_only, collector=args.collector, warm=args.warm)
