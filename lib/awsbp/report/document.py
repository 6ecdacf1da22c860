"""The client document of a run (``report.html``): one document for the whole Organization, in the order a
security assessment report takes (DELIVERABLE.md) — cover, executive summary, scope and method, the findings
list, then each practice explained once with every account's evidence under it, and an appendix.

Built from the same pieces as the index and the domain reports (one truth), straight from the saved
assessments: no kernel, no check. Printed with ``awsbp pdf`` like every other report.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from awsbp.catalog import SECTIONS
from awsbp.checks.registry import specs
from awsbp.files import write_text
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER
from awsbp.gaps import gap_advice, iam_action
from awsbp.report.assets import TEMPLATES_DIR, report_css
from awsbp.report.html import esc, markdown, table
from awsbp.report.summary import RunSummary, Summary
from awsbp.report.workbook import Workbook
from awsbp.runfiles import DOCUMENT_FILE, SNAPSHOT_FILE

DOCUMENT_TEMPLATE = "document.html.j2"


def write_document(run_dir: str | Path) -> Path:
    """``<run>/report.html`` from the run's saved assessments."""
    run_dir = Path(run_dir)
    data = RunSummary.load(run_dir)
    return write_text(run_dir / DOCUMENT_FILE, render_document(data, run_dir))


def render_document(data: RunSummary, run_dir: Path) -> str:
    """The document's HTML (self-contained: our CSS inline, charts as data URIs, no script)."""
    summary = Summary(data, data.lang)
    ui, catalog = summary.catalog.ui, summary.catalog
    workbooks = {
        account_id: {
            spec.domain: Workbook(assessment, spec.domain, snapshot_path=run_dir / account_id / SNAPSHOT_FILE)
            for spec in specs()
        }
        for account_id, assessment in data.assessments.items()
    }
    parts = [
        str(summary.title("document_title")),
        str(summary.executive()),
        str(summary.scope()),
        _findings_list(summary),
        f'<h2 id="details" class="part">{esc(ui("document_details"))}</h2>',
    ]
    names = {a: assessment.account_name for a, assessment in data.assessments.items()}
    for domain_key in dict.fromkeys(spec.domain for spec in specs()):
        parts.append(f'<h2 class="domain">{esc(catalog.domain(domain_key).title)}</h2>')
        for spec in specs(domain_key):
            text = catalog.check(spec.id)
            evidence = []
            for account_id, books in workbooks.items():
                evidence.append(
                    f"<h4>{esc(names[account_id])} <small>({esc(account_id)})</small></h4>"
                    + books[domain_key].findings_table(spec.id)
                )
            parts.append(
                f'<section class="practice"><h2 id="{esc(spec.id)}">{esc(spec.id)} {esc(text.title)}</h2>'
                f"<h3>{esc(SECTIONS['why'][catalog.lang])}</h3>{markdown(text.why)}"
                f"<h3>{esc(SECTIONS['check'][catalog.lang])}</h3>{markdown(text.check)}"
                f"<h3>{esc(ui('document_evidence'))}</h3>{''.join(evidence)}"
                f"<h3>{esc(SECTIONS['fix'][catalog.lang])}</h3>{markdown(text.fix)}</section>"
            )
    parts.append(_appendix(summary, workbooks))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True)
    client = str(data.run.get("client") or "")
    return env.get_template(DOCUMENT_TEMPLATE).render(
        lang=catalog.lang,
        title=f"{ui('document_title')} — {client}" if client else ui("document_title"),
        css=report_css(),
        body="\n".join(parts),
    )


def _findings_list(summary: Summary) -> str:
    """One row per finding group (check and reason): severity, title, status, resources, accounts."""
    ui, catalog = summary.catalog.ui, summary.catalog
    shown = summary.frame[~summary.frame["suppressed"].astype(bool) & (summary.frame["status"] != "PASS")]
    names = {a: assessment.account_name for a, assessment in summary.data.assessments.items()}
    groups = []
    for (check_id, reason, status), rows in shown.groupby(["check_id", "reason", "status"]):
        severity = min(rows["severity"], key=SEVERITY_ORDER.index)
        groups.append(
            (STATUS_ORDER.index(status), SEVERITY_ORDER.index(severity), check_id, reason, status, severity, rows)
        )
    groups.sort()
    body = []
    for _, _, check_id, _, status, severity, rows in groups:
        accounts = ", ".join(sorted({names.get(a, a) for a in rows["account_id"]}))
        body.append(
            f'<tr><td><a href="#{esc(check_id)}">{esc(check_id)}</a></td>'
            f'<td><span class="sev sev-{esc(severity)}">{esc(catalog.severity(severity))}</span></td>'
            f"<td>{esc(catalog.check(str(check_id)).title)}<br><small>{esc(rows['detail'].iloc[0])}</small></td>"
            f'<td><span class="badge st-{esc(status)}">{esc(catalog.status(status))}</span></td>'
            f'<td class="num">{rows["resource_id"].nunique()}</td><td>{esc(accounts)}</td></tr>'
        )
    head = [
        esc(ui(c)) for c in ("col_check", "col_severity", "col_title", "col_status", "col_resources", "col_accounts")
    ]
    return (
        f'<section class="findings-list"><h2 id="findings">{esc(ui("document_findings"))}</h2>'
        f"<p>{esc(ui('document_findings_lead'))}</p>{table(head, body)}</section>"
    )


def _appendix(summary: Summary, workbooks: dict[str, dict[str, Workbook]]) -> str:
    """Gaps in collection with the permission that would close each; suppressed findings; the policy used."""
    ui, catalog = summary.catalog.ui, summary.catalog
    names = {a: assessment.account_name for a, assessment in summary.data.assessments.items()}
    gap_rows = [
        f"<tr><td>{esc(names[account_id])}</td><td><code>{esc(g.service)}.{esc(g.api)}</code></td>"
        f"<td>{esc(g.region)}</td><td>{esc(', '.join(g.checks))}</td>"
        f"<td>{esc(ui(gap_advice(g.code), action=iam_action(g.service, g.api)))}</td></tr>"
        for account_id, assessment in summary.data.assessments.items()
        for g in assessment.gaps
    ]
    gaps = (
        table([esc(ui(c)) for c in ("col_account", "col_api", "col_region", "col_check", "gap_how")], gap_rows)
        if gap_rows
        else f"<p>{esc(ui('collection_gaps_none'))}</p>"
    )
    suppressed_rows = [
        f"<tr><td>{esc(names.get(f.account_id, f.account_id))}</td><td>{esc(f.check_id)}</td>"
        f"<td>{esc(f.resource_name)}</td><td>{esc(catalog.status(f.status))}</td><td>{esc(f.suppress_reason)}</td></tr>"
        for assessment in summary.data.assessments.values()
        for f in assessment.findings
        if f.suppress_reason
    ]
    suppressed = (
        table(
            [esc(ui(c)) for c in ("col_account", "col_check", "col_resource", "col_status", "suppressed_note")],
            suppressed_rows,
        )
        if suppressed_rows
        else f"<p>{esc(ui('summary_none'))}</p>"
    )
    return (
        f'<section class="appendix"><h2 id="appendix">{esc(ui("document_appendix"))}</h2>'
        f"<h3>{esc(ui('collection_gaps'))}</h3>{gaps}"
        f"<h3>{esc(ui('suppressed_title'))}</h3>{suppressed}"
        f"<h3>{esc(ui('document_policy'))}</h3><p>{esc(ui('document_policy_text'))}</p></section>"
    )
