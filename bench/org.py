"""``make bench-org``: an AWS Organization of N member accounts in one moto server, assessed as a batch at a
simulated latency with the local pool, a Dask ``LocalCluster`` and a separately started Dask cluster; total wall
time, per-account cost and peak memory of the whole process tree, side by side with Prowler's time.

    python -m bench.org [--accounts 10 30 100] [--latency 100] [--workers 4]
                        [--executors local dask-local dask-cluster] [--render 10] [--no-prowler]

The Organization (seeded once, for the largest N): the management account (moto's default) and N members
created with ``organizations:CreateAccount``, each seeded through ``OrganizationAccountAccessRole`` with the
audit role awsbp assumes (``awsbp-audit``, with an ExternalId, as in the demo) and one of four demo-size worlds
in turn — the demo's management world (IAM, developer tooling, the shop and analytics VPCs), its ``acme-prod``
and ``acme-dev`` members, a small synthetic account (:mod:`bench.world` at 5–20 % of 1×). A run of N accounts
assesses the first N members (``organizations.include``); discovery, AssumeRole and every call go through the
latency.

Each batch runs in a child process (``--child``) through :func:`bench.batch.run_batch`; the parent samples the
resident memory of that process and all its descendants (Dask workers, kernels) — plus, for the separately
started cluster, the scheduler's and workers' processes — every 0.2 s. The moto server (this process) is not
counted. ``--render N``: the runs of N accounts also render the reports (the local pool only; rendering is
CPU-bound and being reworked elsewhere): the other rows are without rendering. Prowler scans one account per
run: one member (the demo-world shape) is scanned at the same latency and the time multiplied by N — an
extrapolation, said so in the report. Writes ``bench/results/org.{md,json}``.
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
import threading
import time
from pathlib import Path
from typing import Any

from bench import counting, network, prowler
from bench.cluster import SeparateCluster
from bench.results import publish

SHAPES = ("demo", "prod", "dev", "small")
EXECUTORS = ("local", "dask-local", "dask-cluster")
REGIONS = ("ap-northeast-1", "us-east-1")


def _region(clients: Any, region: str, ids: dict[str, str], account: str) -> Any:
    """The demo's region writer, with the account id appended to bucket names (S3 names are global: every member
    seeding the same world would ask for the same bucket)."""
    from awsbp.demo.builder import RegionBuilder

    class MemberRegion(RegionBuilder):
        def flow_logs_to_s3(self, name: str, vpc_id: str, bucket: str) -> str:
            return super().flow_logs_to_s3(name, vpc_id, f"{bucket}-{account}")

    return MemberRegion(clients, region, ids)


def seed_organization(endpoint: str, members: int) -> list[dict[str, str]]:
    """The Organization with ``members`` member accounts, each seeded with one of :data:`SHAPES` in turn;
    ``[{"id", "name", "shape"}, …]`` in creation order."""
    from awsbp.demo import world_org
    from awsbp.demo.clients import demo_clients
    from awsbp.demo.world import _analytics, _shop
    from awsbp.demo.world_devtools import seed_devtools
    from awsbp.demo.world_iam import seed_iam

    from bench.world import seed_account

    clients = demo_clients(endpoint)
    management = clients("sts").get_caller_identity()["Account"]
    org = clients("organizations")
    org.create_organization(FeatureSet="ALL")
    found = []
    for index in range(members):
        shape = SHAPES[index % len(SHAPES)]
        name = f"member-{index:03d}-{shape}"
        request = org.create_account(Email=f"{name}@bench.example", AccountName=name)["CreateAccountStatus"]["Id"]
        status = org.describe_create_account_status(CreateAccountRequestId=request)["CreateAccountStatus"]
        account = status["AccountId"]
        member = demo_clients(endpoint, f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
        world_org._audit_role(member, management)
        ids: dict[str, str] = {}
        if shape == "demo":
            seed_iam(member, ids)
            seed_devtools(member, ids)
            _shop(_region(member, "ap-northeast-1", ids, account))
            _analytics(_region(member, "us-east-1", ids, account))
        elif shape == "prod":
            world_org._prod(member, _region(member, world_org.REGION, ids, account))
        elif shape == "dev":
            world_org._dev(member, _region(member, world_org.REGION, ids, account))
        else:
            seed_account(member, 0.05 * (1 + (index // len(SHAPES)) % 4), account)
        found.append({"id": account, "name": name, "shape": shape})
    return found


def params_for(members: list[dict[str, str]], workers: int) -> dict[str, Any]:
    """The params of a batch over ``members`` (raw, for :func:`awsbp.params.parse`)."""
    return {
        "client": "bench-org",
        "lang": "en",
        "accounts": [{"name": "management"}],
        "organizations": {
            "role_name": "awsbp-audit",
            "external_id": "acme-awsbp-demo",
            "include": [m["id"] for m in members],
        },
        "regions": list(REGIONS),
        "max_workers": workers,
    }


def child(spec_path: Path) -> None:
    """In the child process: one batch inside the simulated environment; its figures to ``spec["out"]``."""
    from awsbp.demo.server import simulated_environment
    from awsbp.params import parse

    from bench.batch import run_batch

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    params = parse(spec["params"])
    executor = "local" if spec["executor"] == "local" else "dask"
    with simulated_environment(spec["endpoint"]), contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        summary = run_batch(params, Path(spec["output"]), executor, spec.get("scheduler"), render=spec["render"])
        summary["wall_seconds"] = time.perf_counter() - started
    Path(spec["out"]).write_text(json.dumps(summary), encoding="utf-8")


class TreeMemory:
    """Peak resident memory of a process, its descendants and some other processes, sampled every 0.2 s."""

    def __init__(self, pid: int, others: list[int]):
        import psutil

        self._psutil = psutil
        self.pid, self.others = pid, others
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> int:
        psutil = self._psutil
        roots = []
        for pid in [self.pid, *self.others]:
            with contextlib.suppress(psutil.Error):
                roots.append(psutil.Process(pid))
        seen: dict[int, Any] = {}
        for root in roots:
            with contextlib.suppress(psutil.Error):
                for process in [root, *root.children(recursive=True)]:
                    seen[process.pid] = process
        total = 0
        for process in seen.values():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.2)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def one_batch(
    endpoint: str,
    members: list[dict[str, str]],
    executor: str,
    workers: int,
    render: bool,
    work: Path,
    env: dict[str, str],
    cluster: SeparateCluster | None,
) -> dict[str, Any]:
    """One batch of ``members`` in a child process; its figures and the process tree's peak memory."""
    out = work / f"batch-{time.monotonic_ns()}.json"
    spec: dict[str, Any] = {
        "endpoint": endpoint,
        "params": params_for(members, workers),
        "executor": executor,
        "scheduler": cluster.address if cluster else None,
        "render": render,
        "output": str(work / f"reports-{out.stem}"),  # a run of its own: no diff with an earlier run
        "out": str(out),
    }
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "bench.org", "--child", str(spec_path)], env=env)
    with TreeMemory(process.pid, cluster.pids() if cluster else []) as memory:
        code = process.wait()
    if code:
        raise RuntimeError(f"the {executor} batch of {len(members)} accounts failed (exit code {code})")
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    figures["peak_rss_mib"] = memory.peak / 2**20
    return figures


