"""The run view (the run's index): every account × domain, top risks, cross-account findings, and the gaps.

Reads what a run saved — ``run.json`` and each account's ``assessment.json`` — never a snapshot, never AWS, and
runs no check: the numbers here are the assessments' numbers, the same the domain reports and exports show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from awsbp.assess import ASSESSMENT_FILE, Assessment, AssessmentError
from awsbp.catalog import Catalog
from awsbp.domains import DOMAINS, domain_of
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding
from awsbp.report import palette
from awsbp.report.html import HTMLBlock, embed, esc, figure, table
from awsbp.report.workbook import sample_workbook

RUN_FILE = "run.json"
TOP_RISKS = 20
FRAME_COLUMNS = [
    "account_id",
    "account_name",
    "domain",
    "check_id",
    "status",
    "severity",
    "region",
    "resource_name",
    "detail",
    "suppressed",
    "cross_account",
    "finding_id",
]


@dataclass
class RunSummary:
    """The run's facts, its accounts (as run.json lists them) and each assessed account's assessment."""

    accounts: list[dict[str, Any]]
    assessments: dict[str, Assessment]  # account id -> its assessment (assessed accounts only)
    run: dict[str, Any] = field(default_factory=dict)  # run.json's facts: client, run_id, started_at, …
    lang: str = "ja"

    @classmethod
    def load(cls, run_dir: str | Path) -> RunSummary:
        """From a run directory: run.json and ``<account>/assessment.json``; one clear error for a broken file."""
        run_dir = Path(run_dir)
        try:
            run = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise AssessmentError(f"{run_dir / RUN_FILE}: cannot be read ({err})") from None
        assessments = {}
        for account in run["accounts"]:
            folder = run_dir / (account.get("directory") or "-")
            if account.get("status") != "failed" and (folder / ASSESSMENT_FILE).is_file():
                assessments[account["account_id"]] = Assessment.load(folder / ASSESSMENT_FILE)
        facts = {k: v for k, v in run.items() if k != "accounts"}
        return cls(run["accounts"], assessments, facts, str(run.get("lang", "ja")))

    @classmethod
    def sample(cls, lang: str = "ja") -> RunSummary:
        """The bundled sample account, assessed now (the notebook's offline default)."""
        assessment = sample_workbook(DOMAINS[0].key, lang).assessment
        account = {
            "account_id": assessment.account_id,
            "name": assessment.account_name,
            "status": "ok",
            "reports": [],
            "exports": [],
            "directory": assessment.account_id,
        }
        return cls([account], {assessment.account_id: assessment}, {}, lang)

    @property
    def findings(self) -> list[Finding]:
        return [f for a in self.assessments.values() for f in a.findings]

    @property
    def cross_account(self) -> list[Finding]:
        return [f for f in self.findings if f.cross_account]

    def frame(self) -> pd.DataFrame:
        """Every finding of every assessed account, with its account's name and domain."""
        rows = [
            {
                **f.to_dict(),
                "account_name": a.account_name,
                "domain": domain_of(f.check_id).key,
            }
            for a in self.assessments.values()
            for f in a.findings
        ]
        return pd.DataFrame(rows, columns=FRAME_COLUMNS) if rows else pd.DataFrame(columns=FRAME_COLUMNS)


def open_summary(run_dir: str | Path = "", *, lang: str = "") -> Summary:
    """What 00_summary's first cell calls: a run folder (relative to the notebook, or absolute); empty summarises
    the bundled sample account (assessed now, and the page says so)."""
    if run_dir:
        data = RunSummary.load(Path(run_dir).expanduser().resolve())
        return Summary(data, lang or data.lang)
    return Summary(RunSummary.sample(lang or "ja"), lang or "ja", recomputed=True)


class Summary:
    """The summary's display pieces."""

    def __init__(self, data: RunSummary, lang: str, *, recomputed: bool = False):
        self.data = data
        self.catalog = Catalog(lang)
        self.recomputed = recomputed
        self.frame = data.frame()

    def _names(self) -> dict[str, str]:
        return {a.get("account_id", ""): a.get("name") or a.get("account_id", "") for a in self.data.accounts}

    def title(self) -> HTMLBlock:
        ui = self.catalog.ui
        note = f'<p class="note recomputed">{esc(ui("recomputed_sample"))}</p>' if self.recomputed else ""
        return HTMLBlock(f"<h1>{esc(ui('summary_title'))}</h1>{note}<p>{esc(ui('summary_lead'))}</p>")

    def heatmap(self) -> HTMLBlock:
        """Accounts (rows) × domain and status (columns): the assessments' counts; an account that could not be
        assessed shows "not assessed", never zeros."""
        ui = self.catalog.ui
        head = "".join(
            f'<th colspan="{len(STATUS_ORDER)}">{esc(self.catalog.domain(d.key).title)}</th>' for d in DOMAINS
        )
        sub = "".join(
            f'<th class="num"><span class="badge st-{s}">{esc(self.catalog.status(s))}</span></th>'
            for _ in DOMAINS
            for s in STATUS_ORDER
        )
        body = []
        for account in self.data.accounts:
            account_id = account.get("account_id", "")
            name = account.get("name") or account_id
            assessment = self.data.assessments.get(account_id)
            label = f"<td>{esc(name)}<br><small>{esc(account_id)}</small></td>"
            if assessment is None:
                span = len(DOMAINS) * len(STATUS_ORDER)
                body.append(
                    f'<tr data-account="{esc(account_id)}">{label}'
                    f'<td colspan="{span}" class="not-assessed">{esc(ui("acct_failed"))}</td></tr>'
                )
                continue
            cells = ""
            for d in DOMAINS:
                counts = assessment.counts(assessment.of_domain(d.key))
                cells += "".join(
                    f'<td class="num" data-domain="{d.key}" data-status="{s}">{counts[s]}</td>' for s in STATUS_ORDER
                )
            body.append(f'<tr data-account="{esc(account_id)}">{label}{cells}</tr>')
        failed = [a for a in self.data.accounts if a.get("account_id", "") not in self.data.assessments]
        notes = "".join(f"<li>{esc(a.get('name'))}: {esc(a.get('error'))}</li>" for a in failed)
        return HTMLBlock(
            f"<h2>{esc(ui('summary_heatmap'))}</h2>"
            f'<table class="awsbp"><thead><tr><th rowspan="2">{esc(ui("col_account"))}</th>{head}</tr>'
            f"<tr>{sub}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + (f"<p><b>{esc(ui('summary_failed_accounts'))}</b></p><ul>{notes}</ul>" if notes else "")
            + self._chart()
        )

    def _chart(self) -> str:
        """FAIL findings (not suppressed) per assessed account, stacked by severity."""
        names = {a: n for a, n in self._names().items() if a in self.data.assessments}
        fig = figure(7, 0.5 * max(len(names), 1) + 1.2)
        ax = fig.subplots()
        labels = list(names.values())
        left = pd.Series(0, index=labels)
        fails = self.frame[(self.frame["status"] == "FAIL") & ~self.frame["suppressed"].astype(bool)]
        for severity in SEVERITY_ORDER:
            counts = pd.Series(
                [int(((fails["account_id"] == a) & (fails["severity"] == severity)).sum()) for a in names],
                index=labels,
            )
            colour = palette.SEVERITY[severity][0]
            ax.barh(labels, counts, left=left, color=colour, label=self.catalog.severity(severity))
            left += counts
        ax.invert_yaxis()
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=5, fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return embed(fig, self.catalog.ui("summary_chart_alt"))

    def _table(self, rows: pd.DataFrame, title_key: str, empty_key: str) -> HTMLBlock:
        ui = self.catalog.ui
        if rows.empty:
            return HTMLBlock(f"<h2>{esc(ui(title_key))}</h2><p>{esc(ui(empty_key))}</p>")
        names = self._names()
        cols = ["col_account", "col_check", "col_severity", "col_region", "col_resource", "col_detail"]
        body = [
            f"<tr><td>{esc(names.get(r.account_id, r.account_id))}</td><td>{esc(r.check_id)}</td>"
            f'<td><span class="sev sev-{esc(r.severity)}">{esc(self.catalog.severity(r.severity))}</span></td>'
            f"<td>{esc(r.region)}</td><td>{esc(r.resource_name)}</td><td>{esc(r.detail)}</td></tr>"
            for r in rows.itertuples()
        ]
        return HTMLBlock(f"<h2>{esc(ui(title_key))}</h2>" + table([esc(ui(c)) for c in cols], body))

    def top_risks(self) -> HTMLBlock:
        """The most severe FAIL findings across every account."""
        f = self.frame[(self.frame["status"] == "FAIL") & ~self.frame["suppressed"].astype(bool)].copy()
        f["rank"] = f["severity"].map(SEVERITY_ORDER.index)
        return self._table(f.sort_values(["rank", "check_id"]).head(TOP_RISKS), "summary_top_risks", "summary_none")

    def cross_account(self) -> HTMLBlock:
        """Checks that need several accounts (BP-IAM-06, BP-VPC-06), attributed to the accounts they concern."""
        rows = self.frame[self.frame["cross_account"].astype(bool)]
        return self._table(rows, "summary_cross_account", "summary_cross_account_none")

    def not_assessed(self) -> HTMLBlock:
        """Every NOT_ASSESSED finding of the run: gaps, so that nobody mistakes them for a clean bill."""
        rows = self.frame[self.frame["status"] == "NOT_ASSESSED"]
        return self._table(rows, "summary_not_assessed", "summary_none")

    def accounts(self) -> HTMLBlock:
        """The run's facts and every account: status and error, changes since the previous run, collection
        gaps, links to its reports and exports (this report is the run's index)."""
        from awsbp.report.index import run_accounts_html

        ui = self.catalog.ui
        return HTMLBlock(
            f"<h2>{esc(ui('summary_reports'))}</h2>"
            + run_accounts_html(self.data.run, self.data.accounts, self.catalog.lang)
        )
