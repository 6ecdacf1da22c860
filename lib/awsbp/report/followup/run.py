"""A saved run, opened for follow-up: ``open_run`` finds it, :class:`Run` reads it.

::

    run = open_run("reports/acme/20261130T091500Z")      # relative to the current directory, or absolute
    run = open_run("reports/acme", "latest")              # the client's latest run
    run = open_run(client="acme")                         # the same, from the nearest reports/ folder up
    run.findings                                          # every finding of every account (one frame)
    run.inventory("security_groups")                      # an inventory table across the run's accounts
    run.account("acme-prod").workbook("vpc")              # one account's domain workbook
    run.sql("select severity, count(*) from findings group by all")

A run is read from its folder only — ``run.json``, each account's ``assessment.json`` and, for the inventory,
its ``snapshot.json.gz`` — and never written: no AWS call, no check run, nothing saved. The folder can be copied
or moved anywhere: every path is found from it.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from awsbp.assess import ASSESSMENT_FILE, Assessment, AssessmentError
from awsbp.errors import AwsbpError
from awsbp.findings import STATUS_ORDER
from awsbp.inventory import TABLES, Inventory
from awsbp.report.followup import results
from awsbp.report.followup.frames import Frame, friendly_table, stack, with_account
from awsbp.report.html import esc
from awsbp.report.summary import RUN_FILE, RunSummary
from awsbp.report.workbook import SNAPSHOT_FILE, Workbook, open_workbook, sample_snapshot_path, sample_workbook
from awsbp.snapshot import Snapshot, SnapshotError

REPORTS_DIR = "reports"
LATEST = "latest"
INVENTORY_TABLES = [name for names in TABLES.values() for name in names]
RESULT_TABLES = ["findings", "changes", "gaps", "suppressions", "accounts"]
STATUS_COUNTS = [*STATUS_ORDER, "suppressed"]
CHANGE_COUNTS = ["new", "fixed", "still_open", "not_compared"]


class RunError(AwsbpError):
    """A run cannot be found or read; the message says where awsbp looked and what to pass instead."""


# --- finding a run ------------------------------------------------------------------------------------
def _run_info(folder: Path) -> dict[str, Any]:
    try:
        raw = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _order(run_dir: Path) -> tuple[str, str, int]:
    """Latest last: by start time, then run id (``20261130T091500Z-2`` after ``20261130T091500Z``)."""
    base, _, suffix = run_dir.name.partition("-")
    return (str(_run_info(run_dir).get("started_at", "")), base, int(suffix) if suffix.isdigit() else 1)


def runs_under(folder: Path) -> list[Path]:
    """The run folders in a client folder (``reports/acme``) or a reports folder (``reports``), oldest first."""
    if not folder.is_dir():
        return []
    children = [p for p in folder.iterdir() if p.is_dir()]
    found = [p for p in children if (p / RUN_FILE).is_file()]
    if not found:
        found = [g for p in children for g in p.iterdir() if g.is_dir() and (g / RUN_FILE).is_file()]
    return sorted(found, key=_order)


def find_reports_dir(start: Path | None = None) -> tuple[Path | None, list[Path]]:
    """The nearest ``reports/`` folder in ``start`` (default: the current directory) or a parent; with every place
    looked at (for the error message)."""
    here = (start or Path.cwd()).resolve()
    looked = []
    for folder in [here, *here.parents]:
        candidate = folder / REPORTS_DIR
        looked.append(candidate)
        if candidate.is_dir():
            return candidate, looked
    return None, looked


def _pick(folder: Path, which: str, given: str) -> Path:
    runs = runs_under(folder)
    if not runs:
        raise RunError(f"no run in {folder} (given {given!r}, looked from {Path.cwd()}): a run folder holds {RUN_FILE}")
    if which == LATEST:
        return runs[-1]
    for run in runs:
        if run.name == which:
            return run
    names = ", ".join(r.name for r in runs[-5:])
    raise RunError(f"no run {which!r} in {folder}; its latest runs: {names} (or pass 'latest')")


def resolve_run(
    path: str | Path | None = None,
    which: str | None = None,
    *,
    client: str | None = None,
    reports: str | Path | None = None,
) -> Path:
    """The run folder :func:`open_run` opens (arguments as there); :class:`RunError` says where it looked."""
    if path in (None, ""):
        if reports is not None:
            base: Path | None = Path(reports).expanduser().resolve()
            looked: list[Path] = [Path(reports).expanduser().resolve()]
        else:
            base, looked = find_reports_dir()
        if base is None or not base.is_dir():
            places = ", ".join(str(p) for p in looked)
            raise RunError(
                f"no reports folder found (looked at {places}): pass a run folder, e.g. "
                "open_run('reports/<client>/<run-id>')"
            )
        folder = base / client if client else base
        return _pick(folder, which or LATEST, str(folder))
    given = Path(path).expanduser()
    folder = given.resolve()
    if folder.is_file():
        folder = folder.parent
    if which:
        return _pick(folder, which, str(path))
    if (folder / RUN_FILE).is_file():
        return folder
    if (folder / ASSESSMENT_FILE).is_file() and (folder.parent / RUN_FILE).is_file():
        return folder.parent  # an account folder: its run
    runs = runs_under(folder)
    if runs:
        raise RunError(
            f"{folder} holds {len(runs)} run(s), not one: pass a run's folder (the latest is {runs[-1]}), or in "
            f"Python open_run({str(path)!r}, 'latest')"
        )
    raise RunError(
        f"no run at {folder} (given {str(path)!r}, looked from {Path.cwd()}): pass a run folder — the one holding "
        f"{RUN_FILE}, e.g. reports/<client>/<run-id> — relative to the current directory or absolute"
    )


def open_run(
    path: str | Path | Run | None = None,
    which: str | None = None,
    *,
    client: str | None = None,
    reports: str | Path | None = None,
    sample_if_none: bool = False,
) -> Run:
    """Open a saved run for follow-up.

    ``path`` is a run folder (``reports/acme/<run-id>``; relative to the current directory or absolute; an account
    folder or any file of the run also works), or a client folder with ``which`` = ``"latest"`` or a run id. With no
    path: the latest run under the nearest ``reports/`` folder (here or in a parent; ``reports=`` names another),
    of ``client`` when given. ``sample_if_none=True`` gives the bundled sample account, assessed now, when no run
    is found (what the cookbook does with an empty ``run``). A :class:`Run` is returned as is.
    """
    if isinstance(path, Run):
        return path
    try:
        return Run.load(resolve_run(path, which, client=client, reports=reports))
    except RunError:
        if sample_if_none and path in (None, ""):
            return Run.sample()
        raise


# --- a run --------------------------------------------------------------------------------------------
class Run:
    """One run's saved results and evidence, as frames (see the module docstring). Built by :func:`open_run`."""

    def __init__(
        self,
        path: Path | None,
        info: dict[str, Any],
        accounts: list[dict[str, Any]],
        assessments: dict[str, Assessment],
        snapshots: dict[str, Path],
    ):
        self.path = path  # None for the bundled sample (assessed in memory)
        self.info = info
        self.account_list = accounts
        self.assessments = assessments  # account id -> saved assessment (assessed accounts only)
        self.snapshots = snapshots  # account id -> snapshot file
        self._inventories: dict[str, Inventory] = {}
        self._tables: dict[str, Frame] = {}
        self._sql: Any = None

    @classmethod
    def load(cls, folder: Path) -> Run:
        """Read a run folder (``run.json`` and every assessed account's ``assessment.json``)."""
        try:
            summary = RunSummary.load(folder)
        except (AssessmentError, KeyError, TypeError) as err:
            raise RunError(f"{folder}: cannot be read as a run ({err})") from None
        snapshots = {}
        for account in summary.accounts:
            account_id = account.get("account_id", "")
            if account_id in summary.assessments:
                snapshots[account_id] = folder / str(account.get("directory") or account_id) / SNAPSHOT_FILE
        return cls(folder, {**summary.run, "lang": summary.lang}, summary.accounts, summary.assessments, snapshots)

    @classmethod
    def sample(cls, lang: str = "en") -> Run:
        """The bundled sample account (from the simulated Organization), assessed now in memory: what the cookbook
        shows when there is no run yet."""
        assessment = sample_workbook("vpc", lang).assessment
        account = {"account_id": assessment.account_id, "name": assessment.account_name, "status": "ok"}
        info = {"client": "sample", "run_id": "sample", "lang": lang, "today": assessment.today.isoformat()}
        return cls(
            None, info, [account], {assessment.account_id: assessment}, {assessment.account_id: sample_snapshot_path()}
        )

    # --- facts -----------------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self.info.get("run_id") or (self.path.name if self.path else ""))

    @property
    def client(self) -> str:
        return str(self.info.get("client") or (self.path.parent.name if self.path else ""))

    @property
    def is_sample(self) -> bool:
        return self.path is None

    def name_of(self, account_id: str) -> str:
        for account in self.account_list:
            if account.get("account_id") == account_id:
                return str(account.get("name") or account_id)
        assessment = self.assessments.get(account_id)
        return assessment.account_name if assessment else account_id

    def _assessed(self) -> list[tuple[str, str, Assessment]]:
        return [(i, self.name_of(i), a) for i, a in self.assessments.items()]

    @cached_property
    def accounts(self) -> Frame:
        """One row per account of the run: status, error, folder, counts by status, and the previous run compared."""
        rows = []
        for account in self.account_list:
            account_id = str(account.get("account_id", ""))
            a = self.assessments.get(account_id)
            c = a.comparison if a else None
            rows.append(
                {
                    "account_id": account_id,
                    "account_name": self.name_of(account_id),
                    "status": account.get("status", ""),
                    "error": account.get("error", ""),
                    "is_assessed": a is not None,
                    "directory": account.get("directory", ""),
                    **(a.counts() if a else dict.fromkeys(STATUS_COUNTS)),
                    "compared_with": c.previous_run if c else "",
                    **(c.counts() if c and not c.problem else dict.fromkeys(CHANGE_COUNTS)),
                }
            )
        columns = ["account_id", "account_name", "status", "error", "is_assessed", "directory", *STATUS_COUNTS]
        frame = Frame(pd.DataFrame(rows, columns=[*columns, "compared_with", *CHANGE_COUNTS]))
        return frame.astype({"is_assessed": bool, **dict.fromkeys([*STATUS_COUNTS, *CHANGE_COUNTS], "Int64")})

    @cached_property
    def findings(self) -> Frame:
        """Every finding of every assessed account (see :func:`awsbp.report.followup.results.findings_frame`)."""
        return results.findings_frame(self._assessed(), self._tags)

    @cached_property
    def changes(self) -> Frame:
        """New, fixed and not-compared findings since each account's previous run."""
        return results.changes_frame(self._assessed())

    @cached_property
    def gaps(self) -> Frame:
        """Every API that could not be collected, the checks it left NOT_ASSESSED and the permission it needs."""
        return results.gaps_frame(self._assessed())

    @cached_property
    def suppressions(self) -> Frame:
        """Every suppression rule with its owner, expiry, days left and the findings it suppressed."""
        return results.suppressions_frame(self._assessed(), self._tags)

    # --- inventory -------------------------------------------------------------------------------
    @property
    def tables(self) -> list[str]:
        """The inventory tables :meth:`inventory` gives (``run.sql`` also has ``findings``, ``changes``, ``gaps``,
        ``suppressions`` and ``accounts``)."""
        return list(INVENTORY_TABLES)

    def _inventory_of(self, account_id: str) -> Inventory:
        if account_id not in self._inventories:
            path = self.snapshots[account_id]
            try:
                snapshot = Snapshot.load(path)
            except (OSError, SnapshotError, ValueError) as err:
                raise RunError(f"{path}: the account's snapshot cannot be read ({err})") from None
            self._inventories[account_id] = Inventory(snapshot, self.assessments[account_id].settings)
        return self._inventories[account_id]

    def _tags(self, account_id: str) -> dict[str, dict[str, str]]:
        return self._inventory_of(account_id).resource_tags

    def inventory(self, name: str) -> Frame:
        """One inventory table across every assessed account, ``account_id`` and ``account_name`` first; times are
        ``datetime64[ns, UTC]`` with ages in days, and names joined where a question needs them."""
        if name not in INVENTORY_TABLES:
            raise RunError(f"no inventory table {name!r}; tables: {', '.join(INVENTORY_TABLES)}")
        if name not in self._tables:
            frames = [
                with_account(friendly_table(name, self._inventory_of(i)), i, self.name_of(i)) for i in self.assessments
            ]
            if not frames:  # no assessed account: the table's columns all the same
                empty = Inventory(Snapshot(meta={"account_id": "000000000000", "regions": []}))
                frames = [with_account(friendly_table(name, empty), "", "")]
            self._tables[name] = stack(frames)
        return self._tables[name]

    def table(self, name: str) -> Frame:
        """Any table by name: an inventory table or one of ``findings``, ``changes``, ``gaps``, ``suppressions``,
        ``accounts``."""
        if name in RESULT_TABLES:
            return getattr(self, name)
        return self.inventory(name)

    # --- one account -----------------------------------------------------------------------------
    def account(self, key: str) -> RunAccount:
        """One account of the run, by name or id (or folder name)."""
        for account in self.account_list:
            account_id = str(account.get("account_id", ""))
            names = {account_id, str(account.get("name") or ""), str(account.get("directory") or "")} - {""}
            if key in names or key.lower() in {n.lower() for n in names}:
                if account_id not in self.assessments:
                    why = account.get("error") or "no assessment was saved"
                    raise RunError(f"account {key!r} was not assessed in run {self.run_id}: {why}")
                return RunAccount(self, account_id)
        known = ", ".join(
            f"{self.name_of(str(a.get('account_id')))} ({a.get('account_id')})" for a in self.account_list
        )
        raise RunError(f"no account {key!r} in run {self.run_id}; accounts: {known}")

    # --- SQL -------------------------------------------------------------------------------------
    def sql(self, query: str) -> Frame:
        """A DuckDB query over the run's tables (every inventory table and ``findings``, ``changes``, ``gaps``,
        ``suppressions``, ``accounts``), as a frame. The engine sees these tables only: no file is read or written.
        A bad query raises :class:`awsbp.report.followup.sql.QueryError` with DuckDB's message on one line."""
        from awsbp.report.followup.sql import RunSql

        if self._sql is None:
            self._sql = RunSql(self.table, [*RESULT_TABLES, *INVENTORY_TABLES])
        return self._sql.query(query)

    # --- display ---------------------------------------------------------------------------------
    def describe(self) -> str:
        where = "the bundled sample account, assessed now (no run found)" if self.is_sample else str(self.path)
        assessed = len(self.assessments)
        return (
            f"run {self.client}/{self.run_id}: {len(self.account_list)} account(s), {assessed} assessed, "
            f"{sum(len(a.findings) for a in self.assessments.values())} findings — {where}"
        )

    def __repr__(self) -> str:
        return f"<Run {self.describe()}>"

    def _repr_html_(self) -> str:
        return f"<p><b>{esc(self.describe())}</b></p>{self.accounts._repr_html_()}"


