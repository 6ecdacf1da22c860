"""Where awsbp's collection time goes, at a scale: a seeded moto server, the collection in a child process
sampled by py-spy (every thread, idle included: the collection waits on the network), each API's wall time,
and the server's own time per operation.

    python -m bench.profile [--scale 16]          # needs py-spy: .venv/bin/pip install py-spy

Writes ``bench/results/profile-<N>x.md`` (the summary) and ``profile-<N>x.collapsed`` (py-spy's raw stacks,
for speedscope or flamegraph.pl).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.results import RESULTS

# (label, substring of a frame): the first that matches any frame of a collector thread's stack names the sample
CATEGORIES = (
    ("wait for the region's instance list (shared by two APIs)", "once_per_client (awsbp/collect/base.py"),
    ("wait for its own user-data threads", "concurrent/futures/_base.py"),
    ("sleep (credential report not ready yet)", "time.sleep"),
    ("secret scan of user data / variables", "awsbp/secrets.py"),
    ("pandas (credential report parsing)", "pandas/"),
    ("parse the response (botocore parsers)", "botocore/parsers.py"),
    ("HTTP: send and wait for the server (urllib3)", "urllib3/"),
    ("botocore: build, sign, validate, hooks", "botocore/"),
)


def child(out: Path, regions: list[str]) -> None:
    """In the profiled process: collect once, timing each (service, region, API) job."""
    import awsbp.collect as collect
    from awsbp.aws import AwsSession

    spans: list[dict[str, Any]] = []
    lock = threading.Lock()
    original = collect.call_api
    t0 = time.perf_counter()

    def timed(client: Any, api: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(client, api)
        finally:
            span = {
                "api": f"{client.meta.service_model.service_name}.{api.name}",
                "region": client.meta.region_name,
                "start": round(started - t0, 4),
                "seconds": round(time.perf_counter() - started, 4),
            }
            with lock:
                spans.append(span)

    collect.call_api = timed  # type: ignore[assignment]
    session = AwsSession.open()
    started = time.perf_counter()
    snapshot = collect.collect_account(session, regions, session.identity())
    seconds = time.perf_counter() - started
    out.write_text(
        json.dumps({"collect_seconds": seconds, "spans": spans, "calls": snapshot.meta["calls"]}), encoding="utf-8"
    )


def categorise(collapsed: str) -> tuple[Counter[str], int]:
    """Samples of the collector threads (and their user-data threads) by category (see CATEGORIES), and their
    total."""
    found: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if "(awsbp/collect/" not in stack:
            continue  # the main thread waiting on the pool, idle pool threads
        label = next((name for name, needle in CATEGORIES if needle in stack), "awsbp and the rest")
        found[label] += int(count)
    return found, sum(found.values())


def summary(scale: int, figures: dict[str, Any], server: dict[str, Any], collapsed: str) -> str:
    """The Markdown summary: collection wall time, slowest APIs, server time per operation, sample categories."""
    spans = sorted(figures["spans"], key=lambda s: -s["seconds"])
    busy = sum(s["seconds"] for s in spans)
    lines = [
        f"# Collection profile at {scale}×" + ("" if collapsed else " (without py-spy)"),
        "",
        f"Collection wall time {figures['collect_seconds']:.2f} s; the {len(spans)} API jobs add up to {busy:.2f} s "
        f"(up to 32 threads). Calls at the server: {sum(server['counts'].values())}.",
        "",
        "## Slowest API jobs (wall time of one job: all its pages and per-resource calls)",
        "",
        "| API | region | starts at s | seconds | calls at the server (all regions) | Σ server s (all regions) |",
        "|---|---|---|---|---|---|",
    ]
    for s in spans[:12]:
        lines.append(
            f"| {s['api']} | {s['region']} | {s['start']:.2f} | {s['seconds']:.2f} "
            f"| {server['counts'].get(s['api'], '?')} | {server['seconds'].get(s['api'], 0):.2f} |"
        )
    top = sorted(server["seconds"].items(), key=lambda kv: -kv[1])[:10]
    lines += ["", "## Server time per operation (moto; concurrent requests overlap)", ""]
    lines += ["| operation | calls | Σ seconds |", "|---|---|---|"]
    lines += [f"| {name} | {server['counts'].get(name, 0)} | {sec:.2f} |" for name, sec in top]
    found, total = categorise(collapsed)
    if total:
        lines += ["", "## py-spy samples of the collector threads", "", "| where | share |", "|---|---|"]
        lines += [f"| {label} | {n / total:.0%} |" for label, n in found.most_common()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Seed a server at ``--scale``, profile one collection (under py-spy unless ``--no-spy``), write the summary."""
    parser = argparse.ArgumentParser(prog="bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=16)
    parser.add_argument("--no-spy", action="store_true", help="time the API jobs without py-spy's overhead")
    parser.add_argument("--latency", type=float, default=0, metavar="MS", help="answer every call MS ms late")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), args.child[1:])
        return
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not spy and not args.no_spy:
        sys.exit("bench.profile needs py-spy: .venv/bin/pip install py-spy (or use --no-spy)")
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from awsbp.demo.server import DemoServer, simulated_environment

    from bench import counting, network, world

    RESULTS.mkdir(exist_ok=True)
    name = (
        f"profile-{args.scale}x" + ("-nospy" if args.no_spy else "") + (f"-{args.latency:g}ms" if args.latency else "")
    )
    collapsed_path = RESULTS / f"{name}.collapsed"
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()), tempfile.TemporaryDirectory() as tmp:
        world.seed(server.endpoint, args.scale)
        network.install(server, latency_ms=args.latency)
        counter = counting.install(server)
        with simulated_environment(server.endpoint):
            env = dict(os.environ)
        out = Path(tmp) / "figures.json"
        command = [sys.executable, "-m", "bench.profile", "--child", str(out), *world.REGIONS]
        if not args.no_spy:
            spy_args = ["record", "--idle", "--threads", "--nonblocking", "-r", "100", "-f", "raw"]
            command = [str(spy), *spy_args, "-o", str(collapsed_path), "--", *command]
        subprocess.run(command, env=env, check=True, capture_output=True)
        figures = json.loads(out.read_text(encoding="utf-8"))
        server_figures = {"counts": counter.counts(), "seconds": counter.seconds()}
    collapsed = "" if args.no_spy else collapsed_path.read_text(encoding="utf-8")
    report = summary(args.scale, figures, server_figures, collapsed)
    (RESULTS / f"{name}.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
