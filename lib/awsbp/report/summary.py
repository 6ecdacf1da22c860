"""The run view (the run's index): every account × domain, top risks, cross-account findings, and the gaps.

Reads what a run saved — ``run.json`` and each account's ``assessment.json`` — never a snapshot, never AWS, and
runs no check: the numbers here are the assessments' numbers, the same the domain reports and exports show.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from awsbp.assess import Assessment, AssessmentError
from awsbp.catalog import Catalog
from awsbp.checks.registry import specs
from awsbp.domains import DOMAINS, domain_of
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding
from awsbp.report import palette
from awsbp.report.chart import stacked_bar_chart
from awsbp.report.html import HTMLBlock, css_string, esc, markdown, table
from awsbp.report.workbook import sample_workbook
from awsbp.runfiles import ASSESSMENT_FILE, CROSS_ACCOUNT_FILE, DOCUMENT_FILE, RUN_FILE

URGENT = ("critical", "high")
# One cause, one action: an AWS key found in code is one problem whichever check saw it (BP-IAM-04 and BP-DEV-01..03)
SAME_CAUSE = {
    ("BP-IAM-04", "access_key_in_code"): "aws_keys_in_code",
    ("BP-DEV-01", "aws_key_in_env"): "aws_keys_in_code",
    ("BP-DEV-02", "aws_key_in_plaintext"): "aws_keys_in_code",
    ("BP-DEV-03", "aws_key_in_user_data"): "aws_keys_in_code",
}
FRAME_COLUMNS = [
    "account_id",
    "reason",
    "resource_id",
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
    folder: Path | None = None  # the run folder (links to its other documents)

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
        return cls(run["accounts"], assessments, facts, str(run.get("lang", "ja")), run_dir)

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

    def title(self, heading: str = "summary_title") -> HTMLBlock:
        """The cover: confidential marking, client, what was assessed and when, the tool's version (``heading``:
        the catalog key of the title)."""
        ui, cat, run = self.catalog.ui, self.catalog, self.data.run
        note = f'<p class="note recomputed">{esc(ui("recomputed_sample"))}</p>' if self.recomputed else ""
        client = str(run.get("client") or "")
        heading = f"{ui(heading)} — {client}" if client else ui(heading)
        started = cat.when(run.get("started_at"), str(run.get("timezone") or "UTC"))
        assessed = [a for a in self.data.accounts if a.get("account_id") in self.data.assessments]
        regions = sorted({r for a in self.data.assessments.values() for r in a.regions})
        facts = [
            (ui("run_client"), client),
            (ui("scope_accounts"), ", ".join(f"{a.get('name')} ({a.get('account_id')})" for a in assessed)),
            (ui("scope_regions"), ", ".join(regions)),
            (ui("scope_date"), started),
            (ui("run_id"), str(run.get("run_id") or "")),
            (ui("run_tool_version"), str(run.get("tool_version") or "")),
        ]
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v)
        label = f"{client}  {ui('confidential')}".strip()
        running = (
            "<style>@page { @top-left { content: " + css_string(label) + "; font-size: 8pt; color: #57606a; } }</style>"
        )
        links = [
            (name, ui(label))
            for name, label in ((DOCUMENT_FILE, "link_document"), (CROSS_ACCOUNT_FILE, "link_cross_account"))
            if self.data.folder is not None and (self.data.folder / name).is_file()
        ]
        documents = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for href, label in links)
        return HTMLBlock(
            f'<header class="report-head"><p class="confidential">{esc(ui("confidential"))}</p>'
            f'<h1>{esc(heading)}</h1>{note}<dl class="run">{dl}</dl>{running}</header>'
            f"<p>{esc(ui('summary_lead'))}</p>" + (f'<ul class="documents">{documents}</ul>' if documents else "")
        )

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
        fails = self.frame[(self.frame["status"] == "FAIL") & ~self.frame["suppressed"].astype(bool)]
        per_account = fails.groupby(["account_id", "severity"]).size()
        rows = [(name, [int(per_account.get((a, s), 0)) for s in SEVERITY_ORDER]) for a, name in names.items()]
        series = [(self.catalog.severity(s), palette.SEVERITY[s][0]) for s in SEVERITY_ORDER]
        return stacked_bar_chart(rows, series, title=self.catalog.ui("summary_chart_alt"))

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

    # --- executive summary --------------------------------------------------------------------
    def _shown(self) -> pd.DataFrame:
        """Findings counted on this page: every account's, suppressed ones left out."""
        return self.frame[~self.frame["suppressed"].astype(bool)]

    def actions(self) -> list[dict[str, Any]]:
        """Every critical and high FAIL, grouped so that one cause is one action (most severe first): ``{key,
        severity, checks, findings, accounts, resources, href}``."""
        fails = self._shown()
        fails = fails[(fails["status"] == "FAIL") & fails["severity"].isin(URGENT)]
        groups: dict[str, dict[str, Any]] = {}
        for row in fails.itertuples():
            key = SAME_CAUSE.get((row.check_id, row.reason)) or f"{row.check_id}:{row.reason}"
            group = groups.setdefault(
                key, {"key": key, "severity": row.severity, "checks": [], "rows": [], "accounts": set()}
            )
            if SEVERITY_ORDER.index(row.severity) < SEVERITY_ORDER.index(group["severity"]):
                group["severity"] = row.severity
            if row.check_id not in group["checks"]:
                group["checks"].append(row.check_id)
            group["rows"].append(row)
            group["accounts"].add(row.account_id)
        out = sorted(groups.values(), key=lambda g: (SEVERITY_ORDER.index(g["severity"]), g["checks"][0]))
        directories = {a.get("account_id"): a.get("directory") for a in self.data.accounts}
        order = {account_id: n for n, account_id in enumerate(directories)}
        for group in out:
            # the link opens the account with the most resources concerned (ties: the params file's order), never
            # whichever account happened to finish first
            per_account = Counter(a for a, _ in {(r.account_id, r.resource_id) for r in group["rows"]})
            target = min(per_account, key=lambda a: (-per_account[a], order.get(a, len(order)), a))
            check_id = next(r.check_id for r in group["rows"] if r.account_id == target)
            folder = directories.get(target) or target
            group["href"] = f"{folder}/{domain_of(check_id).notebook}.html#{check_id}"
            group["resources"] = len({(r.account_id, r.resource_id) for r in group["rows"]})
        return out

    def executive(self) -> HTMLBlock:
        """Posture in two sentences, counts by severity and status, every urgent action, changes since last time."""
        ui, cat = self.catalog.ui, self.catalog
        shown = self._shown()
        counts = shown["status"].value_counts()
        fails = shown[shown["status"] == "FAIL"]
        by_severity = fails["severity"].value_counts()
        actions = self.actions()
        if by_severity.get("critical", 0):
            posture = ui("posture_critical")
        elif by_severity.get("high", 0):
            posture = ui("posture_high")
        else:
            posture = ui("posture_other") if len(fails) else ui("posture_clean")
        assessed = len(self.data.assessments)
        today = self.data.run.get("today") or next((str(a.today) for a in self.data.assessments.values()), "")
        lead = ui(
            "exec_lead",
            assessed=assessed,
            accounts=len(self.data.accounts),
            date=cat.day(date.fromisoformat(today)) if today else "-",
            actions=len(actions),
            critical=int(by_severity.get("critical", 0)),
            high=int(by_severity.get("high", 0)),
            review=int(counts.get("REVIEW", 0)),
            not_assessed=int(counts.get("NOT_ASSESSED", 0)),
        )
        failed = [
            str(a.get("name") or a.get("account_id"))
            for a in self.data.accounts
            if a.get("account_id") not in self.data.assessments
        ]
        missing = f"<p><b>{esc(ui('exec_not_assessed_accounts', names=', '.join(failed)))}</b></p>" if failed else ""
        parts = [f'<section class="executive"><h2 id="executive">{esc(ui("exec_title"))}</h2>']
        parts.append(f'<p class="posture"><b>{esc(posture)}</b> {esc(lead)}</p>{missing}')
        parts.append(self._counts_table(shown))
        changes = self._changes_line()
        if changes:
            parts.append(f"<p>{esc(changes)}</p>")
        parts.append(self._actions_table(actions))
        parts.append("</section>")
        return HTMLBlock("".join(parts))

    def _counts_table(self, shown: pd.DataFrame) -> str:
        ui, cat = self.catalog.ui, self.catalog
        head = [esc(ui("col_severity"))] + [
            f'<span class="badge st-{s}">{esc(cat.status(s))}</span>' for s in STATUS_ORDER
        ]
        body = []
        for severity in SEVERITY_ORDER:
            mine = shown[shown["severity"] == severity]["status"].value_counts()
            cells = "".join(
                f'<td class="num" data-severity="{severity}" data-status="{s}">{int(mine.get(s, 0))}</td>'
                for s in STATUS_ORDER
            )
            body.append(
                f'<tr><td><span class="sev sev-{severity}">{esc(cat.severity(severity))}</span></td>{cells}</tr>'
            )
        totals = shown["status"].value_counts()
        cells = "".join(f'<td class="num"><b>{int(totals.get(s, 0))}</b></td>' for s in STATUS_ORDER)
        body.append(f"<tr><td><b>{esc(ui('col_total'))}</b></td>{cells}</tr>")
        return (
            f"<h3>{esc(ui('exec_counts_title'))}</h3>"
            + table(head, body, "awsbp counts")
            + f'<p class="note">{esc(ui("exec_counts_note"))}</p>'
        )

    def _changes_line(self) -> str:
        comparisons = [
            a.comparison for a in self.data.assessments.values() if a.comparison and not a.comparison.problem
        ]
        if not comparisons:
            return ""
        totals = {k: sum(c.counts()[k] for c in comparisons) for k in ("new", "fixed", "still_open", "not_compared")}
        runs = sorted({c.previous_run for c in comparisons})
        return self.catalog.ui("exec_changes", previous_run=", ".join(runs), **totals)

    def _actions_table(self, actions: list[dict[str, Any]]) -> str:
        ui, cat = self.catalog.ui, self.catalog
        title = f'<h3 id="actions">{esc(ui("actions_title"))}</h3><p>{esc(ui("actions_lead"))}</p>'
        if not actions:
            return title + f"<p>{esc(ui('actions_none'))}</p>"
        names = self._names()
        body = []
        for number, action in enumerate(actions, start=1):
            key = action["key"]
            text = ui(key) if ":" not in key else cat.check(action["checks"][0]).title
            accounts = ", ".join(sorted(names.get(a, a) for a in action["accounts"]))
            count = ui("action_count", resources=action["resources"], accounts=len(action["accounts"]))
            checks = ", ".join(action["checks"])
            body.append(
                f'<tr data-action="{esc(key)}"><td class="num">{number}</td>'
                f'<td><span class="sev sev-{action["severity"]}">{esc(cat.severity(action["severity"]))}</span></td>'
                f'<td><a href="{esc(action["href"])}">{esc(text)}</a><br><small>{esc(checks)}</small></td>'
                f"<td>{esc(count)}<br><small>{esc(accounts)}</small></td></tr>"
            )
        head = ["#", esc(ui("col_severity")), esc(ui("col_action")), esc(ui("col_affected"))]
        return title + table(head, body)

    def scope(self) -> HTMLBlock:
        """What was assessed (accounts, regions, domains, date, version) and what was not; where the practices
        come from, which article point each check implements, what goes beyond it and where a verdict departs."""
        ui, cat, run = self.catalog.ui, self.catalog, self.data.run
        article = cat.article()
        assessed = [a for a in self.data.accounts if a.get("account_id") in self.data.assessments]
        failed = [a for a in self.data.accounts if a.get("account_id") not in self.data.assessments]
        regions = sorted({r for a in self.data.assessments.values() for r in a.regions})
        timezone = str(run.get("timezone") or "UTC")
        collected = sorted(a.collected_at for a in self.data.assessments.values() if a.collected_at)
        gaps = self.frame[self.frame["status"] == "NOT_ASSESSED"]["check_id"].nunique()
        facts = [
            (
                ui("scope_accounts"),
                ", ".join(f"{a.get('name')} ({a.get('account_id')})" for a in assessed) or ui("none_word"),
            ),
            (
                ui("scope_failed"),
                ", ".join(f"{a.get('name')} ({a.get('account_id')})" for a in failed) or ui("none_word"),
            ),
            (ui("scope_regions"), ", ".join(regions) or "-"),
            (ui("scope_domains"), ", ".join(cat.domain(d.key).title for d in DOMAINS)),
            (ui("scope_collected"), cat.when(collected[0], timezone) if collected else "-"),
            (ui("run_tool_version"), str(run.get("tool_version") or "")),
        ]
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
        rows = []
        for spec in specs():
            point = article.points.get(spec.article, "") if spec.article else ""
            where = esc(point) if point else f"<i>{esc(ui('beyond_article'))}</i>"
            rows.append(f"<tr><td>{esc(spec.id)}</td><td>{esc(cat.check(spec.id).title)}</td><td>{where}</td></tr>")
        head = [esc(ui("col_check")), esc(ui("col_title")), esc(ui("col_article_point"))]
        return HTMLBlock(
            f'<section class="scope"><h2 id="scope">{esc(ui("scope_title"))}</h2>'
            f'<dl class="run">{dl}</dl>{markdown(article.intro)}'
            f"<p>{esc(ui('scope_gaps', n=gaps))}</p>"
            f"<h3>{esc(ui('practices_title'))}</h3>{table(head, rows)}"
            f"{markdown(article.points.get('beyond', ''))}{markdown(article.points.get('departures', ''))}</section>"
        )

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
