"""The domain view a report notebook shows: one account's saved assessment, in words, tables and charts.

A notebook's first cell calls :func:`open_workbook` with a run's account folder; everything shown comes from that
folder's ``assessment.json`` (the same findings, settings, suppressions and date as the run's exports). The
snapshot is read only when a consultant explores the inventory (``wb.inventory``). Nothing here runs a check,
except :meth:`Workbook.what_if` and the bundled sample, which recompute on purpose and say so on the page.
Every piece of account data is HTML-escaped; commentary comes from the catalog (our own Markdown).
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from awsbp.assess import Assessment, AssessmentError, assess
from awsbp.catalog import SECTIONS, Catalog
from awsbp.checks.registry import specs
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding
from awsbp.gaps import gap_advice, iam_action
from awsbp.params import Settings, Suppression
from awsbp.report import palette
from awsbp.report.chart import Segment, bar_chart, stacked_bar_chart
from awsbp.report.html import HTMLBlock, css_string, esc, markdown, table
from awsbp.runfiles import ASSESSMENT_FILE, RUN_FILE, SNAPSHOT_FILE
from awsbp.snapshot import Snapshot

if TYPE_CHECKING:
    from awsbp.inventory import Inventory

SAMPLE_SNAPSHOT = "sample_snapshot.json.gz"
MAX_ROWS = 200  # FAIL/REVIEW/NOT_ASSESSED rows of one check in the HTML; every row is in the exports


def sample_snapshot_path() -> Path:
    """The small bundled snapshot (from the simulated account) notebooks use when given no account."""
    return Path(str(files("awsbp.report").joinpath(SAMPLE_SNAPSHOT)))


class Workbook:
    """One account's assessment, seen through one domain."""

    def __init__(self, assessment: Assessment, domain: str, *, snapshot_path: Path | None = None, recomputed: str = ""):
        self.assessment = assessment
        self.domain = domain
        self.snapshot_path = snapshot_path
        self.recomputed = recomputed  # "" (the run's saved result), "sample" or "what_if"
        self.catalog = Catalog(assessment.lang)
        self.settings = assessment.settings
        self.findings: list[Finding] = assessment.of_domain(domain)

    @property
    def check_ids(self) -> list[str]:
        return [spec.id for spec in specs(self.domain)]

    @cached_property
    def snapshot(self) -> Snapshot:
        """The account's raw data (for exploration): the snapshot beside the assessment."""
        if self.snapshot_path is None:
            raise AssessmentError("this workbook was opened without its account folder: no snapshot to explore")
        return Snapshot.load(self.snapshot_path)

    @cached_property
    def inventory(self) -> Inventory:
        """Every table of the account as DataFrames, read with the settings the assessment used."""
        from awsbp.inventory import Inventory

        return Inventory(self.snapshot, self.settings)

    def what_if(
        self,
        *,
        settings: Settings | dict[str, Any] | None = None,
        suppressions: list[Suppression] | list[dict[str, Any]] | None = None,
    ) -> Workbook:
        """The same account assessed again, just now, with other settings or suppressions (the run's saved
        assessment is unchanged; the new workbook's page says it was recomputed)."""
        base = self.assessment
        new_settings = Settings.model_validate(settings) if isinstance(settings, dict) else settings or base.settings
        rules = [Suppression.model_validate(r) if isinstance(r, dict) else r for r in suppressions or []]
        again = assess(
            self.snapshot,
            new_settings,
            rules if suppressions is not None else base.suppressions,
            today=base.today,
            lang=base.lang,
            timezone=base.timezone,
        )
        again.account_name = base.account_name
        return Workbook(again, self.domain, snapshot_path=self.snapshot_path, recomputed="what_if")

    # --- data for exploration ----------------------------------------------------------------
    def findings_frame(self, check_id: str | None = None) -> pd.DataFrame:
        """Findings as a DataFrame (evidence keys become columns prefixed ``ev_``)."""
        rows = []
        for f in self.findings:
            if check_id is None or f.check_id == check_id:
                row = f.to_dict()
                evidence = row.pop("evidence")
                row.update({f"ev_{k}": v for k, v in evidence.items()})
                rows.append(row)
        return pd.DataFrame(rows)

    def counts(self) -> pd.DataFrame:
        """Findings per check (rows) and status (columns), suppressed ones apart: the numbers of the overview."""
        columns = [*STATUS_ORDER, "suppressed"]
        rows = {
            check_id: self.assessment.counts(f for f in self.findings if f.check_id == check_id)
            for check_id in self.check_ids
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=columns).astype(int)

    # --- display pieces -------------------------------------------------------------------------
    def md(self, text: str) -> HTMLBlock:
        return HTMLBlock(markdown(text))

    @cached_property
    def run_facts(self) -> dict[str, Any]:
        """The run this account belongs to (``run.json`` beside the account folder), ``{}`` outside a run."""
        if self.snapshot_path is None:
            return {}
        try:
            run = json.loads((self.snapshot_path.parent.parent / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in run.items() if k != "accounts"} if isinstance(run, dict) else {}

    def intro(self) -> HTMLBlock:
        """The report's header (client, account, run, dates, a link back to the run's summary), its contents, and
        the domain's introduction."""
        ui, cat, a = self.catalog.ui, self.catalog, self.assessment
        text = cat.domain(self.domain)
        run = self.run_facts
        client = str(run.get("client") or "")
        facts = [
            (ui("report_account"), f"{a.account_name} ({a.account_id})"),
            (ui("run_client"), client),
            (ui("report_run"), str(run.get("run_id") or "")),
            (ui("report_collected"), cat.when(a.collected_at, a.timezone)),
            (ui("report_date"), cat.day(a.today)),
        ]
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v)
        back = f'<p class="back"><a href="../index.html">{esc(ui("report_back"))}</a></p>' if run else ""
        note = ""
        if self.recomputed:
            note = f'<p class="note recomputed">{esc(ui("recomputed_" + self.recomputed))}</p>'
        items = [("overview", ui("overview"))] + [(c, f"{c} {cat.check(c).title}") for c in self.check_ids]
        if a.comparison is not None:
            items.insert(1, ("changes", ui("changes_title")))
        if any(f.suppress_reason for f in self.findings):
            items.append(("suppressed", ui("suppressed_title")))
        items.append(("gaps", ui("collection_gaps")))
        contents = "".join(f'<li><a href="#{esc(anchor)}">{esc(label)}</a></li>' for anchor, label in items)
        header = (
            f'<header class="report-head"><p class="confidential">{esc(ui("confidential"))}</p>'
            f"<h1>{esc(text.title)} — {esc(a.account_name)}</h1>{note}"
            f'<dl class="run">{dl}</dl>{back}{self._print_header(client)}</header>'
        )
        nav = f'<nav class="contents"><h2>{esc(ui("contents"))}</h2><ol>{contents}</ol></nav>'
        return HTMLBlock(header + nav + markdown(text.intro))

    def _print_header(self, client: str) -> str:
        """The running header of a printed page (client, account): CSS margin boxes, the text as a CSS string."""
        label = f"{client} — {self.assessment.account_name} ({self.assessment.account_id})" if client else ""
        label = f"{label}  {self.catalog.ui('confidential')}".strip()
        return (
            "<style>@page { @top-left { content: " + css_string(label) + "; font-size: 8pt; color: #57606a; } }</style>"
        )

    def overview(self) -> HTMLBlock:
        """Counts by check and status, and by severity for FAIL, plus a stacked bar chart."""
        ui, a = self.catalog.ui, self.assessment
        collected = self.catalog.when(a.collected_at, a.timezone)
        lead = ui("overview_lead", account=a.account_id, regions=", ".join(a.regions), collected_at=collected)
        counts = self.counts()
        head = [esc(ui("col_check")), esc(ui("col_title"))] + [
            f'<span class="badge st-{s}">{esc(self.catalog.status(s))}</span>' for s in STATUS_ORDER
        ]
        body = []
        for check_id, row in counts.iterrows():
            title = self.catalog.check(str(check_id)).title
            cells = "".join(f'<td class="num" data-status="{s}">{row[s]}</td>' for s in STATUS_ORDER)
            link = f'<a href="#{esc(check_id)}">{esc(check_id)}</a>'
            body.append(f'<tr data-check="{esc(check_id)}"><td>{link}</td><td>{esc(title)}</td>{cells}</tr>')
        totals = "".join(f'<td class="num" data-status="{s}"><b>{int(counts[s].sum())}</b></td>' for s in STATUS_ORDER)
        body.append(f'<tr data-check="total"><td colspan="2"><b>{esc(ui("col_total"))}</b></td>{totals}</tr>')
        return HTMLBlock(
            f'<h2 id="overview">{esc(ui("overview"))}</h2><p>{esc(lead)}</p>'
            f"{table(head, body)}{self.severity_table()}{self.chart()}"
        )

    def severity_table(self) -> str:
        fails = [f for f in self.findings if f.status == "FAIL" and not f.suppressed]
        if not fails:
            return ""
        cells = "".join(
            f'<td data-severity="{s}"><span class="sev sev-{s}">{esc(self.catalog.severity(s))}</span> '
            f'<span class="n">{sum(1 for f in fails if f.severity == s)}</span></td>'
            for s in SEVERITY_ORDER
        )
        label = f"{self.catalog.status('FAIL')} / {self.catalog.ui('col_severity')}"
        return f'<table class="awsbp"><tr><th>{esc(label)}</th>{cells}</tr></table>'

    def chart(self) -> str:
        """Stacked horizontal bars per check by status (labels are check ids)."""
        rows = [(str(check_id), [int(row[s]) for s in STATUS_ORDER]) for check_id, row in self.counts().iterrows()]
        series = [(self.catalog.status(s), palette.STATUS[s][0]) for s in STATUS_ORDER]
        return stacked_bar_chart(rows, series, title=self.catalog.ui("chart_title"))

    def findings_table(self, check_id: str) -> str:
        """The check's findings here: FAIL, REVIEW and NOT_ASSESSED first (capped, the rest in the exports), then
        the passing resources folded."""
        ui = self.catalog.ui
        rows = [f for f in self.findings if f.check_id == check_id]
        if not rows:
            return f"<p>{esc(ui('no_findings'))}</p>"
        rows.sort(
            key=lambda f: (STATUS_ORDER.index(f.status), SEVERITY_ORDER.index(f.severity), f.region, f.resource_name)
        )
        passed = [f for f in rows if f.status == "PASS"]
        open_rows = [f for f in rows if f.status != "PASS"]
        out = ""
        if open_rows:
            out += self._rows_table(open_rows[:MAX_ROWS])
            if len(open_rows) > MAX_ROWS:
                out += f'<p class="note">{esc(ui("rows_capped", shown=MAX_ROWS, total=len(open_rows)))}</p>'
        if passed:
            summary = esc(ui("passed_rows", n=len(passed)))
            capped = ""
            if len(passed) > MAX_ROWS:
                capped = f'<p class="note">{esc(ui("rows_capped", shown=MAX_ROWS, total=len(passed)))}</p>'
            table_html = self._rows_table(passed[:MAX_ROWS])
            out += f'<details class="passed"><summary>{summary}</summary>{table_html}{capped}</details>'
        return out

    def _rows_table(self, rows: list[Finding]) -> str:
        ui = self.catalog.ui
        cols = ["col_status", "col_severity", "col_region", "col_resource", "col_environment", "col_detail"]
        body = []
        for f in rows:
            resource = esc(f.resource_name)
            if f.resource_id != f.resource_name:
                resource += f"<br><small>{esc(f.resource_id)}</small>"
            notes = ""
            if f.cross_account:
                notes += f'<br><small class="cross">{esc(ui("cross_account_note"))}</small>'
            if f.evidence.get("replaces"):
                notes += f'<br><small class="cross">{esc(ui("replaces_note"))}</small>'
            if f.suppress_reason:
                notes += f"<br><small>{esc(ui('suppressed_note'))}: {esc(f.suppress_reason)}</small>"
            body.append(
                f'<tr><td><span class="badge st-{esc(f.status)}">{esc(self.catalog.status(f.status))}</span></td>'
                f'<td><span class="sev sev-{esc(f.severity)}">{esc(self.catalog.severity(f.severity))}</span></td>'
                f"<td>{esc(f.region)}</td><td>{resource}</td><td>{esc(f.environment)}</td>"
                f"<td>{esc(f.detail)}{notes}</td></tr>"
            )
        return table([esc(ui(c)) for c in cols], body)

    def references(self, check_id: str) -> str:
        refs = next(spec.refs for spec in specs(self.domain) if spec.id == check_id)
        if not refs:
            return ""
        items = "".join(f"<li>{esc(k)}: {esc(', '.join(v))}</li>" for k, v in refs.items())
        return f"<p><b>{esc(self.catalog.ui('references'))}</b></p><ul>{items}</ul>"

    def section(self, check_id: str) -> HTMLBlock:
        """One best practice: why, what we check, findings here, how to fix, references."""
        text = self.catalog.check(check_id)
        names = {key: SECTIONS[key][self.catalog.lang] for key in ("why", "check", "fix")}
        parts = [
            f'<h2 id="{esc(check_id)}">{esc(check_id)} {esc(text.title)}</h2>',
            f"<h3>{esc(names['why'])}</h3>" + markdown(text.why),
            f"<h3>{esc(names['check'])}</h3>" + markdown(text.check),
            f"<h3>{esc(self.catalog.ui('findings'))}</h3>" + self.findings_table(check_id),
            f"<h3>{esc(names['fix'])}</h3>" + markdown(text.fix),
            self.references(check_id),
        ]
        return HTMLBlock("\n".join(parts))

    def admin_overlap(self) -> HTMLBlock:
        """BP-IAM-08's evidence, from its findings: who can administer IAM, who holds developer rights, both."""
        ui = self.catalog.ui
        kinds = {"admin_and_developer": "both", "iam_admin": "iam_admin"}
        principals = [
            f for f in self.findings if f.check_id == "BP-IAM-08" and f.evidence.get("principal_type") and f.reason
        ]
        if not principals:
            return HTMLBlock("")
        rows, counts = [], {"both": 0, "iam_admin": 0, "developer": 0, "neither": 0}
        for f in principals:
            if f.status == "NOT_ASSESSED":
                continue
            kind = kinds.get(f.reason) or ("developer" if f.evidence.get("developer") else "neither")
            counts[kind] += 1
            if kind != "neither":
                admin, dev = kind in ("both", "iam_admin"), kind in ("both", "developer")
                mark = {True: "●", False: ""}
                rows.append(
                    f"<tr><td>{esc(f.evidence['principal_type'])}</td><td>{esc(f.resource_name)}</td>"
                    f"<td>{mark[admin]}</td><td>{mark[dev]}</td></tr>"
                )
        cols = ("col_principal_type", "col_principal", "col_iam_admin", "col_developer")
        kinds_shown = [
            ("both", ui("overlap_both"), palette.STATUS["FAIL"][0]),
            ("iam_admin", ui("overlap_admin"), palette.STATUS["REVIEW"][0]),
            ("developer", ui("overlap_developer"), palette.CHART_OTHER),
            ("neither", ui("overlap_neither"), palette.STATUS["PASS"][0]),
        ]
        chart = bar_chart(
            [(label, [Segment(label, colour, counts[kind])]) for kind, label, colour in kinds_shown],
            title=ui("admin_overlap"),
            caption=ui("overlap_axis"),
        )
        return HTMLBlock(f"<h3>{esc(ui('admin_overlap'))}</h3>{table([esc(ui(c)) for c in cols], rows)}{chart}")

    def changes(self) -> HTMLBlock:
        """What changed since the previous run: new, fixed and not-compared findings of this domain."""
        comparison = self.assessment.comparison
        if comparison is None:
            return HTMLBlock("")
        ui = self.catalog.ui
        title = f'<h2 id="changes">{esc(ui("changes_title"))}</h2>'
        if comparison.problem:
            text = ui("run_changes_problem", previous_run=comparison.previous_run, problem=comparison.problem)
            return HTMLBlock(f"{title}<p>{esc(text)}</p>")
        mine = set(self.check_ids)
        by_id = {f.finding_id: f for f in self.findings}
        new = [by_id[i] for i in comparison.new if i in by_id]
        fixed = [f for f in comparison.fixed if f.check_id in mine]
        skipped = [n for n in comparison.not_compared if n.finding.check_id in mine]
        still_open = [i for i in comparison.still_open if i in by_id]
        lead = ui(
            "changes_lead",
            previous_run=comparison.previous_run,
            new=len(new),
            fixed=len(fixed),
            still_open=len(still_open),
            not_compared=len(skipped),
        )
        rows = [(ui("changes_new"), f, "") for f in new] + [(ui("changes_fixed"), f, "") for f in fixed]
        rows += [(ui("changes_not_compared"), n.finding, ui("why_" + n.why, detail=n.detail)) for n in skipped]
        body = [
            f"<tr><td>{esc(kind)}</td><td>{esc(f.check_id)}</td><td>{esc(f.resource_name)}</td>"
            f"<td>{esc(f.detail)}{f'<br><small>{esc(why)}</small>' if why else ''}</td></tr>"
            for kind, f, why in rows
        ]
        cols = ("col_change", "col_check", "col_resource", "col_detail")
        return HTMLBlock(f"{title}<p>{esc(lead)}</p>{table([esc(ui(c)) for c in cols], body) if body else ''}")

    def suppressed(self) -> HTMLBlock:
        """Accepted risks (suppressed findings) and suppressions that expired, in their own section."""
        ui = self.catalog.ui
        rows = [f for f in self.findings if f.suppress_reason]
        if not rows:
            return HTMLBlock("")
        cols = ["col_check", "col_resource", "col_status", "col_detail", "suppressed_note"]
        body = [
            f"<tr><td>{esc(f.check_id)}</td><td>{esc(f.resource_name)}</td><td>{esc(self.catalog.status(f.status))}"
            f"</td><td>{esc(f.detail)}</td><td>{esc(f.suppress_reason)}</td></tr>"
            for f in rows
        ]
        return HTMLBlock(
            f'<h2 id="suppressed">{esc(ui("suppressed_title"))}</h2><p>{esc(ui("suppressed_lead"))}</p>'
            + table([esc(ui(c)) for c in cols], body)
        )

    def gaps(self) -> HTMLBlock:
        """The data this domain's checks could not read, once each, in words: what could not be checked and how to
        close the gap; the technical error folded below."""
        ui, cat = self.catalog.ui, self.catalog
        title = f'<h2 id="gaps">{esc(ui("collection_gaps"))}</h2>'
        mine = self.assessment.gaps_of(self.domain)
        if not mine:
            # other domains' gaps (or an API no check reads) may remain: say only what holds for this chapter
            return HTMLBlock(f"{title}<p>{esc(ui('collection_gaps_none_chapter'))}</p>")
        cols = ["col_api", "col_region", "gap_what", "gap_how"]
        body = []
        for g in mine:
            checks = [c for c in g.checks if c in self.check_ids]
            what = "<br>".join(f"{esc(c)} {esc(cat.check(c).title)}" for c in checks)
            how = esc(ui(gap_advice(g.code), action=iam_action(g.service, g.api)))
            technical = f"<code>{esc(g.code)}: {esc(g.message)}</code>"
            detail = f"<details><summary>{esc(ui('gap_technical'))}</summary>{technical}</details>"
            body.append(
                f"<tr><td><code>{esc(g.service)}.{esc(g.api)}</code></td><td>{esc(g.region)}</td>"
                f"<td>{what}</td><td>{how}{detail}</td></tr>"
            )
        return HTMLBlock(f"{title}<p>{esc(ui('collection_gaps_lead'))}</p>" + table([esc(ui(c)) for c in cols], body))


