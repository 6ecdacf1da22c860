"""Run-to-run comparison by stable finding id: what is new, what was fixed, what is still open — and what could
not be compared.

The rule: a finding open (FAIL/REVIEW) last time is *fixed* only when this assessment looked at the same scope
and found it passed or gone. When the scope was not assessed this time (a region left out, the check
NOT_ASSESSED there, the cross-account checks not run, the account itself not assessed) the finding is *not
compared*, with the reason — never "fixed".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from awsbp.findings import Finding, Status
from awsbp.snapshot import GLOBAL

if TYPE_CHECKING:
    from awsbp.assess import Assessment, PreviousAssessment

OPEN = (Status.FAIL, Status.REVIEW)


@dataclass
class NotCompared:
    """A finding open last time whose scope was not assessed this time; ``why`` is a reason code the catalog
    words (``region_not_assessed``, ``check_not_assessed``, ``cross_account_not_run``), ``detail`` its data."""

    finding: Finding
    why: str
    detail: str = ""


@dataclass
class Comparison:
    """Open findings (FAIL/REVIEW) compared with a previous run of the same account."""

    previous_run: str
    new: list[str] = field(default_factory=list)  # finding ids, open now, not open before
    still_open: list[str] = field(default_factory=list)  # finding ids, open before and now
    fixed: list[Finding] = field(default_factory=list)  # open before; assessed now and passed or gone
    not_compared: list[NotCompared] = field(default_factory=list)
    problem: str = ""  # why the previous run could not be read (then nothing was compared)

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "fixed": len(self.fixed),
            "still_open": len(self.still_open),
            "not_compared": len(self.not_compared),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous_run": self.previous_run,
            "problem": self.problem,
            "new": self.new,
            "still_open": self.still_open,
            "fixed": [f.to_dict() for f in self.fixed],
            "not_compared": [
                {"finding": n.finding.to_dict(), "why": n.why, "detail": n.detail} for n in self.not_compared
            ],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Comparison:
        return cls(
            previous_run=raw.get("previous_run", ""),
            problem=raw.get("problem", ""),
            new=list(raw.get("new") or []),
            still_open=list(raw.get("still_open") or []),
            fixed=[Finding.from_dict(f) for f in raw.get("fixed") or []],
            not_compared=[
                NotCompared(Finding.from_dict(n["finding"]), n["why"], n.get("detail", ""))
                for n in raw.get("not_compared") or []
            ],
        )


def compare(current: Assessment, previous: Assessment, previous_run: str = "") -> Comparison:
    """New, still open, fixed and not compared, by finding id (the rule is in the module docstring)."""
    now = {f.finding_id: f for f in current.findings}
    before_open = {f.finding_id: f for f in previous.findings if f.status in OPEN}
    out = Comparison(previous_run)
    for fid, f in now.items():
        if f.status in OPEN:
            (out.still_open if fid in before_open else out.new).append(fid)
    for fid, f in before_open.items():
        found = now.get(fid)
        if found is not None and found.status in OPEN:
            continue
        why, detail = ("", "") if found is not None else _unassessed(current, f)
        if why:
            out.not_compared.append(NotCompared(f, why, detail))
        else:
            out.fixed.append(f)
    return out


def _unassessed(current: Assessment, finding: Finding) -> tuple[str, str]:
    """Why ``finding``'s scope was not assessed in ``current`` (reason code, detail), or ``("", "")``."""
    if finding.region != GLOBAL and finding.region not in current.regions:
        return "region_not_assessed", finding.region
    for gap in current.findings:
        if (
            gap.check_id == finding.check_id
            and gap.status == Status.NOT_ASSESSED
            and gap.resource_type == "scope"
            and gap.region in (finding.region, GLOBAL)
        ):
            return "check_not_assessed", str(gap.evidence.get("missing") or gap.detail)
    if finding.cross_account and not current.cross_account_checked:
        return "cross_account_not_run", ""
    return "", ""


def compare_assessments(current: Assessment, previous: PreviousAssessment) -> Comparison:
    """:func:`compare` with a previous run that may be unreadable (then the comparison says why, and is empty)."""
    if previous.assessment is None:
        return Comparison(previous.run_id, problem=previous.problem or "previous assessment not found")
    return compare(current, previous.assessment, previous.run_id)
