"""Run-to-run comparison by stable finding id: what is new, what was fixed, what is still open."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from awsbp.findings import Finding, Status, read_json

OPEN = (Status.FAIL, Status.REVIEW)


@dataclass
class Changes:
    """Open findings (FAIL/REVIEW) compared with a previous run of the same account."""

    previous_run: str
    new: list[Finding] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    still_open: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "fixed": len(self.fixed), "still_open": len(self.still_open)}


def compare(current: list[Finding], previous: list[Finding], previous_run: str = "") -> Changes:
    """``fixed`` = open before and now PASS or gone; NOT_ASSESSED now is neither fixed nor open (unknown)."""
    now = {f.finding_id: f for f in current}
    before_open = {f.finding_id: f for f in previous if f.status in OPEN}
    unknown_now = {f.check_id for f in current if f.status == Status.NOT_ASSESSED}
    changes = Changes(previous_run)
    for fid, f in now.items():
        if f.status in OPEN:
            (changes.still_open if fid in before_open else changes.new).append(f)
    for fid, f in before_open.items():
        gone_or_passed = fid not in now or now[fid].status == Status.PASS
        if gone_or_passed and f.check_id not in unknown_now:
            changes.fixed.append(f)
    return changes


def previous_findings(run_dir: Path, account_id: str, compare_with: Path | None) -> tuple[Path | None, str]:
    """The findings.json of ``compare_with``, or of the latest earlier run of this client holding the account."""
    if compare_with is not None:
        candidate = Path(compare_with) / account_id / "findings.json"
        return (candidate, Path(compare_with).name) if candidate.is_file() else (None, "")
    earlier = sorted(p for p in run_dir.parent.iterdir() if p.is_dir() and p.name < run_dir.name)
    for run in reversed(earlier):
        candidate = run / account_id / "findings.json"
        if candidate.is_file():
            return candidate, run.name
    return None, ""


def load(path: Path | None) -> list[Finding]:
    return read_json(path) if path else []
