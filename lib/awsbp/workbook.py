"""What the notebooks call: load a snapshot, run the domain's checks, show commentary, tables, charts.

Notebooks hold narrative and a few calls; everything they show is built here. Every piece of
account data is HTML-escaped before it reaches the page, and commentary comes from the catalog
(our own Markdown, rendered without raw HTML).
"""

from __future__ import annotations

import html
import io
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd
from markdown_it import MarkdownIt

from awsbp import diff, suppress
from awsbp.catalog import SECTIONS, Catalog
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_checks
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding, read_json
from awsbp.inventory import Inventory
from awsbp.params import Settings, Suppression
from awsbp.snapshot import Snapshot

SAMPLE_SNAPSHOT = "sample_snapshot.json.gz"
PASS_ROWS_SHOWN = 30
STATUS_COLOURS = {"FAIL": "#d64545", "REVIEW": "#e0a030", "NOT_ASSESSED": "#8a8f98", "PASS": "#3c9a5f"}
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def sample_snapshot_path() -> Path:
    """The small bundled snapshot (from the simulated account) notebooks use when given none."""
    return Path(str(files("awsbp.demo").joinpath(SAMPLE_SNAPSHOT)))


def esc(value: Any) -> str:
    """HTML-escape anything for a table cell."""
    return html.escape("" if value is None else str(value), quote=True)


