"""A run: for each account, collect → snapshot → checks → exports → notebooks → HTML, then the index.

Each account is one job (:func:`assess_account`); a failing account is recorded and the others go
on. What an account has written (snapshot, exports, reports) stays on disk whatever happens later.

Exit codes: 0 every account and report complete; 2 bad input (nothing could be assessed);
3 partial (some accounts or some reports failed: see ``run.json`` and the index).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from awsbp import __version__, diff, suppress
from awsbp import findings as findings_io
from awsbp.aws import AwsSession
from awsbp.catalog import Catalog
from awsbp.checks.run import run_checks
from awsbp.collect import collect_account, job_count
from awsbp.domains import DOMAINS
from awsbp.errors import AwsbpError, ParamsError
from awsbp.findings import STATUS_ORDER, Finding
from awsbp.inventory import Inventory
from awsbp.params import Account, Params
from awsbp.snapshot import Snapshot

log = logging.getLogger("awsbp")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# notebook file stem -> domain it reports on
DOMAIN_NOTEBOOKS = {"10_vpc": "vpc", "20_iam": "iam", "30_devtools": "devtools"}
SNAPSHOT_NAME = "snapshot.json.gz"
EXIT_OK, EXIT_BAD_INPUT, EXIT_PARTIAL = 0, 2, 3


@dataclass
class AccountResult:
    """What happened to one account; serialised into run.json and the index."""

    name: str
    account_id: str = ""
    status: str = "failed"  # ok | partial | failed
    error: str = ""
    bad_input: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    collection_errors: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    exports: list[dict[str, str]] = field(default_factory=list)
    directory: str = ""
    changes: dict[str, int] = field(default_factory=dict)
    previous: str = ""


@dataclass
class RunResult:
    run_dir: Path
    index: Path
    accounts: list[AccountResult]

    @property
    def exit_code(self) -> int:
        if self.accounts and all(a.status == "failed" and a.bad_input for a in self.accounts):
            return EXIT_BAD_INPUT
        return EXIT_OK if all(a.status == "ok" for a in self.accounts) else EXIT_PARTIAL


def notebooks_dir() -> Path:
    """The notebooks shipped with the source tree."""
    if not NOTEBOOKS_DIR.is_dir():
        raise AwsbpError(f"notebooks not found at {NOTEBOOKS_DIR}; run awsbp from a clone of the repository")
    return NOTEBOOKS_DIR


def resolve_regions(params: Params, session: AwsSession, partition: str) -> list[str]:
    """The params' region list (each checked against botocore's known regions) or every enabled region."""
    if params.regions == "all-enabled":
        return session.enabled_regions()
    known = set(session.known_regions("ec2", partition))
    for region in params.regions:
        if known and region not in known:
            raise ParamsError(
                f"region {region!r} does not exist in partition {partition}; fix `regions` in the params file"
            )
    return list(params.regions)


def _label(account: Account, index: int) -> str:
    if account.name or account.profile:
        return account.name or account.profile or ""
    return account.role_arn.split(":")[4] if account.role_arn else f"account-{index + 1}"


def assess_account(
    params: Params,
    account: Account,
    index: int,
    run_dir: Path,
    lang: str,
    *,
    show_progress: bool = False,
    compare_with: Path | None = None,
    render: bool = True,
) -> AccountResult:
    """Collect, check, export and render one account (``render=False``: no notebooks); never raises for AWS
    or input problems."""
    result = AccountResult(name=_label(account, index))
    result.account_id = account.role_arn.split(":")[4] if account.role_arn else ""  # known even if unreachable
    started = time.monotonic()
    try:
        session = AwsSession.open(
            profile=account.profile,
            role_arn=account.role_arn,
            external_id=account.external_id,
            session_name=account.session_name,
        )
        identity = session.identity()
        result.account_id = identity["account_id"]
        result.name = account.name or identity["account_id"]
        regions = resolve_regions(params, session, identity["partition"])
    except AwsbpError as err:
        result.error, result.bad_input = str(err), True
        return result
    result.directory = result.account_id
    try:
        with tqdm(
            total=job_count(regions),
            desc=f"collect {result.name}",
            unit="api",
            disable=not show_progress,
            file=sys.stderr,
            leave=False,
        ) as bar:
            snapshot = collect_account(session, regions, identity, progress=bar.update)
        snapshot.meta["account_name"] = result.name
        snapshot.save(run_dir / result.directory / SNAPSHOT_NAME)
        result.seconds["collect"] = round(time.monotonic() - started, 2)
    except Exception as err:
        log.debug("account %s failed", result.name, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
        return result
    return report_account(snapshot, result, run_dir, lang, params, compare_with, render=render)


def reassess_snapshot(
    path: Path, run_dir: Path, lang: str, params: Params, compare_with: Path | None = None
) -> AccountResult:
    """Checks, exports and reports from a saved snapshot (no AWS call), into a new run directory."""
    try:
        snapshot = Snapshot.load(path)
    except (OSError, ValueError) as err:
        return AccountResult(name=path.parent.name, error=f"{path}: {err}", bad_input=True)
    result = AccountResult(name=str(snapshot.meta.get("account_name") or snapshot.account_id))
    result.account_id = result.directory = snapshot.account_id
    snapshot.save(run_dir / result.directory / SNAPSHOT_NAME)
    return report_account(snapshot, result, run_dir, lang, params, compare_with)


def report_account(
    snapshot: Snapshot,
    result: AccountResult,
    run_dir: Path,
    lang: str,
    params: Params,
    compare_with: Path | None = None,
    *,
    render: bool = True,
) -> AccountResult:
    """Checks → findings.json/csv → one executed notebook and HTML report per domain (unless not ``render``)."""
    account_dir = run_dir / result.directory
    result.calls = snapshot.meta.get("calls", {})
    result.collection_errors = snapshot.errors
    try:
        t0 = time.monotonic()
        inventory = Inventory(snapshot, params.settings)
        findings = Catalog(lang).localize(run_checks(inventory, params.settings))
        suppress.apply(findings, params.suppressions, datetime.now(UTC).date(), inventory.resource_tags)
        write_exports(findings, account_dir, result, snapshot)
        previous, previous_run = diff.previous_findings(run_dir, result.account_id, compare_with)
        if previous:
            result.changes = diff.compare(findings, diff.load(previous), previous_run).counts()
            result.changes["previous_run"] = previous_run  # type: ignore[assignment]
            result.previous = str(previous.resolve())
        result.seconds["checks"] = round(time.monotonic() - t0, 2)
        if render:
            t0 = time.monotonic()
            render_reports(account_dir, lang, params, result)
            result.seconds["render"] = round(time.monotonic() - t0, 2)
    except Exception as err:
        log.debug("account %s failed", result.name, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
        return result
    result.status = "ok" if all(r["ok"] for r in result.reports) else "partial"
    return result


def write_exports(findings: list[Finding], account_dir: Path, result: AccountResult, snapshot: Snapshot) -> None:
    """findings.json, findings.csv and findings.asff.json beside the account's reports (all statuses)."""
    findings_io.write_json(findings, account_dir / "findings.json")
    findings_io.write_csv(findings, account_dir / "findings.csv")
    created = str(snapshot.meta.get("collected_at") or datetime.now(UTC).isoformat(timespec="seconds"))
    findings_io.write_asff(
        findings,
        account_dir / "findings.asff.json",
        created_at=created,
        partition=str(snapshot.meta.get("partition", "aws")),
    )
    result.counts = {s: sum(1 for f in findings if f.status == s) for s in STATUS_ORDER}
    result.exports = [
        {"label": "findings.json", "href": f"{result.directory}/findings.json"},
        {"label": "findings.csv", "href": f"{result.directory}/findings.csv"},
        {"label": "findings.asff.json", "href": f"{result.directory}/findings.asff.json"},
    ]