class RunAccount:
    """One assessed account of a run: its findings, changes, gaps, inventory, assessment and domain workbooks."""

    def __init__(self, run: Run, account_id: str):
        self.run = run
        self.account_id = account_id
        self.account_name = run.name_of(account_id)
        self.assessment = run.assessments[account_id]

    @property
    def folder(self) -> Path | None:
        """The account's folder in the run (``None`` for the bundled sample)."""
        return None if self.run.is_sample else self.run.snapshots[self.account_id].parent

    def _mine(self, frame: Frame) -> Frame:
        return Frame(frame[frame["account_id"] == self.account_id].reset_index(drop=True))

    @property
    def findings(self) -> Frame:
        return self._mine(self.run.findings)

    @property
    def changes(self) -> Frame:
        return self._mine(self.run.changes)

    @property
    def gaps(self) -> Frame:
        return self._mine(self.run.gaps)

    def inventory(self, name: str) -> Frame:
        return self._mine(self.run.inventory(name))

    @property
    def snapshot(self) -> Snapshot:
        """The account's raw API data."""
        return self.run._inventory_of(self.account_id).snapshot

    def workbook(self, domain: str, lang: str = "") -> Workbook:
        """The account's domain workbook (``vpc``, ``iam``, ``devtools``) — what its report notebook shows."""
        if self.folder is None:
            book = Workbook(self.assessment, domain, snapshot_path=sample_snapshot_path(), recomputed="sample")
            return book if not lang or lang == self.assessment.lang else open_workbook("", domain=domain, lang=lang)
        return open_workbook(self.folder, domain=domain, lang=lang)

    def __repr__(self) -> str:
        return f"<RunAccount {self.account_name} ({self.account_id}) of run {self.run.run_id}>"