def resolve_account_folder(account: str | Path) -> Path:
    """The account folder a notebook was given (a folder, or any file in it such as ``snapshot.json.gz``),
    relative paths from the current directory; a clear error saying where it looked."""
    given = Path(account).expanduser()
    folder = given if given.is_dir() or given.suffix == "" else given.parent
    found = folder.resolve()
    if not (found / ASSESSMENT_FILE).is_file():
        raise AssessmentError(
            f"no {ASSESSMENT_FILE} in {found} (given {str(account)!r}, looked from {Path.cwd()}): pass a run's "
            "account folder, e.g. reports/<client>/<run-id>/<account-id>, or a path relative to this notebook"
        )
    return found


def open_workbook(account: str | Path = "", *, domain: str, lang: str = "") -> Workbook:
    """What a report notebook's first cell calls: the account folder of a run (its saved assessment); an empty
    ``account`` assesses the bundled sample (and says so). ``lang`` rewords the findings in another language."""
    if account:
        folder = resolve_account_folder(account)
        workbook = Workbook(saved_assessment(folder / ASSESSMENT_FILE), domain, snapshot_path=folder / SNAPSHOT_FILE)
    else:
        workbook = sample_workbook(domain, lang or "ja")
    if lang and lang != workbook.assessment.lang:
        workbook = Workbook(
            reworded(workbook.assessment, lang),
            domain,
            snapshot_path=workbook.snapshot_path,
            recomputed=workbook.recomputed,
        )
    return workbook


def saved_assessment(path: Path) -> Assessment:
    """The saved assessment at ``path``, read once for the notebooks that follow (an account's reports run one
    after another in one kernel; at 16× the file is ~20 MB and took ~0.7 s to read per notebook); read again when
    the file changes. The workbooks opened on it share it: the views never change a finding."""
    try:
        stat = path.stat()
    except OSError:
        return Assessment.load(path)  # its one-line AssessmentError
    return _read_assessment(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _read_assessment(path: Path, mtime_ns: int, size: int) -> Assessment:
    return Assessment.load(path)


def sample_workbook(domain: str, lang: str) -> Workbook:
    """The bundled sample account, assessed now with default settings (the page says so)."""
    path = sample_snapshot_path()
    assessment = assess(Snapshot.load(path), Settings(), [], today=datetime.now(UTC).date(), lang=lang, timezone="UTC")
    return Workbook(assessment, domain, snapshot_path=path, recomputed="sample")


def reworded(assessment: Assessment, lang: str) -> Assessment:
    """The same assessment in another language: titles, details and remediation from that language's catalog
    (the verdicts are untouched)."""
    findings = Catalog(lang).localize(copy.deepcopy(assessment.findings))
    return replace(assessment, findings=findings, lang=lang)