def render_reports(account_dir: Path, lang: str, params: Params, result: AccountResult) -> None:
    """Execute every domain notebook on the account's snapshot and convert each to HTML."""
    from awsbp.render import render_many

    parameters = {
        "snapshot": str((account_dir / SNAPSHOT_NAME).resolve()),
        "lang": lang,
        "settings": params.settings.model_dump(mode="json"),
        "suppressions": [rule.model_dump(mode="json") for rule in params.suppressions],
        "previous": result.previous,
    }
    jobs = [(notebooks_dir() / f"{stem}.ipynb", account_dir, parameters) for stem in DOMAIN_NOTEBOOKS]
    catalog = Catalog(lang)
    for job, outcome in zip(jobs, render_many(jobs, max_workers=2), strict=True):
        domain = DOMAIN_NOTEBOOKS[job[0].stem]
        result.reports.append(
            {
                "notebook": job[0].stem,
                "title": catalog.domain(domain).title,
                "href": f"{result.directory}/{outcome.html.name}" if outcome.html else "",
                "ipynb": f"{result.directory}/{outcome.ipynb.name}",
                "ok": outcome.ok,
                "error": outcome.error,
                "seconds": round(outcome.seconds, 2),
            }
        )


def render_summary(run_dir: Path, lang: str, params: Params, accounts: list[AccountResult]) -> str:
    """Cross-account findings and the 00_summary report of the run (its HTML file name); ``''`` when no account
    has findings or the summary could not be rendered."""
    from awsbp.render import execute_and_convert
    from awsbp.summary import RunSummary, save_cross_account

    if not any(a.counts for a in accounts):
        return ""
    try:
        save_cross_account(RunSummary.load(run_dir, lang, params.settings), run_dir)
    except (OSError, ValueError) as err:
        log.warning("cross-account checks skipped: %s", err)
    result = execute_and_convert(
        notebooks_dir() / "00_summary.ipynb",
        run_dir,
        {"run_dir": str(run_dir.resolve()), "lang": lang, "settings": params.settings.model_dump(mode="json")},
    )
    if not result.ok:
        log.warning("summary report incomplete: %s", result.error)
        return ""
    return result.html.name if result.html else ""


