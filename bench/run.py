"""``make bench``: for each scale, seed a fresh moto server, measure awsbp (collection, analysis, rendering,
peak memory, calls counted at the server, ratio to the pagination minimum), then Prowler's equivalent checks
on the same server; print a Markdown table and write ``bench/results/latest.{md,json}``.

    python -m bench.run [--scales 1 4 16] [--no-prowler] [--no-render] [--latency MS] [--throttle aws|RATE]

``--latency`` answers every call MS milliseconds late (±20 %) and reports the collection against its critical
path (:mod:`bench.critical`); ``--throttle`` answers the services' own throttling errors past AWS's documented
rates (``aws``) or past RATE requests per second, and reports the throttled answers and the client's retries.
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

from bench import counting, critical, minimum, network, prowler, world
from bench.results import publish

NOTEBOOKS = ("10_vpc", "20_iam", "30_devtools")


def _render_times(snapshot: str, work: Path) -> dict[str, float]:
    """Seconds to render: each domain notebook alone (a fresh kernel each), the account's notebooks as the batch
    renders them (``account``: one warm kernel in the account's folder, one after another), and an empty notebook
    on a fresh kernel (``empty``, the floor of executing any notebook)."""
    from datetime import date

    from awsbp.assess import assess
    from awsbp.params import Settings
    from awsbp.report.assets import NOTEBOOKS_DIR
    from awsbp.report.execute import render_many
    from awsbp.runfiles import ASSESSMENT_FILE
    from awsbp.snapshot import Snapshot

    account = work / "account"  # a run's account folder: the snapshot and its assessment, as the batch leaves it
    saved = Snapshot.load(snapshot)
    saved.save(account / "snapshot.json.gz")
    assess(saved, Settings(), [], today=date.today(), lang="en").save(account / ASSESSMENT_FILE)

    empty = nbformat.v4.new_notebook()
    empty.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    empty_path = work / "empty.ipynb"
    nbformat.write(empty, empty_path)
    params = {"account": ".", "lang": "en"}
    domain = {nb: NOTEBOOKS_DIR / f"{nb}.ipynb" for nb in NOTEBOOKS}

    def timed(jobs: list[tuple[Path, Path, dict[str, Any]]], cwd: Path | None = None) -> float:
        started = time.perf_counter()
        for result in render_many(jobs, max_workers=1, cwd=cwd):
            if not result.ok:
                raise RuntimeError(f"{result.notebook} failed to render: {result.error}")
        return time.perf_counter() - started

    timed([(empty_path, work / "warm-up", {})])  # the first kernel of a process pays for cold caches: not counted
    times = {"empty-before": timed([(empty_path, work / "empty", {})])}
    for nb, path in domain.items():
        times[nb] = timed([(path, account, params)], cwd=account)
    times["account"] = timed([(path, account, params) for path in domain.values()], cwd=account)
    times["empty-after"] = timed([(empty_path, work / "empty", {})])
    times["empty"] = min(times["empty-before"], times["empty-after"])  # the floor: a busy moment is not it
    return times


def measure(
    factor: int,
    with_prowler: bool,
    *,
    render: bool = True,
    latency_ms: float = 0,
    throttle: str | None = None,
) -> dict[str, Any]:
    from awsbp.demo.server import DemoServer, simulated_environment

    regions = list(world.REGIONS)
    out: dict[str, Any] = {"scale": factor, "latency_ms": latency_ms, "throttle": throttle}
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        out["resources"] = world.seed(server.endpoint, factor)
        out["seed_seconds"] = time.perf_counter() - started
        throttled = network.install(server, latency_ms=latency_ms, throttle=throttle)
        counter = counting.install(server)  # outermost: counts every attempt, throttled ones too
        figures_path = work / "awsbp.json"
        with simulated_environment(server.endpoint):
            env = dict(os.environ)
        command = [sys.executable, "-m", "bench.measure", str(figures_path), *regions]
        warm = bool(latency_ms)  # the account collected again in the same process, as a batch's next account
        first: dict[str, Any] = {}  # what the server saw of the first collection, when a second follows
        with subprocess.Popen(
            [*command, "--warm"] if warm else command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as measuring:
            assert measuring.stdin and measuring.stdout
            if warm and measuring.stdout.readline().strip() == "cold collected":
                first = _server_figures(counter, throttled)
                counter.reset()
                if throttled:
                    throttled.reset()
                measuring.stdin.write("go\n")
                measuring.stdin.flush()
            measuring.communicate()
        if measuring.returncode or (warm and not first):
            raise subprocess.CalledProcessError(measuring.returncode or 1, command)
        out["awsbp"] = json.loads(figures_path.read_text(encoding="utf-8"))
        last = _server_figures(counter, throttled)
        out["awsbp"].update(first or last)
        if warm:
            out["awsbp"]["warm"].update(last)
        from awsbp.snapshot import Snapshot

        snapshot = Snapshot.load(Path(out["awsbp"]["snapshot"]))
        out["minimum_calls"] = minimum.minimum_calls(snapshot)
        if latency_ms:
            out.update(_critical_paths(out["awsbp"], latency_ms))
            out["awsbp"]["warm"].update(_critical_paths(out["awsbp"]["warm"], latency_ms))
        out["render_seconds"] = _render_times(out["awsbp"]["snapshot"], work) if render else {}
        if with_prowler:
            counter.reset()
            if throttled:
                throttled.reset()
            out["prowler"] = prowler.run(server.endpoint, regions)
            out["prowler"]["server_calls"] = counter.counts()
            out["prowler"]["server_seconds"] = counter.seconds()
            out["prowler"]["throttled"] = throttled.throttled() if throttled else {}
    return out


def _server_figures(counter: Any, throttled: Any) -> dict[str, Any]:
    """What the server saw since its counters were last reset: requests, time and CPU per operation/region."""
    return {
        "server_calls": counter.counts(),
        "server_by_region": counter.by_region(),
        "server_cpu_by_region": counter.cpu_by_region(),
        "server_seconds": counter.seconds(),
        "throttled": throttled.throttled() if throttled else {},
    }


def _critical_paths(figures: dict[str, Any], latency_ms: float) -> dict[str, Any]:
    """The collection's critical path from the server's counts, nominal and with moto's CPU."""
    out = {}
    for key, server_cpu in (("critical_path", None), ("critical_path_cpu", figures["server_cpu_by_region"])):
        path = critical.critical_path(figures["server_by_region"], latency_ms / 1000, server_cpu=server_cpu)
        out[key] = {"seconds": path.seconds, "longest": path.longest, "chains": path.chains}
    return out


def _total(calls: dict[str, int]) -> int:
    return sum(calls.values())


def as_on_aws(server: dict[str, int], least: dict[str, int]) -> int:
    """awsbp's calls as AWS would see them, estimated from the server's count: moto answers some listings in one
    page whatever ``MaxResults`` says (count the minimum's pages there)."""
    return sum(max(server.get(n, 0), least.get(n, 0)) for n in set(server) | set(least))


def targets(last: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The issue's targets at the largest scale measured: (target, measured, holds)."""
    a, render = last["awsbp"], last["render_seconds"]
    calls, least = _total(a["server_calls"]), _total(last["minimum_calls"])
    analysis = a["analysis_seconds"]["all"] / a["collect_seconds"]
    aws = as_on_aws(a["server_calls"], last["minimum_calls"])
    rows = []
    if p := last.get("prowler"):
        fewer, faster = _total(p["server_calls"]) / max(1, calls), p["seconds"] / a["collect_seconds"]
        rows += [
            ("≥ 10× fewer API calls than Prowler", f"{fewer:.1f}× fewer", fewer >= 10),
            ("≥ 5× less wall time than Prowler", f"{faster:.1f}× less", faster >= 5),
        ]
    rows += [
        (
            "calls ≤ 1.2× the pagination minimum",
            f"{calls / least:.2f}× (on AWS ≈ {aws / least:.2f}×: moto's single pages counted as AWS pages)",
            calls / least <= 1.2,
        ),
        ("analysis ≤ 10 % of collection", f"{analysis:.0%}", analysis <= 0.10),
    ]
    if render:
        ratio = render["account"] / (len(NOTEBOOKS) * render["empty"])
        rows.append(
            (
                f"an account's {len(NOTEBOOKS)} reports ≤ 1.5× as many empty notebooks",
                f"{ratio:.2f}× ({render['account']:.1f} s ÷ {len(NOTEBOOKS)} × {render['empty']:.1f} s)",
                ratio <= 1.5,
            )
        )
    if path := last.get("critical_path"):
        first, cpu = _ratios(a, path, last["critical_path_cpu"])
        next_one = a.get("warm") or {}
        measured = f"first account of a process: {first:.2f}× ({cpu:.2f}× with moto's CPU)"
        holds = first <= 2
        if next_one:
            warm, warm_cpu = _ratios(next_one, next_one["critical_path"], next_one["critical_path_cpu"])
            measured += f"; each next account: {warm:.2f}× ({warm_cpu:.2f}× with moto's CPU)"
            holds = warm_cpu <= 2
        rows.append((f"collection ≤ 2× the critical path at {last['latency_ms']:g} ms", measured, holds))
    rows.append(("peak memory < 1 GiB", f"{a['peak_rss_mib']:.0f} MiB", a["peak_rss_mib"] < 1024))
    return rows


def _ratios(figures: dict[str, Any], path: dict[str, Any], with_cpu: dict[str, Any]) -> tuple[float, float]:
    """Collection wall time ÷ its critical path, nominal and with moto's CPU."""
    return figures["collect_seconds"] / path["seconds"], figures["collect_seconds"] / with_cpu["seconds"]


def latency_table(results: list[dict[str, Any]]) -> list[str]:
    """Collection against its critical path, and what throttling cost (retries), per scale."""
    lines = [
        "## Collection under latency" + (" and throttling" if results[0].get("throttle") else ""),
        "",
        f"Every call answered {results[0]['latency_ms']:g} ms (±20 %) late"
        + (f"; throttled past {_throttle_label(results[0]['throttle'])}" if results[0].get("throttle") else "")
        + ". Critical path: `bench/critical.py` (longest chain of calls that must run one after another, or a "
        "(service, region)'s calls within its budget, whichever is longer); *with moto's CPU*: each call also "
        "costs moto's CPU time for it, and the run at least moto's CPU for all its calls.",
        "",
        "*First*: the account collected in a fresh process (botocore's models loaded and clients' classes built "
        "on the way, ~1–1.5 s of CPU); *next*: the same account again in that process with a new session, as a "
        "batch collects its next account (the credential report is then ready at its first request).",
        "",
        "| scale | account | collect s (CPU s) | critical path s (with moto's CPU) "
        "| collect ÷ critical path (with moto's CPU) | what sets the critical path | calls at the server "
        "| throttled answers | client attempts − operations | APIs not collected |",
        "|---" * 10 + "|",
    ]
    for r in results:
        a = r["awsbp"]
        attempts, operations = _total(a.get("client_attempts", {})), _total(a["client_calls"])
        failed = sorted(f"{e['service']}.{e['api']} ({e['code']})" for e in a["errors"])
        runs = [("first", a, r.get("critical_path") or {}, r.get("critical_path_cpu") or {})]
        if warm := a.get("warm"):
            runs.append(("next", warm, warm.get("critical_path") or {}, warm.get("critical_path_cpu") or {}))
        for label, figures, path, cpu in runs:
            ratio, ratio_cpu = _ratios(figures, path, cpu) if path else (0.0, 0.0)
            retried = attempts - operations if label == "first" else "-"
            lines.append(
                f"| {r['scale']}× | {label} | {figures['collect_seconds']:.2f} ({figures['collect_cpu_seconds']:.2f}) "
                f"| {path.get('seconds', 0):.2f} ({cpu.get('seconds', 0):.2f}) | {ratio:.2f} ({ratio_cpu:.2f}) "
                f"| {path.get('longest', '-')} | {_total(figures['server_calls'])} "
                f"| {_total(figures.get('throttled', {}))} | {retried} | {', '.join(failed) or 'none'} |"
            )
    return [*lines, ""]


def _render_cell(render: dict[str, float]) -> str:
    if not render:
        return "-"
    alone = " / ".join(f"{render[n]:.1f}" for n in NOTEBOOKS)
    return f"{alone}; {render['account']:.1f} ({render['empty']:.1f})"


def _throttle_label(throttle: str) -> str:
    return "AWS's documented rates" if throttle == "aws" else f"{throttle} requests per second per service"


def table(results: list[dict[str, Any]], prowler_version: str) -> str:
    """The Markdown report: awsbp per scale, side by side with Prowler, the targets, then where the calls go."""
    lines = [
        "## awsbp",
        "",
        "| scale | users / SGs / rules / instances | seed s | collect s | calls at the server (recorder) "
        "| pagination minimum | calls ÷ minimum (on AWS ≈) | analysis s vpc / iam / devtools / all "
        "| analysis ÷ collect "
        "| render s 10_vpc / 20_iam / 30_devtools alone; the account's three on one kernel (empty) | peak RSS MiB |",
        "|---" * 11 + "|",
    ]
    for r in results:
        a, res, render = r["awsbp"], r["resources"], r["render_seconds"]
        calls, least = _total(a["server_calls"]), _total(r["minimum_calls"])
        an = a["analysis_seconds"]
        lines.append(
            f"| {r['scale']}× | {res['users']} / {res['security_groups']} / {res['security_group_rules']} / "
            f"{res['instances']} | {r['seed_seconds']:.0f} | {a['collect_seconds']:.1f} "
            f"| {calls} ({_total(a['client_calls'])}) | {least} "
            f"| {calls / least:.2f} ({as_on_aws(a['server_calls'], r['minimum_calls']) / least:.2f}) "
            f"| {an['vpc']:.2f} / {an['iam']:.2f} / {an['devtools']:.2f} / {an['all']:.2f} "
            f"| {an['all'] / a['collect_seconds']:.0%} "
            f"| {_render_cell(render)} "
            f"| {a['peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "Calls at the server count every HTTP request (retries included); the recorder counts operations. "
        "*On AWS ≈*: moto's single pages counted as the pages AWS would return. *Σ server latency*: the server's "
        "time answering each request, summed (concurrent requests overlap, and wait for each other in moto).",
        "",
    ]
    if results[0].get("latency_ms") or results[0].get("throttle"):
        lines += latency_table(results)
    if any(r.get("prowler") for r in results):
        lines += [
            f"## Side by side with {prowler_version} (its equivalent checks, same server, same regions)",
            "",
            "| scale | awsbp s | Prowler s | awsbp calls | Prowler calls | Σ server latency s awsbp / Prowler "
            "| Prowler findings | Prowler errors logged | awsbp ÷ Prowler time | awsbp ÷ Prowler calls |",
            "|---" * 10 + "|",
        ]
        for r in results:
            a, p = r["awsbp"], r.get("prowler")
            if not p:
                continue
            calls, pcalls = _total(a["server_calls"]), _total(p["server_calls"])
            lines.append(
                f"| {r['scale']}× | {a['collect_seconds']:.1f} | {p['seconds']:.1f} | {calls} | {pcalls} "
                f"| {sum(a.get('server_seconds', {}).values()):.1f} / {sum(p.get('server_seconds', {}).values()):.1f} "
                f"| {p['findings']} | {sum(p['errors'].values())} | {a['collect_seconds'] / p['seconds']:.3f} "
                f"| {calls / max(1, pcalls):.3f} |"
            )
        lines.append("")
    last = results[-1]
    lines += [f"## Targets at {last['scale']}×", "", "| target | measured | holds |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets(last)]
    server, least = last["awsbp"]["server_calls"], last["minimum_calls"]
    lines += [
        "",
        f"## awsbp calls per operation at {last['scale']}× (server count vs pagination minimum)",
        "",
        "| operation | awsbp | minimum | Σ server latency s |",
        "|---|---|---|---|",
    ]
    seconds = last["awsbp"].get("server_seconds", {})
    for name in sorted(set(server) | set(least), key=lambda n: (-server.get(n, 0), n)):
        lines.append(f"| {name} | {server.get(name, 0)} | {least.get(name, 0)} | {seconds.get(name, 0):.2f} |")
    failed = sorted({(e["service"], e["api"], e["code"]) for e in last["awsbp"]["errors"]})
    if failed:
        lines += ["", "awsbp's collection errors on this endpoint (NOT_ASSESSED in the reports):", ""]
        lines += [f"- {service}.{api}: {code}" for service, api, code in failed]
    if p := last.get("prowler"):
        top = sorted(p["server_calls"].items(), key=lambda kv: -kv[1])[:15]
        lines += ["", f"## Prowler's most frequent calls at {last['scale']}×", "", "| operation | calls |", "|---|---|"]
        lines += [f"| {name} | {n} |" for name, n in top]
        lines += ["", f"Prowler exit code {p['exit_code']}; errors it logged at {last['scale']}×:", ""]
        lines += [f"- {n}× `{message[:300]}`" for message, n in p["errors"].items()] or ["- none"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 4, 16])
    parser.add_argument("--no-prowler", action="store_true", help="measure awsbp only")
    parser.add_argument("--no-render", action="store_true", help="do not time the notebooks")
    parser.add_argument("--latency", type=float, default=0, metavar="MS", help="answer every call MS ms late")
    parser.add_argument(
        "--throttle", metavar="aws|RATE", help="throttle past AWS's documented rates, or RATE requests/s per service"
    )
    parser.add_argument("--name", default="latest", help="results file name (bench/results/NAME.{md,json})")
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    version = "Prowler"
    if not args.no_prowler:
        prowler.ensure_installed()
        version = prowler.version()
    results = []
    for factor in args.scales:
        print(f"bench: scale {factor}× …", file=sys.stderr)
        results.append(
            measure(
                factor,
                not args.no_prowler,
                render=not args.no_render,
                latency_ms=args.latency,
                throttle=args.throttle,
            )
        )
    report = table(results, version)
    publish(args.name, results, report)


if __name__ == "__main__":
    main()
