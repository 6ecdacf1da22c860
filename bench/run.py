"""``make bench``: for each scale, seed a fresh moto server, measure awsbp (collection, analysis, rendering,
peak memory, calls counted at the server, ratio to the pagination minimum), then Prowler's equivalent checks
on the same server; print a Markdown table and write ``bench/results/latest.{md,json}``.

    python -m bench.run [--scales 1 4 16] [--no-prowler]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from bench import counting, minimum, prowler, world

RESULTS = Path(__file__).parent / "results"
NOTEBOOKS = ("10_vpc", "20_iam", "30_devtools")


def _render_times(snapshot: str, work: Path) -> dict[str, float]:
    """Seconds to execute and convert each domain notebook, and an empty notebook with the same kernel."""
    from awsbp.render import execute_and_convert
    from awsbp.runner import notebooks_dir

    empty = nbformat.v4.new_notebook()
    empty.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    empty_path = work / "empty.ipynb"
    nbformat.write(empty, empty_path)
    times: dict[str, float] = {}
    jobs: list[tuple[str, Path, dict[str, Any]]] = [
        ("warm-up", empty_path, {})
    ]  # the first kernel of a process pays for cold caches: not counted
    jobs += [(nb, notebooks_dir() / f"{nb}.ipynb", {"snapshot": snapshot, "lang": "en"}) for nb in NOTEBOOKS]
    jobs += [("empty", empty_path, {})]
    for name, path, params in jobs:
        started = time.perf_counter()
        result = execute_and_convert(path, work / "render", params)
        times[name] = time.perf_counter() - started
        if not result.ok:
            raise RuntimeError(f"{name} failed to render: {result.error}")
    times.pop("warm-up")
    return times


def measure(factor: int, with_prowler: bool) -> dict[str, Any]:
    from awsbp.demo.server import DemoServer, simulated_environment

    regions = list(world.REGIONS)
    out: dict[str, Any] = {"scale": factor}
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        out["resources"] = world.seed(server.endpoint, factor)
        out["seed_seconds"] = time.perf_counter() - started
        counter = counting.install(server)
        figures_path = work / "awsbp.json"
        with simulated_environment(server.endpoint):
            env = dict(os.environ)
        subprocess.run([sys.executable, "-m", "bench.measure", str(figures_path), *regions], env=env, check=True)
        out["awsbp"] = json.loads(figures_path.read_text(encoding="utf-8"))
        out["awsbp"]["server_calls"] = counter.counts()
        from awsbp.snapshot import Snapshot

        snapshot = Snapshot.load(Path(out["awsbp"]["snapshot"]))
        out["minimum_calls"] = minimum.minimum_calls(snapshot)
        out["render_seconds"] = _render_times(out["awsbp"]["snapshot"], work)
        if with_prowler:
            counter.reset()
            out["prowler"] = prowler.run(server.endpoint, regions)
            out["prowler"]["server_calls"] = counter.counts()
    return out


def _total(calls: dict[str, int]) -> int:
    return sum(calls.values())


def table(results: list[dict[str, Any]], prowler_version: str) -> str:
    """The Markdown report: one row per scale, then where awsbp's calls go at the largest scale."""
    lines = [
        "| scale | users / SGs / rules / instances | awsbp collect s | awsbp calls (server) | minimum "
        "| calls / minimum "
        "| analysis s (all domains) | analysis / collect | render s per notebook (empty) | peak RSS MiB "
        f"| {prowler_version} s | Prowler calls | time ratio awsbp/Prowler | call ratio awsbp/Prowler |",
        "|---" * 14 + "|",
    ]
    for r in results:
        a, res = r["awsbp"], r["resources"]
        calls, least = _total(a["server_calls"]), _total(r["minimum_calls"])
        analysis = a["analysis_seconds"]["all"]
        render = r["render_seconds"]
        per_nb = sum(render[n] for n in NOTEBOOKS) / len(NOTEBOOKS)
        p = r.get("prowler")
        p_cells = (
            f"{p['seconds']:.1f} | {_total(p['server_calls'])} | {a['collect_seconds'] / p['seconds']:.2f} "
            f"| {calls / max(1, _total(p['server_calls'])):.3f}"
            if p
            else "– | – | – | –"
        )
        lines.append(
            f"| {r['scale']}× | {res['users']} / {res['security_groups']} / {res['security_group_rules']} / "
            f"{res['instances']} | {a['collect_seconds']:.1f} | {calls} | {least} | {calls / least:.2f} "
            f"| {analysis:.2f} | {analysis / a['collect_seconds']:.1%} | {per_nb:.1f} ({render['empty']:.1f}) "
            f"| {a['peak_rss_mib']:.0f} | {p_cells} |"
        )
    last = results[-1]
    server, least = last["awsbp"]["server_calls"], last["minimum_calls"]
    lines += [
        "",
        f"Calls per operation at {last['scale']}× (server count vs pagination minimum):",
        "",
        "| operation | awsbp | minimum |",
        "|---|---|---|",
    ]
    for name in sorted(set(server) | set(least), key=lambda n: -server.get(n, 0)):
        lines.append(f"| {name} | {server.get(name, 0)} | {least.get(name, 0)} |")
    if last.get("prowler"):
        top = sorted(last["prowler"]["server_calls"].items(), key=lambda kv: -kv[1])[:15]
        lines += ["", f"Prowler's most frequent calls at {last['scale']}×:", "", "| operation | calls |", "|---|---|"]
        lines += [f"| {name} | {n} |" for name, n in top]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--no-prowler", action="store_true", help="measure awsbp only")
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    version = "Prowler"
    if not args.no_prowler:
        prowler.ensure_installed()
        version = prowler.version()
    results = []
    for factor in args.scales:
        print(f"bench: scale {factor}× …", file=sys.stderr)
        results.append(measure(factor, not args.no_prowler))
    report = table(results, version)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (RESULTS / "latest.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
