"""Before / after for the collection's scheduling: one seeded account per scale, collected alternately by this
checkout's ``awsbp.collect`` and by another revision's, under latency (and throttling), each run against its
critical path (:mod:`bench.critical`). Alternating on the same server is what makes two schedulers comparable
on a shared two-core machine whose speed drifts from minute to minute.

    python -m bench.scheduling [--scales 1 4 16] [--latency 100] [--throttle aws|RATE] [--rounds 2] [--before REV]

Writes ``bench/results/scheduling.{md,json}`` (``--name``). Every run starts without a credential report in the
simulated account, so each pays the report's generation (``STARTED``, a polling wait, ``COMPLETE``) as a first
run against AWS does. Unless ``--managed-policies``, moto does not load AWS's ~1,300 managed policies: the bench
world attaches none, and moto would serialise them all into one ``GetAccountAuthorizationDetails`` page (AWS
pages them) — seconds of the server's CPU per run on two busy cores, the same for both schedulers, hiding what
scheduling changes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import counting, critical, network, world
from bench.results import publish

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ("before", "after")


def _forget_credential_report() -> None:
    """The simulated account has no credential report again (the server runs in this process)."""
    from awsbp.demo.server import MOTO_ACCOUNT_ID
    from moto.iam.models import iam_backends

    iam_backends[MOTO_ACCOUNT_ID]["global"].credential_report = None


def _collector_at(revision: str, work: Path) -> Path:
    """``awsbp/collect/__init__.py`` as of ``revision``, written under ``work``."""
    source = subprocess.run(
        ["git", "show", f"{revision}:lib/awsbp/collect/__init__.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    path = work / f"collect_{revision.replace('/', '_')}.py"
    path.write_bytes(source)
    return path


def one_run(
    env: dict[str, str],
    work: Path,
    counter: counting.CallCounter,
    throttle: network.Throttle | None,
    latency: float,
    collector: Path | None,
) -> dict[str, Any]:
    """Collect once in a child process; its figures, the server's counts and the two critical paths."""
    counter.reset()
    if throttle:
        throttle.reset()
    _forget_credential_report()
    out = work / f"run-{time.monotonic_ns()}.json"
    command = [sys.executable, "-m", "bench.measure", str(out), *world.REGIONS, "--collect-only"]
    if collector:
        command += ["--collector", str(collector)]
    subprocess.run(command, env=env, check=True)
    figures = json.loads(out.read_text(encoding="utf-8"))
    by_region, cpu = counter.by_region(), counter.cpu_by_region()
    nominal = critical.critical_path(by_region, latency)
    answered = critical.critical_path(by_region, latency, server_cpu=cpu)
    return {
        "collect_seconds": figures["collect_seconds"],
        "client_cpu": figures["collect_cpu_seconds"],
        "nominal": {"seconds": nominal.seconds, "longest": nominal.longest},
        "with_cpu": {"seconds": answered.seconds, "longest": answered.longest},
        "server_cpu": sum(sum(v.values()) for v in cpu.values()),
        "server_calls": sum(counter.counts().values()),
        "throttled": sum(throttle.throttled().values()) if throttle else 0,
        "retries": sum(figures["client_attempts"].values()) - sum(figures["client_calls"].values()),
        "errors": sorted({f"{e['service']}.{e['api']} ({e['code']})" for e in figures["errors"]}),
    }


def measure(factor: int, latency_ms: float, throttle: str | None, rounds: int, before: str) -> dict[str, Any]:
    from awsbp.demo.server import DemoServer, simulated_environment

    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        resources = world.seed(server.endpoint, factor)
        throttled = network.install(server, latency_ms=latency_ms, throttle=throttle)
        counter = counting.install(server)
        with simulated_environment(server.endpoint):
            env = dict(os.environ)
        collectors = {"before": _collector_at(before, work), "after": None}
        for index in range(rounds):
            order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]  # alternate: drift hits both alike
            for variant in order:
                print(f"bench: {factor}× {variant} (round {index + 1}) …", file=sys.stderr)
                runs[variant].append(one_run(env, work, counter, throttled, latency_ms / 1000, collectors[variant]))
    return {"scale": factor, "resources": resources, "runs": runs}


def _median(runs: list[dict[str, Any]], *path: str) -> float:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def table(results: list[dict[str, Any]], latency_ms: float, throttle: str | None, before: str) -> str:
    """Markdown: per scale and scheduler, the median run against the critical paths, and what throttling cost."""
    lines = [
        f"## Collection scheduling at {latency_ms:g} ms" + (f", throttled ({throttle})" if throttle else ""),
        "",
        f"*before*: `awsbp.collect` at {before}; *after*: this checkout. Median of "
        f"{len(results[0]['runs']['after'])} alternating runs each. Critical path (`bench/critical.py`): *nominal* "
        "counts every call as the latency; *with moto's CPU* adds moto's CPU time per call, and bounds the run by "
        "moto's CPU for all its calls (one process, one interpreter lock).",
        "",
        "| scale | scheduler | collect s | critical path s nominal / with moto's CPU | collect ÷ critical path "
        "nominal / with moto's CPU | moto's CPU s | awsbp's CPU s | calls at the server | throttled answers "
        "| client retries "
        "| APIs not collected |",
        "|---" * 11 + "|",
    ]
    for result in results:
        for variant in VARIANTS:
            runs = result["runs"][variant]
            wall = _median(runs, "collect_seconds")
            nominal, answered = _median(runs, "nominal", "seconds"), _median(runs, "with_cpu", "seconds")
            errors = sorted({e for run in runs for e in run["errors"]})
            lines.append(
                f"| {result['scale']}× | {variant} | {wall:.2f} | {nominal:.2f} / {answered:.2f} "
                f"| {wall / nominal:.2f} / {wall / answered:.2f} | {_median(runs, 'server_cpu'):.2f} "
                f"| {_median(runs, 'client_cpu'):.2f} "
                f"| {_median(runs, 'server_calls'):.0f} "
                f"| {_median(runs, 'throttled'):.0f} | {_median(runs, 'retries'):.0f} | {', '.join(errors) or 'none'} |"
            )
    longest = {
        f"{r['scale']}× {v}": (r["runs"][v][-1]["nominal"]["longest"], r["runs"][v][-1]["with_cpu"]["longest"])
        for r in results
        for v in VARIANTS
    }
    lines += ["", "What sets the critical path (last run): nominal; with moto's CPU", ""]
    lines += [f"- {name}: {nominal}; {answered}" for name, (nominal, answered) in longest.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.scheduling", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--latency", type=float, default=100, metavar="MS")
    parser.add_argument("--throttle", metavar="aws|RATE")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before", default="main", metavar="REV", help="the revision to compare with")
    parser.add_argument("--name", default="scheduling")
    parser.add_argument("--managed-policies", action="store_true", help="let moto load AWS's managed policies")
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    if not args.managed_policies:
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "false"  # read by moto when it creates the IAM backend
    results = [measure(f, args.latency, args.throttle, args.rounds, args.before) for f in args.scales]
    report = table(results, args.latency, args.throttle, args.before)
    publish(args.name, results, report)


if __name__ == "__main__":
    main()
