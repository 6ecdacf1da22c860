"""A run: collect → assess every account (in parallel), complete the assessments across accounts, then report.

1. Each account is one job (:func:`collect_and_assess`): read-only collection into ``snapshot.json.gz``, then
   :func:`awsbp.assess.assess` into ``assessment.json``. A failing account is recorded and the others go on.
2. :func:`complete_run` runs the cross-account checks over every assessed account and compares each with its
   previous run (:func:`awsbp.assess.assess_run`); each assessment is saved again, final.
3. Each account is reported (:func:`report_account`): exports and the domain notebooks, which only read the saved
   assessment. Then ``run.json`` and the index (the run summary notebook, or a plain page).

What an account has written stays on disk whatever happens later. Ctrl-C stops promptly: accounts not started are
cancelled, those in flight stop at their next step, completed ones are kept, and ``run.json`` and the index are
written for what completed.

Exit codes: 0 every account and report complete; 2 bad input (nothing could be assessed); 3 partial (some
accounts or some reports failed: see ``run.json`` and the index); 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

from awsbp import __version__
from awsbp.assess import Assessment, AssessmentError, PreviousAssessment, assess, assess_run
from awsbp.aws import AwsSession
from awsbp.catalog import Catalog
from awsbp.collect import collect_account
from awsbp.domains import DOMAINS, SUMMARY_NOTEBOOK
from awsbp.errors import AwsbpError, ParamsError
from awsbp.files import private_dir, write_text
from awsbp.inventory import Inventory
from awsbp.params import Account, Params
from awsbp.report.exports import EXPORT_FILES, write_exports, write_json
from awsbp.runfiles import ASSESSMENT_FILE, CROSS_ACCOUNT_FILE, INDEX_FILE, RUN_FILE, SNAPSHOT_FILE
from awsbp.snapshot import Snapshot

log = logging.getLogger("awsbp")

EXIT_OK, EXIT_BAD_INPUT, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 2, 3, 130
PRIVATE_UMASK = 0o077


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
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def assessed(self) -> bool:
        return bool(self.directory) and not self.error


@dataclass
class RunResult:
    run_dir: Path
    index: Path
    accounts: list[AccountResult]
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.accounts and all(a.status == "failed" and a.bad_input for a in self.accounts):
            return EXIT_BAD_INPUT
        return EXIT_OK if all(a.status == "ok" for a in self.accounts) else EXIT_PARTIAL


@dataclass(frozen=True)
class RunContext:
    """What every account of a run is assessed with, decided once: the language, the client's time zone and
    the date in it (suppressions expire by this date everywhere: exports and reports agree)."""

    lang: str
    timezone: str
    today: date

    @classmethod
    def of(cls, params: Params, lang: str) -> RunContext:
        zone = params.timezone or ("Asia/Tokyo" if lang == "ja" else "UTC")
        return cls(lang=lang, timezone=zone, today=datetime.now(ZoneInfo(zone)).date())


class Interrupted(Exception):
    """The run was asked to stop (Ctrl-C): a job stops at its next step."""


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


def collect_and_assess(
    params: Params,
    account: Account,
    index: int,
    run_dir: Path,
    context: RunContext,
    *,
    stop: threading.Event | None = None,
) -> AccountResult:
    """Collect one account into its snapshot and assess it into its assessment; never raises for AWS or input
    problems (they are the account's error)."""
    result = AccountResult(name=_label(account, index))
    result.account_id = account.role_arn.split(":")[4] if account.role_arn else ""  # known even if unreachable
    started = time.monotonic()
    try:
        _check(stop)
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
    except Interrupted:
        result.error = "interrupted before collection"
        return result
    except Exception as err:
        log.debug("account %s failed", result.name, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
        return result
    result.directory = result.account_id
    try:
        snapshot = collect_account(session, regions, identity)
        snapshot.meta["account_name"] = result.name
        snapshot.save(run_dir / result.directory / SNAPSHOT_FILE)
        result.seconds["collect"] = round(time.monotonic() - started, 2)
        _check(stop)
        _assess_into(snapshot, result, run_dir, params, context)
    except Interrupted:
        result.error = "interrupted after collection (the snapshot is kept)"
    except Exception as err:
        log.debug("account %s failed", result.name, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
    return result


def reassess_snapshot(
    path: Path, run_dir: Path, params: Params, context: RunContext, *, stop: threading.Event | None = None
) -> AccountResult:
    """Assess a saved snapshot (no AWS call) into a new run directory."""
    try:
        snapshot = Snapshot.load(path)
    except (OSError, ValueError) as err:
        return AccountResult(name=path.parent.name, error=f"{path}: {err}", bad_input=True)
    result = AccountResult(name=str(snapshot.meta.get("account_name") or snapshot.account_id))
    result.account_id = result.directory = snapshot.account_id
    try:
        _check(stop)
        snapshot.save(run_dir / result.directory / SNAPSHOT_FILE)
        _assess_into(snapshot, result, run_dir, params, context)
    except Interrupted:
        result.error = "interrupted"
    except Exception as err:
        log.debug("snapshot %s failed", path, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
    return result


def _assess_into(snapshot: Snapshot, result: AccountResult, run_dir: Path, params: Params, ctx: RunContext) -> None:
    t0 = time.monotonic()
    result.calls = snapshot.meta.get("calls", {})
    result.collection_errors = snapshot.errors
    assessment = assess(
        snapshot, params.settings, params.suppressions, today=ctx.today, lang=ctx.lang, timezone=ctx.timezone
    )
    assessment.save(run_dir / result.directory / ASSESSMENT_FILE)
    result.counts = assessment.counts()
    result.seconds["assess"] = round(time.monotonic() - t0, 2)


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Interrupted


def previous_assessment(run_dir: Path, account_id: str, compare_with: Path | None) -> PreviousAssessment | None:
    """The same account in ``compare_with``, else in the latest earlier run of this client that assessed it;
    ``None`` when there is none. A broken file is named in ``problem`` (and skipped when looking back)."""
    if compare_with is not None:
        runs = [Path(compare_with)]
    else:
        earlier = [p for p in run_dir.parent.iterdir() if p.is_dir() and p.name < run_dir.name]
        runs = sorted(earlier, reverse=True)
    problems = []
    for run in runs:
        candidate = run / account_id / ASSESSMENT_FILE
        if not candidate.is_file():
            continue
        try:
            return PreviousAssessment(run.name, Assessment.load(candidate))
        except AssessmentError as err:
            log.warning("previous run skipped: %s", err)
            problems.append(str(err))
    if problems:
        return PreviousAssessment(runs[0].name, None, problems[0])
    if compare_with is not None:
        return PreviousAssessment(Path(compare_with).name, None, f"{account_id} was not assessed in that run")
    return None


def complete_run(run_dir: Path, results: list[AccountResult], compare_with: Path | None) -> None:
    """The cross-account checks and the comparison with the previous run, over every assessed account; each
    assessment saved again, and the run's cross-account findings written beside the index."""
    pairs, owners = [], []
    for result in results:
        if not result.assessed:
            continue
        folder = run_dir / result.directory
        assessment = Assessment.load(folder / ASSESSMENT_FILE)
        pairs.append((assessment, Inventory(Snapshot.load(folder / SNAPSHOT_FILE), assessment.settings)))
        owners.append(result)
    previous = {}
    for assessment, _ in pairs:
        found = previous_assessment(run_dir, assessment.account_id, compare_with)
        if found is not None:
            previous[assessment.account_id] = found
    cross = []
    for assessment, result in zip(assess_run(pairs, previous), owners, strict=True):
        assessment.save(run_dir / result.directory / ASSESSMENT_FILE)
        result.counts = assessment.counts()
        cross += [f for f in assessment.findings if f.cross_account]
        if assessment.comparison is not None:
            comparison = assessment.comparison
            result.changes = {**comparison.counts(), "previous_run": comparison.previous_run}
            if comparison.problem:
                result.changes["problem"] = comparison.problem
    if pairs:
        write_json(cross, run_dir / CROSS_ACCOUNT_FILE)


def report_account(
    run_dir: Path, result: AccountResult, lang: str, *, render: bool = True, stop: threading.Event | None = None
) -> AccountResult:
    """Exports and (unless not ``render``) one executed notebook and HTML report per domain, from the account's
    saved assessment."""
    if not result.assessed:
        return result
    account_dir = run_dir / result.directory
    try:
        assessment = Assessment.load(account_dir / ASSESSMENT_FILE)
        write_exports(assessment, account_dir)
        result.exports = [{"label": name, "href": f"{result.directory}/{name}"} for name in EXPORT_FILES]
        if render:
            _check(stop)
            t0 = time.monotonic()
            render_reports(account_dir, lang, result)
            result.seconds["render"] = round(time.monotonic() - t0, 2)
    except Interrupted:
        pass
    except Exception as err:
        log.debug("account %s: reports failed", result.name, exc_info=True)
        result.error = f"{type(err).__name__}: {err}"
        result.status = "partial"
        return result
    result.status = "ok" if all(r["ok"] for r in result.reports) else "partial"
    return result


def render_reports(account_dir: Path, lang: str, result: AccountResult) -> None:
    """Execute every domain notebook on the account's folder (the kernel runs there: the notebooks hold the
    relative path ``.``, so a moved run folder reopens) and convert each to HTML."""
    from awsbp.report.assets import NOTEBOOKS_DIR
    from awsbp.report.execute import render_many, seal_notebooks

    parameters = {"account": ".", "lang": lang}
    jobs = [(NOTEBOOKS_DIR / f"{d.notebook}.ipynb", account_dir, parameters) for d in DOMAINS]
    catalog = Catalog(lang)
    outcomes = render_many(jobs, max_workers=2, cwd=account_dir)
    seal_notebooks(account_dir)  # the evidence the reports were made from: follow-up works on a scratch copy
    for domain, outcome in zip(DOMAINS, outcomes, strict=True):
        result.reports.append(
            {
                "notebook": domain.notebook,
                "title": catalog.domain(domain.key).title,
                "href": f"{result.directory}/{outcome.html.name}" if outcome.html else "",
                "ipynb": f"{result.directory}/{outcome.ipynb.name}",
                "ok": outcome.ok,
                "error": outcome.error,
                "seconds": round(outcome.seconds, 2),
            }
        )


def render_summary(run_dir: Path, lang: str) -> str:
    """The 00_summary report of the run (its HTML file name); ``''`` when it could not be rendered."""
    from awsbp.report.assets import NOTEBOOKS_DIR
    from awsbp.report.execute import execute_and_convert, seal_notebooks

    result = execute_and_convert(
        NOTEBOOKS_DIR / f"{SUMMARY_NOTEBOOK}.ipynb", run_dir, {"run_dir": ".", "lang": lang}, cwd=run_dir
    )
    seal_notebooks(run_dir)
    if not result.ok:
        log.warning("summary report incomplete: %s", result.error)
        return ""
    return result.html.name if result.html else ""


def write_client_document(run_dir: Path) -> Path | None:
    """The client document (report.html: every practice once, each account's evidence under it); a problem with
    it is logged, never fatal (the index and the reports stand without it)."""
    from awsbp.report.document import write_document

    try:
        return write_document(run_dir)
    except Exception as err:  # the run's other outputs are complete without it
        log.warning("client document not written: %s: %s", type(err).__name__, err)
        log.debug("client document failed", exc_info=True)
        return None


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
    found = sorted(Path(directory).glob(f"*/{SNAPSHOT_FILE}"))
    if not found:
        raise ParamsError(f"{directory}: no <account>/{SNAPSHOT_FILE} found; pass a previous run's directory")
    return found


def new_run_dir(params: Params, output: str | Path | None) -> Path:
    """``<output>/<client>/<UTC timestamp>``, created now (private to the user); refuses an unwritable output."""
    base = Path(output or params.output_dir) / params.client
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = base / run_id
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = base / f"{run_id}-{suffix}"
    try:
        base.mkdir(parents=True, exist_ok=True)
        run_dir.mkdir()
        private_dir(run_dir)
    except OSError as err:
        raise ParamsError(f"cannot write to {base}: {err.strerror}; choose another --output directory") from None
    return run_dir


Job = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def _run_jobs(
    pool: Any, jobs: list[Job], stop: threading.Event, phase: str = "", quiet: bool = True
) -> tuple[list[Any], bool]:
    """Submit every job and return their results in order, with one progress line for the phase (accounts done
    of all, on stderr, unless ``quiet``). On Ctrl-C (at any moment, submitting included) jobs not started are
    cancelled and running ones told to stop at their next step; their results still come back when they have
    any, and the second value says the run was interrupted."""
    futures: list[Any] = []
    bar = tqdm(total=len(jobs), desc=phase, unit="account", disable=quiet, file=sys.stderr, leave=True)
    try:
        for fn, args, kwargs in jobs:
            future = pool.submit(fn, *args, **kwargs)
            future.add_done_callback(lambda _done: bar.update(1))
            futures.append(future)
        return [f.result() for f in futures], False
    except KeyboardInterrupt:
        stop.set()
        for future in futures:
            future.cancel()
        done = []
        for future in futures:
            if future.cancelled():
                continue
            try:
                done.append(future.result())
            except (KeyboardInterrupt, Exception):  # noqa: BLE001 - an interrupted job has nothing to keep
                continue
        return done, True
    finally:
        bar.close()


def run_info(
    params: Params, run_dir: Path, context: RunContext, started: datetime, *, interrupted: bool = False
) -> dict[str, Any]:
    """The run's facts, as run.json and every page give them."""
    return {
        "client": params.client,
        "run_id": run_dir.name,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "lang": context.lang,
        "timezone": context.timezone,
        "today": context.today.isoformat(),
        "domains": [d.key for d in DOMAINS],
        "interrupted": interrupted,
    }


def write_run_log(run_dir: Path, facts: dict[str, Any], accounts: list[AccountResult]) -> Path:
    """run.json: the run's facts and every account's outcome (written atomically, private)."""
    log_text = json.dumps({**facts, "accounts": [asdict(a) for a in accounts]}, ensure_ascii=False, indent=1)
    return write_text(run_dir / RUN_FILE, log_text)


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
    snapshots, assessments, exports, reports, run.json and index.html. ``render=False`` skips the notebooks
    (assessments, exports and a plain index only). Accounts run in a local thread pool of ``params.max_workers``,
    or as Dask jobs (``executor="dask"``: the cluster at ``scheduler``, else a local cluster)."""
    previous_umask = os.umask(PRIVATE_UMASK)  # reports hold client data: whatever writes them, only the user reads
    try:
        return _run(
            params,
            lang=lang,
            output=output,
            quiet=quiet,
            from_snapshots=from_snapshots,
            compare_with=compare_with,
            render=render,
            executor=executor,
            scheduler=scheduler,
        )
    finally:
        os.umask(previous_umask)


def _run(
    params: Params,
    *,
    lang: str | None,
    output: str | Path | None,
    quiet: bool,
    from_snapshots: Path | None,
    compare_with: Path | None,
    render: bool,
    executor: str,
    scheduler: str | None,
) -> RunResult:
    from awsbp.batch.executors import open_executor
    from awsbp.report.index import write_index

    lang = lang or params.lang
    context = RunContext.of(params, lang)
    snapshots = find_snapshots(from_snapshots) if from_snapshots else []
    targets = discover_organization(params) if params.organizations and not snapshots else list(params.accounts)
    run_dir = new_run_dir(params, output)
    started = datetime.now(UTC)
    stop = threading.Event()
    flag = stop if executor == "local" else None  # a Dask job gets no event (not serialisable); it is cancelled
    workers = min(params.max_workers, len(snapshots) or len(targets))
    with open_executor(executor, workers=workers, scheduler=scheduler) as pool:
        if snapshots:
            jobs: list[Job] = [(reassess_snapshot, (p, run_dir, params, context), {"stop": flag}) for p in snapshots]
        else:
            jobs = [
                (collect_and_assess, (params, a, i, run_dir, context), {"stop": flag}) for i, a in enumerate(targets)
            ]
        accounts, interrupted = _run_jobs(pool, jobs, stop, "collect and assess", quiet)
        if interrupted:  # what completed keeps its exports (account-level findings), reported without notebooks
            accounts = [report_account(run_dir, a, lang, render=False) for a in accounts]
        else:
            complete_run(run_dir, accounts, compare_with)
            write_run_log(run_dir, run_info(params, run_dir, context, started), accounts)  # the reports name the run
            reports: list[Job] = [
                (report_account, (run_dir, a, lang), {"render": render, "stop": flag}) for a in accounts
            ]
            reported, interrupted = _run_jobs(pool, reports, stop, "report" if render else "export", quiet)
            if not interrupted:
                accounts = reported
    facts = run_info(params, run_dir, context, started, interrupted=interrupted)
    write_run_log(run_dir, facts, accounts)
    rendered = render and not interrupted and any(a.assessed for a in accounts)
    if rendered:
        write_client_document(run_dir)  # before the index, which links it
    summary = render_summary(run_dir, lang) if rendered else ""
    if summary:  # the summary report is the run's index
        index = (run_dir / summary).replace(run_dir / INDEX_FILE)
    else:  # nothing assessed, rendering off or interrupted, or the summary failed: the plain index page
        index = write_index(
            run_dir / INDEX_FILE,
            title=f"awsbp — {params.client}",
            lang=lang,
            run=facts,
            accounts=[{**asdict(a), "collection_errors": len(a.collection_errors)} for a in accounts],
        )
    return RunResult(run_dir=run_dir, index=index, accounts=accounts, interrupted=interrupted)
