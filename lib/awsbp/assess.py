"""The one seam between checks and presentation: an account's Assessment, made once, saved, read by every view.

::

    assessment = assess(snapshot, settings, suppressions, today=date(2026, 11, 30), lang="ja")
    assessment.save(account_dir / ASSESSMENT_FILE)
    ...
    updated = assess_run([(assessment, inventory), ...], previous={account_id: PreviousAssessment(...)})

An Assessment holds every finding of one account (its cross-account ones too, once :func:`assess_run` has run
over the batch), the settings, suppressions, date, time zone and language it was made with, the collection gaps
and which checks they affect, and the comparison with the previous run. Exports, domain reports, the run
summary and the follow-up API read it; none of them runs a check. Only this module runs checks (a view that
recomputes on purpose — a what-if — calls :func:`assess` and says so).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from awsbp import __version__, diff, suppress
from awsbp.catalog import Catalog
from awsbp.diff import Comparison
from awsbp.domains import domain_of
from awsbp.files import write_private
from awsbp.findings import STATUS_ORDER, Finding
from awsbp.params import Settings, Suppression
from awsbp.runfiles import ASSESSMENT_FILE
from awsbp.snapshot import GLOBAL, Snapshot

if TYPE_CHECKING:
    from awsbp.inventory import Inventory

SCHEMA = 1


class AssessmentError(ValueError):
    """An assessment file cannot be read (missing, truncated, another schema): the message names the file."""


@dataclass
class Gap:
    """An API that could not be collected, and the checks that needed it (NOT_ASSESSED where it applies)."""

    service: str
    region: str
    api: str
    code: str
    message: str
    checks: list[str] = field(default_factory=list)

    @property
    def domains(self) -> list[str]:
        """The domains whose checks this gap affects (a gap is shown in the reports of these domains only)."""
        return sorted({domain_of(c).key for c in self.checks})


@dataclass
class Assessment:
    """Every finding of one account with what they were made from. Made by :func:`assess`, completed by
    :func:`assess_run`; views only read it."""

    account_id: str
    account_name: str
    partition: str
    regions: list[str]
    collected_at: str
    today: date
    lang: str
    timezone: str
    settings: Settings
    suppressions: list[Suppression]
    findings: list[Finding]
    gaps: list[Gap]
    made_at: str = ""
    tool_version: str = __version__
    cross_account_checked: bool = False
    comparison: Comparison | None = None
    schema: int = SCHEMA

    # --- what views read ----------------------------------------------------------------------
    def counts(self, findings: Iterable[Finding] | None = None) -> dict[str, int]:
        """Findings by status, suppressed ones apart: ``{FAIL, REVIEW, NOT_ASSESSED, PASS, suppressed}``.
        The one definition of "how many" every page uses."""
        out = dict.fromkeys([*STATUS_ORDER, "suppressed"], 0)
        for finding in self.findings if findings is None else findings:
            out["suppressed" if finding.suppressed else str(finding.status)] += 1
        return out

    def of_domain(self, domain: str) -> list[Finding]:
        """The findings of one domain's checks (cross-account ones included)."""
        return [f for f in self.findings if domain_of(f.check_id).key == domain]

    def gaps_of(self, domain: str) -> list[Gap]:
        """The collection gaps that affect one domain's checks."""
        return [g for g in self.gaps if domain in g.domains]

    # --- file -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "account": {
                "account_id": self.account_id,
                "name": self.account_name,
                "partition": self.partition,
                "regions": self.regions,
                "collected_at": self.collected_at,
            },
            "made_with": {
                "today": self.today.isoformat(),
                "timezone": self.timezone,
                "lang": self.lang,
                "made_at": self.made_at,
                "tool_version": self.tool_version,
                "settings": self.settings.model_dump(mode="json"),
                "suppressions": [s.model_dump(mode="json") for s in self.suppressions],
                "cross_account_checked": self.cross_account_checked,
            },
            "gaps": [g.__dict__ for g in self.gaps],
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Assessment:
        if raw.get("schema") != SCHEMA:
            raise AssessmentError(f"assessment schema {raw.get('schema')!r} is not {SCHEMA}")
        account, made = raw["account"], raw["made_with"]
        return cls(
            account_id=account["account_id"],
            account_name=account.get("name", ""),
            partition=account.get("partition", "aws"),
            regions=list(account.get("regions", [])),
            collected_at=account.get("collected_at", ""),
            today=date.fromisoformat(made["today"]),
            lang=made["lang"],
            timezone=made.get("timezone", "UTC"),
            made_at=made.get("made_at", ""),
            tool_version=made.get("tool_version", ""),
            settings=Settings.model_validate(made.get("settings") or {}),
            suppressions=[Suppression.model_validate(s) for s in made.get("suppressions") or []],
            cross_account_checked=bool(made.get("cross_account_checked")),
            gaps=[Gap(**g) for g in raw.get("gaps") or []],
            comparison=Comparison.from_dict(raw["comparison"]) if raw.get("comparison") else None,
            findings=[Finding.from_dict(f) for f in raw.get("findings") or []],
        )

    def save(self, path: Path) -> Path:
        """Write atomically, private to the user (the file holds client data)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str)
        return write_private(Path(path), text.encode("utf-8"))

    @classmethod
    def load(cls, path: str | Path) -> Assessment:
        """Read a saved assessment; :class:`AssessmentError` with the file's name when it cannot be read."""
        path = Path(path)
        if path.is_dir():
            path = path / ASSESSMENT_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(raw)
        except FileNotFoundError:
            raise AssessmentError(f"{path}: no assessment here (a run writes <account>/{ASSESSMENT_FILE})") from None
        except AssessmentError as err:
            raise AssessmentError(f"{path}: {err}") from None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise AssessmentError(f"{path}: cannot be read ({type(err).__name__}: {err})") from None


