"""What the demo's seeded mistakes must produce (``awsbp/demo/expected_findings.yaml``), and the comparison of a
run folder with it — shared by the demo's end-to-end test and the Dask cluster test."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import yaml

EXPECTED = yaml.safe_load(files("awsbp.demo").joinpath("expected_findings.yaml").read_text(encoding="utf-8"))


def key(f: dict) -> tuple:
    return (f["check_id"], f["status"], f["severity"], f["region"], f["resource_name"], f["reason"])


def expected(rows: list, account_id: str) -> list[tuple]:
    return sorted(tuple(str(v).replace("{account}", account_id) for v in row) for row in rows)


def accounts_of(run_dir: Path) -> dict[str, dict]:
    return {a["name"]: a for a in json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["accounts"]}


def differences(run_dir: Path) -> dict[str, object]:
    """Per reachable demo account, what differs from the expected findings: the findings that are not PASS
    (exactly), the cross-account ones attributed to it (exactly), and the PASS counterparts missing. Empty when
    the run matches."""
    accounts = accounts_of(run_dir)
    if set(accounts) != {*EXPECTED["accounts"], *EXPECTED["unreachable"]}:
        return {"accounts": sorted(accounts)}
    out: dict[str, object] = {}
    for name, want in EXPECTED["accounts"].items():
        account = accounts[name]
        if account["status"] != "ok":
            out[name] = account["error"]
            continue
        findings = json.loads((run_dir / account["directory"] / "findings.json").read_text(encoding="utf-8"))
        not_pass = sorted(key(f) for f in findings if f["status"] != "PASS" and not f["cross_account"])
        if not_pass != expected(want["mistakes"], account["account_id"]):
            out[f"{name} not PASS"] = not_pass
        cross = sorted((name, *key(f)) for f in findings if f["cross_account"])
        if cross != sorted(tuple(row) for row in EXPECTED["cross_account"] if row[0] == name):
            out[f"{name} cross-account"] = cross
        passed = {key(f) for f in findings if f["status"] == "PASS"}
        missing = [c for c in expected(want["counterparts"], account["account_id"]) if c not in passed]
        if missing:
            out[f"{name} PASS missing"] = missing
    return out