def discover_organization(params: Params) -> list[Account]:
    """The Organization's accounts to assess: the management account with the first account's credentials,
    every other account through ``role_name``. One clear error when the Organization cannot be listed."""
    from awsbp.collect.organizations import discover_accounts

    rule = params.organizations
    assert rule is not None
    base = params.accounts[0]
    session = AwsSession.open(
        profile=base.profile, role_arn=base.role_arn, external_id=base.external_id, session_name=base.session_name
    )
    me = session.identity()
    found = discover_accounts(session.client("organizations"), include=rule.include, exclude=rule.exclude, ous=rule.ous)
    accounts = []
    for account in found:
        if account["id"] == me["account_id"]:
            accounts.append(base.model_copy(update={"name": base.name or account["name"]}))
        else:
            role = f"arn:{me['partition']}:iam::{account['id']}:role/{rule.role_name}"
            accounts.append(
                Account(
                    name=account["name"], role_arn=role, external_id=rule.external_id, session_name=rule.session_name
                )
            )
    if not accounts:
        raise ParamsError("organizations: no ACTIVE account matches include/exclude/ous; check those filters")
    return accounts


def find_snapshots(directory: Path) -> list[Path]:
    """``<run>/<account>/snapshot.json.gz`` files of a previous run; a clear error when there are none."""
    found = sorted(Path(directory).glob(f"*/{SNAPSHOT_NAME}"))
    if not found:
        raise ParamsError(f"{directory}: no <account>/{SNAPSHOT_NAME} found; pass a previous run's directory")
    return found


def new_run_dir(params: Params, output: str | Path | None) -> Path:
    """``<output>/<client>/<UTC timestamp>``, created now; refuses an unwritable output directory."""
    base = Path(output or params.output_dir) / params.client
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = base / run_id
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = base / f"{run_id}-{suffix}"
    try:
        run_dir.mkdir(parents=True)
    except OSError as err:
        raise ParamsError(f"cannot write to {base}: {err.strerror}; choose another --output directory") from None
    return run_dir


def run(
    params: Params,
    *,
    lang: str | None = None,
    output: str | Path | None = None,
    quiet: bool = False,
    from_snapshots: Path | None = None,
    compare_with: Path | None = None,
    render: bool = True,
    executor: str = "local",
    scheduler: str | None = None,
) -> RunResult:
    """Assess every account of a params file (or re-assess a previous run's snapshots, offline); write
    reports, exports, index.html and run.json. ``render=False`` skips the notebooks (findings, snapshots and
    the index only). Accounts run in a local thread pool of ``params.max_workers``, or as Dask jobs
    (``executor="dask"``: the cluster at ``scheduler``, else a local cluster of ``max_workers`` processes)."""
    from awsbp.executors import open_executor
    from awsbp.render import write_index

    lang = lang or params.lang
    snapshots = find_snapshots(from_snapshots) if from_snapshots else []
    targets = discover_organization(params) if params.organizations and not snapshots else list(params.accounts)
    run_dir = new_run_dir(params, output)
    started = datetime.now(UTC)
    accounts: list[AccountResult] = []
    jobs = len(snapshots) or len(targets)
    workers = min(params.max_workers, jobs)
    with open_executor(executor, workers=workers, scheduler=scheduler) as pool:
        if snapshots:
            futures = [pool.submit(reassess_snapshot, p, run_dir, lang, params, compare_with) for p in snapshots]
        else:
            futures = [
                pool.submit(
                    assess_account,
                    params,
                    account,
                    i,
                    run_dir,
                    lang,
                    show_progress=not quiet and executor == "local",  # Dask workers' stderr is not ours
                    compare_with=compare_with,
                    render=render,
                )
                for i, account in enumerate(targets)
            ]
        for future in futures:
            accounts.append(future.result())
    run_info = {
        "client": params.client,
        "run_id": run_dir.name,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "lang": lang,
        "domains": [d.key for d in DOMAINS],
    }
    (run_dir / "run.json").write_text(
        json.dumps({**run_info, "accounts": [a.__dict__ for a in accounts]}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    summary = render_summary(run_dir, lang, params, accounts) if render else ""
    if summary:  # the summary report is the run's index
        index = (run_dir / summary).replace(run_dir / "index.html")
    else:  # nothing to summarise (no account assessed) or the summary failed: the plain index page
        index = write_index(
            run_dir / "index.html",
            title=f"awsbp — {params.client}",
            lang=lang,
            run=run_info,
            accounts=[{**a.__dict__, "collection_errors": len(a.collection_errors)} for a in accounts],
        )
    return RunResult(run_dir=run_dir, index=index, accounts=accounts)