class HTMLBlock:
    """A piece of HTML for Jupyter's rich display (``_repr_html_``)."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


class Workbook:
    """One account's snapshot, inventory, findings and words for one domain."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        domain: str,
        lang: str = "ja",
        settings: Settings | None = None,
        suppressions: list[Suppression] | None = None,
    ):
        self.snapshot = snapshot
        self.domain = domain
        self.settings = settings or Settings()
        self.catalog = Catalog(lang)
        self.inventory = Inventory(snapshot, self.settings)
        findings = self.catalog.localize(run_checks(self.inventory, self.settings, [domain]))
        tags = self.inventory.resource_tags
        self.findings: list[Finding] = suppress.apply(findings, suppressions or [], date.today(), tags)

    @property
    def check_ids(self) -> list[str]:
        return sorted(spec.id for spec in REGISTRY.values() if spec.domain == self.domain)

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
        """Findings per check (rows) and status (columns)."""
        frame = pd.DataFrame([{"check_id": f.check_id, "status": str(f.status)} for f in self.findings])
        table = pd.crosstab(frame["check_id"], frame["status"]) if len(frame) else pd.DataFrame()
        table = table.reindex(index=self.check_ids, columns=STATUS_ORDER, fill_value=0)
        return table.fillna(0).astype(int)

    # --- display pieces -------------------------------------------------------------------------
    def md(self, text: str) -> HTMLBlock:
        return HTMLBlock(_MD.render(text))

    def intro(self) -> HTMLBlock:
        text = self.catalog.domain(self.domain)
        return HTMLBlock(f"<h1>{esc(text.title)}</h1>" + _MD.render(text.intro))

    def overview(self) -> HTMLBlock:
        """Counts by check and status, and by severity for FAIL, plus a stacked bar chart."""
        ui = self.catalog.ui
        meta = self.snapshot.meta
        lead = ui(
            "overview_lead",
            account=meta.get("account_id", "?"),
            regions=", ".join(self.snapshot.regions),
            collected_at=meta.get("collected_at", "?"),
        )
        counts = self.counts()
        head = "".join(f'<th class="st-{s}">{esc(ui("status_" + s))}</th>' for s in STATUS_ORDER)
        body = []
        for check_id, row in counts.iterrows():
            title = self.catalog.check(str(check_id)).title
            cells = "".join(f'<td class="{"st-" + s if row[s] else ""}">{row[s]}</td>' for s in STATUS_ORDER)
            body.append(f"<tr><td>{esc(check_id)}</td><td>{esc(title)}</td>{cells}</tr>")
        totals = "".join(f"<td><b>{int(counts[s].sum())}</b></td>" for s in STATUS_ORDER)
        body.append(f'<tr><td colspan="2"><b>{esc(ui("col_total"))}</b></td>{totals}</tr>')
        table = (
            f'<table class="awsbp"><thead><tr><th>{esc(ui("col_check"))}</th><th>{esc(ui("col_title"))}</th>'
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
        return HTMLBlock(
            f"<h2>{esc(ui('overview'))}</h2><p>{esc(lead)}</p>{table}{self.severity_table()}{self.chart()}"
        )

    def severity_table(self) -> str:
        ui = self.catalog.ui
        fails = [f for f in self.findings if f.status == "FAIL"]
        if not fails:
            return ""
        cells = "".join(
            f'<td class="sev-{s}">{esc(s)}: {sum(1 for f in fails if f.severity == s)}</td>' for s in SEVERITY_ORDER
        )
        label = f"{ui('status_FAIL')} / {ui('col_severity')}"
        return f'<table class="awsbp"><tr><th>{esc(label)}</th>{cells}</tr></table>'

    def chart(self) -> str:
        """Stacked horizontal bars per check by status, as an embedded PNG (labels are ids, language-neutral)."""
        plt, MaxNLocator = _pyplot()

        counts = self.counts()
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(counts) + 1.2), dpi=90)
        left = pd.Series(0, index=counts.index)
        for status in STATUS_ORDER:
            ax.barh(counts.index, counts[status], left=left, color=STATUS_COLOURS[status], label=status)
            left += counts[status]
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / len(counts)), ncol=4, fontsize=8, frameon=False
        )
        ax.spines[["top", "right"]].set_visible(False)
        return _embed(fig, "findings chart")

    def findings_table(self, check_id: str) -> str:
        """All non-PASS findings of a check, then a bounded number of PASS rows."""
        ui = self.catalog.ui
        rows = [f for f in self.findings if f.check_id == check_id]
        if not rows:
            return f"<p>{esc(ui('no_findings'))}</p>"
        rows.sort(
            key=lambda f: (STATUS_ORDER.index(f.status), SEVERITY_ORDER.index(f.severity), f.region, f.resource_name)
        )
        passed = [f for f in rows if f.status == "PASS"]
        shown = [f for f in rows if f.status != "PASS"] + passed[:PASS_ROWS_SHOWN]
        cols = ["col_status", "col_severity", "col_region", "col_resource", "col_environment", "col_detail"]
        head = "".join(f"<th>{esc(ui(c))}</th>" for c in cols)
        body = []
        for f in shown:
            resource = esc(f.resource_name)
            if f.resource_id != f.resource_name:
                resource += f"<br><small>{esc(f.resource_id)}</small>"
            note = (
                f"<br><small>{esc(ui('suppressed_note'))}: {esc(f.suppress_reason)}</small>"
                if f.suppress_reason
                else ""
            )
            body.append(
                f'<tr><td class="st-{esc(f.status)}">{esc(ui("status_" + f.status))}</td>'
                f'<td class="sev-{esc(f.severity)}">{esc(f.severity)}</td><td>{esc(f.region)}</td>'
                f"<td>{resource}</td><td>{esc(f.environment)}</td><td>{esc(f.detail)}{note}</td></tr>"
            )
        note = ""
        if len(passed) > PASS_ROWS_SHOWN:
            note = f"<p><small>{esc(ui('passed_hidden', n=len(passed) - PASS_ROWS_SHOWN))}</small></p>"
        return f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{note}'

    def references(self, check_id: str) -> str:
        refs = REGISTRY[check_id].refs
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
            f"<h3>{esc(names['why'])}</h3>" + _MD.render(text.why),
            f"<h3>{esc(names['check'])}</h3>" + _MD.render(text.check),
            f"<h3>{esc(self.catalog.ui('findings'))}</h3>" + self.findings_table(check_id),
            f"<h3>{esc(names['fix'])}</h3>" + _MD.render(text.fix),
            self.references(check_id),
        ]
        return HTMLBlock("\n".join(parts))

    def admin_overlap(self) -> HTMLBlock:
        """BP-IAM-08's evidence: who can administer IAM, who holds developer rights, and the overlap."""
        from awsbp.checks.iam import iam_admin_actions
        from awsbp.policy import expand

        ui = self.catalog.ui
        perms = self.inventory.iam.principal_permissions
        if perms.empty:
            return HTMLBlock("")
        developer = expand(self.settings.developer_actions)
        rows, counts = [], {"both": 0, "iam_admin": 0, "developer": 0, "neither": 0}
        for p in perms.to_dict("records"):
            admin, dev = bool(iam_admin_actions(p["actions"])), bool(developer & p["actions"])
            counts["both" if admin and dev else "iam_admin" if admin else "developer" if dev else "neither"] += 1
            if admin or dev:
                mark = {True: "●", False: ""}
                cls = ' class="sev-high"' if admin and dev else ""
                rows.append(
                    f"<tr{cls}><td>{esc(p['principal_type'])}</td><td>{esc(p['principal'])}</td>"
                    f"<td>{mark[admin]}</td><td>{mark[dev]}</td></tr>"
                )
        head = "".join(
            f"<th>{esc(ui(k))}</th>" for k in ("col_principal_type", "col_principal", "col_iam_admin", "col_developer")
        )
        table = f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        plt, _ = _pyplot()
        fig, ax = plt.subplots(figsize=(5, 2.2), dpi=90)
        labels = ["IAM admin + developer", "IAM admin only", "developer only", "neither"]
        colours = [STATUS_COLOURS["FAIL"], STATUS_COLOURS["REVIEW"], "#5b8def", STATUS_COLOURS["PASS"]]
        ax.barh(labels, list(counts.values()), color=colours)
        ax.invert_yaxis()
        ax.set_xlabel("principals (users and groups)")
        ax.spines[["top", "right"]].set_visible(False)
        return HTMLBlock(
            f"<h3>{esc(ui('admin_overlap'))}</h3>{table}{_embed(fig, 'IAM administrators and developers')}"
        )

    def changes(self, previous: str | Path = "") -> HTMLBlock:
        """What changed since the previous run (its findings.json): new, fixed and still-open findings."""
        if not previous or not Path(previous).is_file():
            return HTMLBlock("")
        ui = self.catalog.ui
        before = [f for f in read_json(Path(previous)) if f.check_id in self.check_ids]
        result = diff.compare(self.findings, before, Path(previous).parent.parent.name)
        lead = ui("changes_lead", previous_run=result.previous_run, **result.counts())
        rows = [("changes_new", f) for f in result.new] + [("changes_fixed", f) for f in result.fixed]
        body = "".join(
            f"<tr><td>{esc(ui(kind))}</td><td>{esc(f.check_id)}</td><td>{esc(f.resource_name)}</td>"
            f"<td>{esc(f.detail)}</td></tr>"
            for kind, f in rows
        )
        head = "".join(f"<th>{esc(ui(c))}</th>" for c in ("col_change", "col_check", "col_resource", "col_detail"))
        table = f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>' if rows else ""
        return HTMLBlock(f"<h2>{esc(ui('changes_title'))}</h2><p>{esc(lead)}</p>{table}")

    def suppressed(self) -> HTMLBlock:
        """Accepted risks (suppressed findings) and suppressions that expired, in their own section."""
        ui = self.catalog.ui
        rows = [f for f in self.findings if f.suppress_reason]
        if not rows:
            return HTMLBlock("")
        cols = ["col_check", "col_resource", "col_status", "col_detail", "suppressed_note"]
        head = "".join(f"<th>{esc(ui(c))}</th>" for c in cols)
        body = "".join(
            f"<tr><td>{esc(f.check_id)}</td><td>{esc(f.resource_name)}</td><td>{esc(f.status)}</td>"
            f"<td>{esc(f.detail)}</td><td>{esc(f.suppress_reason)}</td></tr>"
            for f in rows
        )
        return HTMLBlock(
            f"<h2>{esc(ui('suppressed_title'))}</h2><p>{esc(ui('suppressed_lead'))}</p>"
            f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )

    def gaps(self) -> HTMLBlock:
        """The API calls that failed during collection: what NOT_ASSESSED findings stand on."""
        ui = self.catalog.ui
        title = f"<h2>{esc(ui('collection_gaps'))}</h2>"
        if not self.snapshot.errors:
            return HTMLBlock(f"{title}<p>{esc(ui('collection_gaps_none'))}</p>")
        cols = ["col_service", "col_region", "col_api", "col_code", "col_message"]
        head = "".join(f"<th>{esc(ui(c))}</th>" for c in cols)
        body = "".join(
            f"<tr><td>{esc(e['service'])}</td><td>{esc(e['region'])}</td><td>{esc(e['api'])}</td>"
            f"<td>{esc(e['code'])}</td><td>{esc(e['message'])}</td></tr>"
            for e in self.snapshot.errors
        )
        return HTMLBlock(
            f"{title}<p>{esc(ui('collection_gaps_lead'))}</p>"
            f'<table class="awsbp"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    return plt, MaxNLocator


def _embed(fig: Any, alt: str) -> str:
    """A matplotlib figure as an inline PNG (reports open offline)."""
    import base64

    plt, _ = _pyplot()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return f'<p><img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"></p>'


def open_workbook(
    snapshot: str | Path = "",
    *,
    domain: str,
    lang: str = "ja",
    settings: dict[str, Any] | None = None,
    suppressions: list[dict[str, Any]] | None = None,
) -> Workbook:
    """What a notebook's first cell calls: an empty ``snapshot`` means the bundled sample."""
    path = Path(snapshot) if snapshot else sample_snapshot_path()
    rules = [Suppression.model_validate(r) for r in suppressions or []]
    return Workbook(
        Snapshot.load(path),
        domain=domain,
        lang=lang,
        settings=Settings.model_validate(settings or {}),
        suppressions=rules,
    )
