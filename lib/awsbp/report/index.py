"""The run's index page and the accounts fragment the summary report shows: run facts, every account's status,
counts, errors, changes since the previous run, collection gaps, report and export links.

Rendered with jinja2, autoescape ON: every value is HTML-escaped, every link must be relative. Words come from the
catalog (``catalog/ui.yaml``), colours from :mod:`awsbp.report.palette`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

from awsbp.catalog import LANGS, Catalog
from awsbp.files import write_text
from awsbp.findings import STATUS_ORDER
from awsbp.report.assets import TEMPLATES_DIR, report_css

ACCOUNTS_TEMPLATE = "run_accounts.html.j2"
INDEX_TEMPLATE = "run_index.html.j2"
ACCOUNT_STATUSES = ("ok", "partial", "failed")


def write_index(
    path: Path,
    *,
    title: str,
    lang: str,
    run: dict[str, Any],
    accounts: list[dict[str, Any]],
    summary_href: str = "",
) -> Path:
    """Write the run's index.html from templates/run_index.html.j2 with jinja2 autoescape ON.

    `run` has client, run_id, started_at, finished_at, tool_version. Each account has account_id,
    name, status ("ok" | "partial" | "failed"), error, counts ({status: int} over FAIL, REVIEW,
    NOT_ASSESSED, PASS), reports ([{notebook, title, href, ok, error}]; the executed notebook's link
    is ``ipynb`` or ``ipynb_href`` if given, else derived from href), exports ([{label, href}]) and
    collection_errors (int). Every href must be a relative path (it is percent-encoded; an absolute
    URL or ``javascript:`` raises ValueError). Labels follow `lang` ("ja" or "en"); all values are
    HTML-escaped. A failed account shows "—" instead of counts.

    Example::

        write_index(Path("reports/acme/run1/index.html"), title="Acme AWS assessment", lang="en",
                    run={"client": "acme", "run_id": "run1", ...},
                    accounts=[{"account_id": "111122223333", "name": "prod", "status": "ok", ...}])
    """
    html = _run_template(INDEX_TEMPLATE, lang, run, accounts, title=title, summary_href=summary_href)
    return write_text(Path(path), html)


def _text(value: Any) -> str:
    """Display form of a run/account value: datetimes to the second, None as ""."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _count(value: Any) -> int:
    """A count given as a number or as the list of what is counted (run.json keeps the list)."""
    return len(value) if isinstance(value, list) else int(value or 0)


def _href(value: Any) -> str:
    """A relative link, percent-encoded; absolute URLs and schemes (``javascript:``) are refused."""
    raw = value.as_posix() if isinstance(value, PurePath) else str(value)
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or raw.startswith(("/", "\\")):
        raise ValueError(f"index links must be relative paths, got {raw!r}")
    return quote(raw, safe="/#")


def _run_template(template: str, lang: str, run: dict[str, Any], accounts: list[dict[str, Any]], **context: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {sorted(LANGS)}, got {lang!r}")
    accounts_view = [_account_view(a) for a in accounts]
    totals = {s: sum(a["counts"][s] for a in accounts_view) for s in STATUS_ORDER}
    summary_href = context.pop("summary_href", "")
    catalog = Catalog(lang)
    zone = str(run.get("timezone") or "UTC")
    facts = {k: _text(run.get(k, "")) for k in ("client", "run_id", "tool_version")}
    facts.update({k: catalog.when(run.get(k), zone) for k in ("started_at", "finished_at")})
    context.setdefault("with_facts", True)
    return env.get_template(template).render(
        lang=lang,
        labels=catalog.labels(),
        statuses=STATUS_ORDER,
        css=report_css(),
        run=facts,
        accounts=accounts_view,
        totals=totals,
        summary_href=_href(summary_href) if summary_href else "",
        **context,
    )


def run_accounts_html(run: dict[str, Any], accounts: list[dict[str, Any]], lang: str) -> str:
    """The run's facts and accounts (status, counts, errors, changes, gaps, report and export links) as an HTML
    fragment for the summary report, from the same template as the fallback index page. Autoescaped."""
    return _run_template(ACCOUNTS_TEMPLATE, lang, run, accounts, with_facts=False)  # the cover shows the facts


def _account_view(account: dict[str, Any]) -> dict[str, Any]:
    """Normalise one account dict for the template (defaults filled, links checked, ipynb links derived)."""
    status = str(account.get("status", "ok"))
    if status not in ACCOUNT_STATUSES:
        raise ValueError(f"account status must be one of {ACCOUNT_STATUSES}, got {status!r}")
    counts = account.get("counts") or {}
    reports = []
    for report in account.get("reports") or []:
        href = _href(report["href"]) if report.get("href") else ""
        ipynb_href = report.get("ipynb_href") or report.get("ipynb")
        if ipynb_href:
            ipynb_href = _href(ipynb_href)
        elif href.endswith(".html"):
            ipynb_href = href[: -len(".html")] + ".ipynb"
        reports.append(
            {
                "notebook": _text(report.get("notebook", "")),
                "title": _text(report.get("title") or report.get("notebook", "")),
                "href": href,
                "ipynb_href": ipynb_href or "",
                "ok": bool(report.get("ok", True)) and bool(href),
                "missing_html": not href,
                "error": _text(report.get("error", "")),
            }
        )
    return {
        "account_id": _text(account.get("account_id", "")),
        "name": _text(account.get("name", "")),
        "status": status,
        "error": _text(account.get("error", "")),
        "counts": {s: int(counts.get(s, 0) or 0) for s in STATUS_ORDER},
        "reports": reports,
        "exports": [
            {"label": _text(e.get("label", "")), "href": _href(e["href"])} for e in account.get("exports") or []
        ],
        "collection_errors": _count(account.get("collection_errors")),
        "changes": {k: _text(v) for k, v in (account.get("changes") or {}).items()},
    }