def prowler_one(endpoint: str, member: dict[str, str]) -> dict[str, Any]:
    """Prowler's equivalent checks on one member account (assuming its audit role, as awsbp does)."""
    role = f"arn:aws:iam::{member['id']}:role/awsbp-audit"
    return prowler.run(endpoint, list(REGIONS), role=role, external_id="acme-awsbp-demo")


def table(results: dict[str, Any]) -> str:
    """The Markdown report of an org benchmark run."""
    lines = [
        f"## An Organization of up to {max(r['accounts'] for r in results['runs'])} member accounts at "
        f"{results['latency_ms']:g} ms per call",
        "",
        f"Two cores shared with other sessions; {results['workers']} accounts at a time (local pool threads, or "
        "Dask workers with one thread each). Wall time of the batch (discovery, AssumeRole, collection, checks, "
        "exports; reports only where *render* says so); a `LocalCluster` is started inside that time, the "
        "separately started cluster before it. Peak memory: the batch process and all its descendants, plus the "
        "separate cluster's scheduler and workers; the moto server not included.",
        "",
        "| accounts | executor | render | wall s | s per account | peak RSS MiB | ok / failed | calls at the server "
        "| median per account s: collect / checks / render |",
        "|---" * 9 + "|",
    ]
    for run in results["runs"]:
        accounts = run["batch"]["accounts"]
        ok = sum(1 for a in accounts if a["status"] in ("ok", "partial"))

        def median(step: str, accounts: list[dict[str, Any]] = accounts) -> str:
            values = [a["seconds"][step] for a in accounts if step in a["seconds"]]
            return f"{statistics.median(values):.1f}" if values else "-"

        wall = run["batch"]["wall_seconds"]
        lines.append(
            f"| {run['accounts']} | {run['executor']} | {'on' if run['render'] else 'off'} | {wall:.1f} "
            f"| {wall / run['accounts']:.2f} | {run['batch']['peak_rss_mib']:.0f} | {ok} / {len(accounts) - ok} "
            f"| {run['server_calls']} | {median('collect')} / {median('checks')} / {median('render')} |"
        )
    if p := results.get("prowler"):
        lines += [
            "",
            f"Prowler ({p.get('version', '?')}, its checks equivalent to awsbp's, same latency): one member account "
            f"({p['member']['name']}) scanned in **{p['seconds']:.1f} s** with {p['server_calls']} calls "
            f"(exit code {p['exit_code']}); Prowler scans one account per run, so N accounts one after another "
            "≈ N × that — **an extrapolation, not measured**:",
            "",
            "| accounts | Prowler s (extrapolated, sequential) | awsbp local pool s (measured, render off) |",
            "|---|---|---|",
        ]
        for n in sorted({r["accounts"] for r in results["runs"]}):
            ours = [
                r["batch"]["wall_seconds"] for r in results["runs"] if r["accounts"] == n and r["executor"] == "local"
            ]
            lines.append(f"| {n} | {p['seconds'] * n:.0f} | {min(ours):.1f} |" if ours else f"| {n} | - | - |")
    if results.get("failures"):
        lines += ["", "Accounts that failed:", ""]
        lines += [f"- {f}" for f in results["failures"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.org", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", nargs="+", type=int, default=[10, 30, 100])
    parser.add_argument("--latency", type=float, default=100, metavar="MS")
    parser.add_argument("--workers", type=int, default=4, help="accounts at a time (pool threads / Dask workers)")
    parser.add_argument("--executors", nargs="+", choices=EXECUTORS, default=list(EXECUTORS))
    parser.add_argument("--render", type=int, nargs="*", default=[], metavar="N", help="also render at N accounts")
    parser.add_argument("--no-prowler", action="store_true")
    parser.add_argument("--name", default="org")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from awsbp.demo.server import DemoServer, simulated_environment

    results: dict[str, Any] = {"latency_ms": args.latency, "workers": args.workers, "runs": [], "failures": []}
    if not args.no_prowler:
        prowler.ensure_installed()
        results["prowler_version"] = prowler.version()
    with (
        DemoServer() as server,
        contextlib.redirect_stdout(io.StringIO()),
        tempfile.TemporaryDirectory(prefix="bench-org-") as tmp,
    ):
        work = Path(tmp)
        started = time.perf_counter()
        members = seed_organization(server.endpoint, max(args.accounts))
        results["seed_seconds"] = time.perf_counter() - started
        print(f"bench: {len(members)} member accounts seeded in {results['seed_seconds']:.0f} s", file=sys.stderr)
        network.install(server, latency_ms=args.latency)
        counter = counting.install(server)
        with simulated_environment(server.endpoint):
            env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
        cluster = None
        if "dask-cluster" in args.executors:
            cluster = SeparateCluster(workers=args.workers, home=work / "cluster").start()
        try:
            plan = [(n, e, False) for n in args.accounts for e in args.executors]
            plan += [(n, "local", True) for n in args.render]
            for n, executor, render in plan:
                print(f"bench: {n} accounts, {executor}, render {'on' if render else 'off'} …", file=sys.stderr)
                counter.reset()
                batch = one_batch(
                    server.endpoint,
                    members[:n],
                    executor,
                    args.workers,
                    render,
                    work,
                    env,
                    cluster if executor == "dask-cluster" else None,
                )
                results["runs"].append(
                    {
                        "accounts": n,
                        "executor": executor,
                        "render": render,
                        "batch": batch,
                        "server_calls": sum(counter.counts().values()),
                    }
                )
                results["failures"] += [
                    f"{n} accounts, {executor}: {a['name']}: {a['error']}"
                    for a in batch["accounts"]
                    if a["status"] == "failed"
                ]
        finally:
            if cluster:
                cluster.stop()
        if not args.no_prowler:
            counter.reset()
            member = members[0]
            found = prowler_one(server.endpoint, member)
            results["prowler"] = {
                **found,
                "member": member,
                "version": results["prowler_version"],
                "server_calls": sum(counter.counts().values()),
            }
    report = table(results)
    publish(args.name, results, report)


if __name__ == "__main__":
    main()
