"""The run summary (``00_summary``): every account × domain, top risks, cross-account checks, and the gaps.

Reads what a run wrote (run.json, each account's findings.json and snapshot) — never AWS. Cross-account
checks that need several snapshots (BP-IAM-06's same person in several accounts, BP-VPC-06's dev account
against the prod account) run here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from awsbp.catalog import Catalog
from awsbp.checks.cross_account import cross_account_findings as _cross
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_checks
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding, read_json, write_json
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.snapshot import Snapshot
from awsbp.workbook import HTMLBlock, _embed, _pyplot, esc, sample_snapshot_path

CROSS_ACCOUNT_FILE = "cross_account_findings.json"
TOP_RISKS = 20


@dataclass
class RunSummary:
    """Findings of every account of a run, with the cross-account findings."""

    accounts: list[dict[str, Any]]
    findings: list[Finding]
    cross_account: list[Finding] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)  # run.json's facts: client, run_id, started_at, …

    @classmethod
    def load(cls, run_dir: Path, lang: str = "ja", settings: Settings | None = None) -> RunSummary:
        """From a run directory: run.json, ``<account>/findings.json`` and ``<account>/snapshot.json.gz``."""
        run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        findings: list[Finding] = []
        inventories = []
        for account in run["accounts"]:
            folder = run_dir / (account.get("directory") or account.get("account_id") or "-")
            if (folder / "findings.json").is_file():
                findings += read_json(folder / "findings.json")
            if (folder / "snapshot.json.gz").is_file():
                inventories.append(Inventory(Snapshot.load(folder / "snapshot.json.gz"), settings))
        facts = {k: v for k, v in run.items() if k != "accounts"}
        return cls(run["accounts"], findings, cross_account_findings(inventories, lang), facts)

    @classmethod
    def from_snapshots(cls, paths: list[Path], lang: str = "ja", settings: Settings | None = None) -> RunSummary:
        """Without a run (the notebook's offline default): findings computed from snapshots."""
        catalog = Catalog(lang)
        inventories = [Inventory(Snapshot.load(p), settings) for p in paths]
        findings = [f for inv in inventories for f in catalog.localize(run_checks(inv, inv.settings))]
        accounts = [
            {
                "account_id": inv.account_id,
                "name": inv.snapshot.meta.get("account_name", inv.account_id),
                "status": "ok",
                "reports": [],
                "directory": inv.account_id,
            }
            for inv in inventories
        ]
        return cls(accounts, findings, cross_account_findings(inventories, lang))

    def frame(self) -> pd.DataFrame:
        rows = [
            {**f.to_dict(), "domain": REGISTRY[f.check_id].domain if f.check_id in REGISTRY else "?"}
            for f in [*self.findings, *self.cross_account]
        ]
        cols = [
            "account_id",
            "domain",
            "check_id",
            "status",
            "severity",
            "region",
            "resource_name",
            "detail",
            "suppressed",
        ]
        return pd.DataFrame(rows)[cols] if rows else pd.DataFrame(columns=cols)


def cross_account_findings(inventories: list[Inventory], lang: str = "ja") -> list[Finding]:
    """Checks that need several accounts: BP-IAM-06 (the same person with users in several accounts) and
    BP-VPC-06 (a dev account's VPC against the prod account's VPC of the same system)."""
    found = _cross(inventories)
    return Catalog(lang).localize(found)


def save_cross_account(summary: RunSummary, run_dir: Path) -> Path:
    """Cross-account findings beside the run's index (every status)."""
    path = run_dir / CROSS_ACCOUNT_FILE
    write_json(summary.cross_account, path)
    return path


def open_summary(run_dir: str | Path = "", *, lang: str = "ja", settings: dict[str, Any] | None = None) -> Summary:
    """What 00_summary's first cell calls: an empty ``run_dir`` summarises the bundled sample account."""
    parsed = Settings.model_validate(settings or {})
    if run_dir:
        return Summary(RunSummary.load(Path(run_dir), lang, parsed), lang)
    return Summary(RunSummary.from_snapshots([sample_snapshot_path()], lang, parsed), lang)


class Summary:
    """The summary's display pieces."""

    def __init__(self, data: RunSummary, lang: str):
        self.data = data
        self.catalog = Catalog(lang)
        self.frame = data.frame()

    def _names(self) -> dict[str, str]:
        return {a.get("account_id", ""): a.get("name") or a.get("account_id", "") for a in self.data.accounts}

    def title(self) -> HTMLBlock:
        ui = self.catalog.ui
        return HTMLBlock(f"<h1>{esc(ui('summary_title'))}</h1><p>{esc(ui('summary_lead'))}</p>")

    def heatmap(self) -> HTMLBlock:
        """Accounts (rows) × domain and status (columns): counts, coloured where non-zero."""
        ui, frame = self.catalog.ui, self.frame
        domains = sorted(set(frame["domain"]))
        head = "".join(f'<th colspan="{len(STATUS_ORDER)}">{esc(d)}</th>' for d in domains)
        sub = "".join(f'<th class="st-{s}">{esc(s)}</th>' for _ in domains for s in STATUS_ORDER)
        body = []
        for account_id, name in self._names().items():
            mine = frame[(frame["account_id"] == account_id) & ~frame["suppressed"].astype(bool)]
            cells = ""
            for d in domains:
                for s in STATUS_ORDER:
                    n = int(((mine["domain"] == d) & (mine["status"] == s)).sum())
                    cells += f'<td class="{"st-" + s if n else ""}">{n}</td>'
            body.append(f"<tr><td>{esc(name)}<br><small>{esc(account_id)}</small></td>{cells}</tr>")
        failed = [a for a in self.data.accounts if a.get("status") == "failed"]
        notes = "".join(f"<li>{esc(a.get('name'))}: {esc(a.get('error'))}</li>" for a in failed)
        return HTMLBlock(
            f"<h2>{esc(ui('summary_heatmap'))}</h2>"
            f'<table class="awsbp"><thead><tr><th rowspan="2">{esc(ui("col_account"))}</th>{head}</tr>'
            f"<tr>{sub}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + (f"<p><b>{esc(ui('summary_failed_accounts'))}</b></p><ul>{notes}</ul>" if notes else "")
            + self._chart()
        )

    def _chart(self) -> str:
        plt, _ = _pyplot()
        fails = self.frame[(self.frame["status"] == "FAIL") & ~self.frame["suppressed"].astype(bool)]
        names = self._names()
        fig, ax = plt.subplots(figsize=(7, 0.5 * max(len(names), 1) + 1.2), dpi=90)
        left = pd.Series(0, index=list(names))
        colours = ["#7a1d1d", "#d64545", "#e0a030", "#5b8def", "#8a8f98"]
        for severity, colour in zip(SEVERITY_ORDER, colours, strict=True):
            counts = pd.Series(
                {a: int(((fails["account_id"] == a) & (fails["severity"] == severity)).sum()) for a in names}
            )
            ax.barh(list(names), counts, left=left, color=colour, label=severity)
            left += counts
        ax.invert_yaxis()
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=5, fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return _embed(fig, "FAIL findings by account and severity")

    def _table(self, rows: pd.DataFrame, title_key: str, empty_key: str) -> HTMLBlock:
        ui = self.catalog.ui
        if rows.empty:
            return HTMLBlock(f"<h2>{esc(ui(title_key))}</h2><p>{esc(ui(empty_key))}</p>")
        names = self._names()
        cols = ["col_account", "col_check", "col_severity", "col_region", "col_resource", "col_detail"]
        head = "".join(f"<th>{esc(ui(c))}</th>" for c in cols)
        body = "".join(
            f"<tr><td>{esc(names.get(r.account_id, r.account_id))}</td><td>{esc(r.check_id)}</td>"
            f'<td class="sev-{esc(r.severity)}">{esc(r.severity)}</td><td>{esc(r.region)}</td>'
            f"<td>{esc(r.resource_name)}</td><td>{esc(r.detail)}</td></tr>"
            for r in rows.itertuples()
        )
        return HTMLBlock(
            f"<h2>{esc(ui(title_key))}</h2>"
            f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )

    def top_risks(self) -> HTMLBlock:
        """The most severe FAIL findings across every account."""
        f = self.frame[(self.frame["status"] == "FAIL") & ~self.frame["suppressed"].astype(bool)].copy()
        f["rank"] = f["severity"].map(SEVERITY_ORDER.index)
        return self._table(f.sort_values(["rank", "check_id"]).head(TOP_RISKS), "summary_top_risks", "summary_none")

    def cross_account(self) -> HTMLBlock:
        """Checks that need several accounts (BP-IAM-06: the same person with users in several accounts)."""
        rows = pd.DataFrame([f.to_dict() for f in self.data.cross_account])
        return self._table(rows, "summary_cross_account", "summary_cross_account_none")

    def not_assessed(self) -> HTMLBlock:
        """Every NOT_ASSESSED finding of the run: gaps, so that nobody mistakes them for a clean bill."""
        rows = self.frame[self.frame["status"] == "NOT_ASSESSED"]
        return self._table(rows, "summary_not_assessed", "summary_none")

    def accounts(self) -> HTMLBlock:
        """The run's facts and every account: status and error, changes since the previous run, collection
        gaps, links to its reports and exports (this report is the run's index)."""
        from awsbp.render import run_accounts_html

        ui = self.catalog.ui
        accounts = [
            {**a, "collection_errors": len(a.get("collection_errors") or [])}
            if isinstance(a.get("collection_errors"), list)
            else a
            for a in self.data.accounts
        ]
        return HTMLBlock(
            f"<h2>{esc(ui('summary_reports'))}</h2>" + run_accounts_html(self.data.run, accounts, self.catalog.lang)
        )
