"""open_run: finding a run wherever it is, and reading it as the reports did (the saved assessments)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from awsbp.assess import Assessment
from awsbp.report.followup import Run, RunError, open_run

from followup.world import MGMT, PROD


def test_a_run_opens_by_relative_absolute_and_account_path(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir.parents[2])
    relative = open_run(f"reports/acme/{run_dir.name}")
    assert relative.path == run_dir.resolve() and relative.run_id == run_dir.name and relative.client == "acme"
    assert open_run(run_dir).path == run_dir.resolve()
    assert open_run(run_dir / MGMT).path == run_dir.resolve()  # an account folder: its run
    assert open_run(run_dir / "run.json").path == run_dir.resolve()
    assert open_run(relative) is relative


def test_latest_run_of_a_client_from_anywhere_below_the_project(client_root, run_dir, monkeypatch):
    monkeypatch.chdir(client_root)
    assert open_run("reports/acme", "latest").path == run_dir
    assert open_run(client="acme").path == run_dir
    (client_root / "notebooks").mkdir(exist_ok=True)
    monkeypatch.chdir(client_root / "notebooks")  # a notebook's folder: reports/ is found in a parent
    assert open_run().path == run_dir
    assert open_run(reports=client_root / "reports", client="acme").path == run_dir
    earlier = open_run("../reports/acme", sorted(p.name for p in run_dir.parent.iterdir())[0])
    assert earlier.path != run_dir and earlier.path.parent == run_dir.parent


def test_a_copied_run_opens_where_it_is(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "elsewhere" / run_dir.name)
    moved = open_run(copy)
    assert moved.path == copy and set(moved.assessments) == {MGMT, PROD}
    assert len(moved.inventory("security_groups")) == len(open_run(run_dir).inventory("security_groups"))


def test_errors_say_where_awsbp_looked(client_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunError, match=r"no run at .*nowhere.*looked from .*run\.json"):
        open_run("nowhere")
    with pytest.raises(RunError, match=r"holds 2 run\(s\).*'latest'"):
        open_run(client_root / "reports" / "acme")
    with pytest.raises(RunError, match=r"no reports folder found \(looked at .*reports"):
        open_run()
    with pytest.raises(RunError, match=r"no run 'x' in .*latest runs"):
        open_run(client_root / "reports" / "acme", "x")
    assert open_run(sample_if_none=True).is_sample


def test_findings_are_the_assessments_findings(run, run_dir):
    saved = {a: Assessment.load(run_dir / a) for a in (MGMT, PROD)}
    f = run.findings
    assert len(f) == sum(len(a.findings) for a in saved.values())
    for account_id, a in saved.items():
        mine = f[f.account_id == account_id]
        assert set(mine.finding_id) == {x.finding_id for x in a.findings}
        high = sum(1 for x in a.findings if x.status == "FAIL" and x.severity == "high")
        assert ((mine.status == "FAIL") & (mine.severity == "high")).sum() == high
    assert set(f.account_name) == {"acme-management", "acme-prod"}
    assert {"domain", "finding_id", "check_id", "resource_arn", "detail", "suppressed", "cross_account"} <= set(f)
    assert "ev_users" in f and "ev" not in f  # evidence flattened; an empty one adds no column
    assert str(f.collected_at.dtype) == "datetime64[ns, UTC]" and f.collected_at.notna().all()
    assert f.sort_values("severity").severity.iloc[0] == "critical"  # ordered like the reports
    assert f.cross_account.any() and f[f.cross_account].check_id.isin(["BP-IAM-06", "BP-VPC-06"]).all()


def test_suppressions_carry_owner_expiry_and_days_left(run):
    f = run.findings
    live = f[f.suppressed]
    assert len(live) and (live.suppress_owner == "db-team").all() and (live.check_id == "BP-VPC-05").all()
    assert str(f.suppress_expires.dtype) == "datetime64[ns, UTC]"
    assert (live.suppress_expires.dt.year == 2099).all() and (live.suppress_days_left > 0).all()
    expired = f[f.suppress_reason.str.startswith("EXPIRED")]
    assert len(expired) and not expired.suppressed.any() and (expired.suppress_days_left < 0).all()
    rules = run.suppressions
    assert list(rules.sort_values("check").groupby("check").findings_suppressed.sum()) == [0, len(live)]
    assert rules.is_expired.sum() == 2  # the expired rule, in each account


def test_changes_name_new_fixed_and_not_compared(run):
    changes = run.changes
    new = changes[changes.change == "new"]
    assert set(zip(new.account_name, new.check_id, strict=True)) >= {
        ("acme-prod", "BP-VPC-02"),
        ("acme-management", "BP-IAM-05"),
    }
    fixed = changes[changes.change == "fixed"]
    assert ("acme-management", "shop-dev-app") in set(zip(fixed.account_name, fixed.resource_name, strict=True))
    skipped = changes[changes.change == "not_compared"]
    assert len(skipped) and (skipped.why_text != "").all() and (skipped.account_name == "acme-prod").all()
    counts = run.accounts.set_index("account_name")
    assert counts.loc["acme-prod", "new"] == len(new[new.account_name == "acme-prod"])


def test_gaps_name_the_permission_that_closes_them(run):
    gaps = run.gaps
    denied = gaps[gaps.is_access_denied]
    assert list(denied.permission) == ["lambda:ListFunctions"] and list(denied.account_name) == ["acme-prod"]
    moto = gaps[gaps.service == "accessanalyzer"]
    assert (moto.permission == "access-analyzer:ListAnalyzers").all() and not moto.is_access_denied.any()
    assert gaps.checks.map(list).explode().dropna().str.startswith("BP-").all()


def test_one_account_by_name_or_id(run, run_dir):
    prod = run.account("acme-prod")
    assert (
        run.account(PROD).account_id == prod.account_id == PROD and run.account("ACME-PROD").account_name == "acme-prod"
    )
    assert set(prod.findings.account_id) == {PROD} and set(prod.inventory("sg_rules").account_id) == {PROD}
    assert prod.folder == run_dir / PROD and prod.snapshot.account_id == PROD
    wb = prod.workbook("vpc")
    assert wb.assessment.account_id == PROD and not wb.recomputed
    assert int(wb.counts()["FAIL"].sum()) == int(
        ((prod.findings.domain == "vpc") & (prod.findings.status == "FAIL") & ~prod.findings.suppressed).sum()
    )
    with pytest.raises(RunError, match=r"no account 'acme-sandbox'.*acme-management \(123456789012\)"):
        run.account("acme-sandbox")


def test_a_failed_account_is_listed_not_assessed(run_dir, tmp_path):
    import json

    copy = shutil.copytree(run_dir, tmp_path / run_dir.name)
    info = json.loads((copy / "run.json").read_text())
    info["accounts"].append(
        {
            "name": "acme-sandbox",
            "account_id": "999999999999",
            "status": "failed",
            "error": "cannot assume role",
            "directory": "",
        }
    )
    (copy / "run.json").write_text(json.dumps(info))
    run = open_run(copy)
    row = run.accounts.set_index("account_name").loc["acme-sandbox"]
    assert not row.is_assessed and row.error == "cannot assume role" and row.isna()["FAIL"]
    with pytest.raises(RunError, match=r"not assessed in run .*cannot assume role"):
        run.account("acme-sandbox")
    assert set(run.findings.account_id) == {MGMT, PROD}


def test_the_sample_run_needs_no_folder():
    sample = Run.sample()
    assert sample.is_sample and sample.path is None and len(sample.findings) and len(sample.inventory("vpcs"))
    assert sample.changes.empty and not sample.gaps.empty
    assert sample.account(sample.account_list[0]["account_id"]).workbook("iam").recomputed == "sample"


def test_importing_awsbp_stays_light_and_exports_open_run():
    code = (
        "import sys, awsbp; assert 'pandas' not in sys.modules, 'pandas imported';"
        "from awsbp.report.followup import open_run; assert awsbp.open_run is open_run; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_run_where_nothing_was_assessed_still_has_every_column(run_dir, tmp_path):
    import json

    copy = shutil.copytree(run_dir, tmp_path / run_dir.name)
    info = json.loads((copy / "run.json").read_text())
    for account in info["accounts"]:
        account.update(status="failed", error="interrupted before collection")
    (copy / "run.json").write_text(json.dumps(info))
    empty = open_run(copy)
    assert empty.assessments == {} and len(empty.accounts) == 2 and not empty.accounts.is_assessed.any()
    assert empty.findings.empty and {"account_id", "severity", "suppress_expires"} <= set(empty.findings)
    keys = empty.inventory("access_keys")
    assert keys.empty and str(keys.last_used.dtype) == "datetime64[ns, UTC]" and "key_age_days" in keys
    assert int(empty.sql("select count(*) as n from sg_rules").n.iloc[0]) == 0


def test_what_a_report_kernel_imports_leaves_the_notebook_machinery_out():
    """The views a report notebook calls (and the index the summary embeds) run inside the kernel: importing
    nbformat there would cost seconds per notebook (jsonschema compiles an RFC 3987 grammar at import), and the
    charts are drawn without a plotting library."""
    views = ("workbook", "summary", "index", "document", "followup.frames")
    code = (
        "import importlib, sys\n"
        f"for name in {views!r}: importlib.import_module('awsbp.report.' + name)\n"
        "print(sorted(m for m in ('nbformat', 'nbclient', 'jsonschema', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