def gaps_of(snapshot: Snapshot) -> list[Gap]:
    """The snapshot's collection errors, each with the checks that needed that API."""
    from awsbp.checks.registry import REGISTRY

    out = []
    for err in snapshot.errors:
        checks = [
            spec.id
            for spec in REGISTRY.values()
            if (err["service"], err["api"]) in spec.needs
            and (err["region"] == GLOBAL or err["region"] in snapshot.regions)
        ]
        out.append(Gap(err["service"], err["region"], err["api"], err["code"], err["message"], checks))
    return out


def assess(
    snapshot: Snapshot,
    settings: Settings,
    suppressions: list[Suppression],
    *,
    today: date,
    lang: str,
    timezone: str = "UTC",
    inventory: Inventory | None = None,
) -> Assessment:
    """Every check over one account's snapshot, in one language, with the suppressions live on ``today``."""
    # the checks are imported here, not at the top: a view that only reads an Assessment never loads them
    from awsbp.checks.run import run_checks
    from awsbp.inventory import Inventory

    inventory = inventory or Inventory(snapshot, settings)
    findings = Catalog(lang).localize(run_checks(inventory, settings))
    suppress.apply(findings, suppressions, today, inventory.resource_tags)
    return Assessment(
        account_id=snapshot.account_id,
        account_name=str(snapshot.meta.get("account_name") or snapshot.account_id),
        partition=str(snapshot.meta.get("partition", "aws")),
        regions=snapshot.regions,
        collected_at=str(snapshot.meta.get("collected_at", "")),
        today=today,
        lang=lang,
        timezone=timezone,
        made_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings=settings,
        suppressions=list(suppressions),
        findings=findings,
        gaps=gaps_of(snapshot),
    )


@dataclass
class PreviousAssessment:
    """The same account in the run compared with: its assessment, or why it could not be read."""

    run_id: str
    assessment: Assessment | None = None
    problem: str = ""


def assess_run(
    accounts: list[tuple[Assessment, Inventory]], previous: Mapping[str, PreviousAssessment] | None = None
) -> list[Assessment]:
    """Complete a batch's assessments: the cross-account checks, each finding attributed to the account it
    concerns (replacing the account-level result it overrides), then each account compared with its previous
    run. Returns the same assessment objects, updated."""
    from awsbp.checks.cross_account import cross_account_findings

    inventories = [inv for _, inv in accounts]
    by_account: dict[str, list[Finding]] = {}
    for finding in cross_account_findings(inventories):
        by_account.setdefault(finding.account_id, []).append(finding)
    previous = previous or {}
    for assessment, inventory in accounts:
        if not assessment.cross_account_checked:
            _merge_cross_account(assessment, inventory, by_account.get(assessment.account_id, []))
        before = previous.get(assessment.account_id)
        if before is not None:
            assessment.comparison = diff.compare_assessments(assessment, before)
    return [a for a, _ in accounts]


def _merge_cross_account(assessment: Assessment, inventory: Inventory, found: list[Finding]) -> None:
    from awsbp.checks.cross_account import OVERRIDDEN

    Catalog(assessment.lang).localize(found)
    suppress.apply(found, assessment.suppressions, assessment.today, inventory.resource_tags)
    replaced = {
        (f.check_id, f.resource_id)
        for f in found
        if f.check_id in OVERRIDDEN  # the account-level result this cross-account verdict stands for
    }
    kept = []
    for finding in assessment.findings:
        if (finding.check_id, finding.resource_id) in replaced and finding.reason in OVERRIDDEN[finding.check_id]:
            for cross in found:
                if (cross.check_id, cross.resource_id) == (finding.check_id, finding.resource_id):
                    cross.evidence["replaces"] = finding.reason
            continue
        kept.append(finding)
    assessment.findings = sorted([*kept, *found], key=lambda f: f.check_id)
    assessment.cross_account_checked = True
