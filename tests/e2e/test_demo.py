"""`awsbp demo` end to end: a simulated Organization → AssumeRole → collection → checks → notebooks → HTML,
exports, the run summary and the diff against the demo's earlier run."""

from __future__ import annotations

import html
import json
import re

import demo_expected
import pytest
from demo_expected import EXPECTED, differences, expected, key

pytestmark = pytest.mark.slow
# each language's demo run is built once, by the worker that runs that language's group (the two run side by side)
LANGUAGES = [pytest.param(lang, marks=pytest.mark.xdist_group(f"demo-{lang}")) for lang in ("en", "ja")]


@pytest.fixture(scope="module", params=LANGUAGES)
def demo_run(request, demo_runs):
    index, account = demo_runs(request.param)
    return request.param, index, account


def accounts_of(index) -> dict[str, dict]:
    return demo_expected.accounts_of(index.parent)


def test_every_reachable_account_matches_its_seeded_mistakes_exactly(demo_run):
    _, index, _ = demo_run
    assert differences(index.parent) == {}


def test_the_member_without_the_audit_role_fails_alone_with_one_clear_line(demo_run):
    _, index, _ = demo_run
    stderr = (index.parent / "stderr.log").read_text(encoding="utf-8")
    for name in EXPECTED["unreachable"]:
        account = accounts_of(index)[name]
        assert account["status"] == "failed" and account["bad_input"]
        assert "AccessDenied" in account["error"] and "awsbp-audit" in account["error"]
        assert f"awsbp: {name}: cannot assume arn:aws:iam::{account['account_id']}:role/awsbp-audit" in stderr
        assert not (index.parent / account["account_id"]).exists()
    assert "Traceback" not in stderr


def test_cross_account_checks_in_the_summary(demo_run):
    _, index, _ = demo_run
    names = {a["account_id"]: name for name, a in accounts_of(index).items()}
    cross = json.loads((index.parent / "cross_account_findings.json").read_text(encoding="utf-8"))
    assert sorted((names[f["account_id"]], *key(f)) for f in cross) == sorted(map(tuple, EXPECTED["cross_account"]))
    summary = index.read_text(encoding="utf-8")
    assert "payments-dev" in summary and "dave" in summary
    assert re.search(r"payments-prod[^<]*acme-prod|acme-prod[^<]*payments-prod", html.unescape(summary))  # by account


def test_second_run_is_compared_with_the_first(demo_run):
    from awsbp.assess import Assessment

    _, index, _ = demo_run
    earlier = sorted(index.parent.parent.iterdir())[0]
    assert earlier != index.parent and not list(earlier.glob("*/*.html"))  # assessments only, no reports
    for name, want in EXPECTED["changes"].items():
        account = accounts_of(index)[name]
        comparison = Assessment.load(index.parent / account["directory"]).comparison
        now = {f.finding_id: f for f in Assessment.load(index.parent / account["directory"]).findings}
        got = {
            "new": sorted((now[i].check_id, now[i].resource_name, now[i].reason) for i in comparison.new),
            "fixed": sorted((f.check_id, f.resource_name, f.reason) for f in comparison.fixed),
        }
        for kind in ("new", "fixed"):
            assert got[kind] == sorted(map(tuple, want[kind])), (name, kind)
        assert comparison.previous_run == earlier.name and not comparison.not_compared
        assert account["changes"]["previous_run"] == earlier.name
        assert account["changes"]["new"] == len(want["new"]) and account["changes"]["fixed"] == len(want["fixed"])


def test_report_shows_every_check_in_the_chosen_language(demo_run):
    lang, index, account = demo_run
    html = (account / "10_vpc.html").read_text(encoding="utf-8")
    for n in range(1, 9):
        assert f'id="BP-VPC-0{n}"' in html
    iam_html = (account / "20_iam.html").read_text(encoding="utf-8")
    for n in range(1, 12):
        assert f'id="BP-IAM-{n:02d}"' in iam_html
    assert "open-role" in iam_html and "ListAnalyzers" in iam_html  # the gap that stays is named
    assert "deploy-bot:key1" in iam_html and "grace" in iam_html  # dates seeded through the simulated IAM
    dev_html = (account / "30_devtools.html").read_text(encoding="utf-8")
    for n in range(1, 8):
        assert f'id="BP-DEV-{n:02d}"' in dev_html
    assert "orders-api" in dev_html and "AWS_ACCESS_KEY_ID" in dev_html  # names are shown; values never are
    assert f'<html lang="{lang}"' in html
    if lang == "ja":
        assert "なぜ重要か" in html and "対処方法" in html
    else:
        assert "Why it matters" in html and "How to fix" in html
    assert "shop-dev-app-1" in html and '<figure class="chart"' in html
    assert not re.search(r"""<script[^>]+src=|(src|href)=["']https?://""", html)
    index_html = index.read_text(encoding="utf-8")
    assert f"{account.name}/10_vpc.html" in index_html and f"{account.name}/20_iam.html" in index_html
    assert ("API calls that failed during collection: 4" in index_html) or ("失敗した API 呼び出し: 4" in index_html)
    assert "findings.csv" in index_html and not (index.parent / "00_summary.html").exists()  # the summary IS the index
    linked = re.search(r'href="(\d{12})/10_vpc\.html#BP-VPC-02"', index_html)  # an urgent action, linked to its section
    assert linked and 'id="BP-VPC-02"' in (index.parent / linked[1] / "10_vpc.html").read_text(encoding="utf-8")
    assert "acme-sandbox" in index_html and "AccessDenied" in index_html  # the failed member, with its reason
    assert (index.parent / "00_summary.ipynb").is_file()  # the executed notebook, for follow-up
    assert (index.parent / "cross_account_findings.json").is_file()


def test_snapshot_and_run_log(demo_run):
    _, index, account = demo_run
    from awsbp.gaps import gap_advice
    from awsbp.snapshot import Snapshot

    snap = Snapshot.load(account / "snapshot.json.gz")
    gaps = sorted((e["service"], e["region"], e["api"]) for e in snap.errors)
    assert gaps == [  # moto 5.2 does not implement these (nor does the demo's simulated AWS): NOT_ASSESSED, never PASS
        ("accessanalyzer", "ap-northeast-1", "ListAnalyzers"),
        ("accessanalyzer", "us-east-1", "ListAnalyzers"),
        ("codecommit", "ap-northeast-1", "ListRepositories"),
        ("codecommit", "us-east-1", "ListRepositories"),
    ]
    # said plainly by the simulated AWS: the report's advice is "the endpoint does not offer this API", not "the
    # call failed unexpectedly" over an HTML error page
    assert {e["code"] for e in snap.errors} == {"NotImplemented"}
    assert {gap_advice(e["code"]) for e in snap.errors} == {"gap_unsupported"}
    assert snap.meta["regions"] == ["ap-northeast-1", "us-east-1"]
    iam = snap.data["iam"]["global"]
    assert [r["user"] for r in iam["GetCredentialReport"]][:2] == ["<root_account>", "alice"]  # root first, as AWS
    assert [(c["UserName"], c["ServiceName"]) for c in iam["ListServiceSpecificCredentials"]] == [
        ("bob", "codecommit.amazonaws.com")
    ]
    assert [k["UserName"] for k in iam["ListSSHPublicKeys"]] == ["bob"]  # listed for the holder only
    assert snap.meta["calls"]["ec2.DescribeSecurityGroupRules"] == 2
    run = accounts_of(index)["acme-management"]
    assert run["status"] == "ok" and run["counts"]["FAIL"] > 0


def test_bundled_sample_snapshot_is_the_demo_account():
    """The sample notebooks use offline must stay in step with the demo (regenerate: make sample)."""
    from datetime import date

    from awsbp.assess import assess
    from awsbp.params import Settings
    from awsbp.report.workbook import sample_snapshot_path
    from awsbp.snapshot import Snapshot

    sample = Snapshot.load(sample_snapshot_path())
    findings = assess(sample, Settings(), [], today=date.today(), lang="en").findings
    not_pass = sorted(key(f.to_dict()) for f in findings if f.status != "PASS")
    want = expected(EXPECTED["accounts"]["acme-management"]["mistakes"], sample.account_id)
    assert not_pass == want, "run `make sample`"


def test_demo_refuses_real_endpoints():
    from awsbp.demo.clients import demo_clients

    for endpoint in ("https://ec2.ap-northeast-1.amazonaws.com", "http://10.0.0.5:5000"):
        with pytest.raises(ValueError):
            demo_clients(endpoint)


def test_no_seeded_secret_value_reaches_any_output(demo_run):
    """The demo seeds fabricated keys and passwords into Lambda, CodeBuild and user data: none may leak."""
    import gzip

    from awsbp.demo.world_devtools import DEMO_SECRET_VALUES

    _, index, account = demo_run
    files = [p for p in index.parent.parent.rglob("*") if p.is_file()]  # both runs of the demo
    assert {p.suffix for p in files} >= {".html", ".ipynb", ".json", ".csv", ".gz", ".log"}
    for path in files:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for value in DEMO_SECRET_VALUES:
            assert value.encode() not in data, f"{value[:4]}… leaked into {path.name}"
    findings = json.loads((account / "findings.json").read_text(encoding="utf-8"))
    leaks = {
        f["check_id"]
        for f in findings
        if f["reason"] in ("aws_key_in_env", "secret_in_plaintext", "aws_key_in_user_data", "access_key_in_code")
    }
    assert leaks == {"BP-DEV-01", "BP-DEV-02", "BP-DEV-03", "BP-IAM-04"}  # detected, yet never shown


def test_every_operation_of_the_run_is_a_read_and_in_the_published_policy(demo_run):
    from awsbp.aws import is_allowed_operation
    from awsbp.collect import readonly_policy
    from awsbp.snapshot import Snapshot

    _, _, account = demo_run
    calls = Snapshot.load(account / "snapshot.json.gz").meta["calls"]
    assert len(calls) > 30
    assert all(is_allowed_operation(*name.split(".")) for name in calls), calls
    prefix = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "accessanalyzer": "access-analyzer"}
    made = {f"{prefix.get(s, s)}:{op}" for s, op in (n.split(".") for n in calls)} - {"sts:GetCallerIdentity"}
    policy = set(readonly_policy()["Statement"][0]["Action"])
    assert made <= policy, made - policy  # the policy covers every call
    from awsbp.collect import organizations

    # nothing unused, but the regions lookup of `all-enabled`, the Organization discovery (management account)
    # and the per-user fallback of the credentials listing
    assert policy - made == {"ec2:DescribeRegions", *organizations.ACTIONS, "iam:ListUsers"}


def test_every_number_shown_equals_the_exports_and_the_saved_assessment(demo_run):
    """One truth: the executive summary's counts, the index's account table and heat map, and each domain report's
    overview, severity counts and changes, read from the HTML, equal the exports (findings.csv) and
    assessment.json."""
    import csv
    from collections import Counter

    from awsbp.assess import Assessment
    from awsbp.domains import DOMAINS, domain_of
    from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER
    from bs4 import BeautifulSoup

    _, index, _ = demo_run
    page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    every: Counter = Counter()  # (severity, status) over every assessed account: the executive summary's table
    for account in accounts_of(index).values():
        if account["status"] != "failed":
            with (index.parent / account["directory"] / "findings.csv").open(encoding="utf-8-sig") as fh:
                every.update((r["severity"], r["status"]) for r in csv.DictReader(fh) if r["suppressed"] != "True")
    cells = page.select("table.counts td[data-severity][data-status]")
    assert len(cells) == len(SEVERITY_ORDER) * len(STATUS_ORDER)
    assert {(td["data-severity"], td["data-status"]): int(td.get_text()) for td in cells} == {
        (sev, st): every[(sev, st)] for sev in SEVERITY_ORDER for st in STATUS_ORDER
    }
    for name, account in accounts_of(index).items():
        row = page.select_one(f'table.summary tr[data-account="{account["account_id"]}"]')
        heat = page.select(f'tr[data-account="{account["account_id"]}"] td[data-domain]')
        if account["status"] == "failed":
            assert row is not None and "—" in row.get_text() and not row.select("td[data-status]"), name
            heat_row = page.select(f'tr[data-account="{account["account_id"]}"]')[-1]
            assert not heat and "not-assessed" in str(heat_row), name  # never zeros for an unread account
            continue
        folder = index.parent / account["directory"]
        with (folder / "findings.csv").open(encoding="utf-8-sig") as fh:
            shown = [r for r in csv.DictReader(fh) if r["suppressed"] != "True"]
        by_status = Counter(r["status"] for r in shown)
        assert {s: int(row.select_one(f'td[data-status="{s}"]').get_text()) for s in STATUS_ORDER} == {
            s: by_status[s] for s in STATUS_ORDER
        }, name
        assert {s: account["counts"][s] for s in STATUS_ORDER} == {s: by_status[s] for s in STATUS_ORDER}, name
        by_domain = Counter((domain_of(r["check_id"]).key, r["status"]) for r in shown)
        assert {(td["data-domain"], td["data-status"]): int(td.get_text()) for td in heat} == {
            (d.key, s): by_domain[(d.key, s)] for d in DOMAINS for s in STATUS_ORDER
        }, name
        comparison = Assessment.load(folder).comparison
        for domain in DOMAINS:
            report = BeautifulSoup((folder / f"{domain.notebook}.html").read_text(encoding="utf-8"), "html.parser")
            mine = [r for r in shown if domain_of(r["check_id"]).key == domain.key]
            by_check = Counter((r["check_id"], r["status"]) for r in mine)
            for tr in report.select("tr[data-check]"):
                for td in tr.select("td[data-status]"):
                    want = sum(
                        v
                        for (c, s), v in by_check.items()
                        if s == td["data-status"] and tr["data-check"] in (c, "total")
                    )
                    assert int(td.get_text()) == want, (name, domain.key, tr["data-check"], td["data-status"])
            fails = Counter(r["severity"] for r in mine if r["status"] == "FAIL")
            for td in report.select("td[data-severity]"):
                assert int(td.select_one(".n").get_text()) == fails[td["data-severity"]], (name, domain.key)
            assert len(report.select("td[data-severity]")) == (len(SEVERITY_ORDER) if fails else 0)
            lead = report.find(string=re.compile(re.escape(comparison.previous_run))) if comparison else None
            if lead is not None:  # the changes section names the previous run, then new and fixed counts
                fixed = [f for f in comparison.fixed if domain_of(f.check_id).key == domain.key]
                new = [i for i in comparison.new if any(r["finding_id"] == i for r in mine)]
                numbers = [int(n) for n in re.findall(r"\d+", lead.split(comparison.previous_run, 1)[1])]
                assert numbers[:2] == [len(new), len(fixed)], (name, domain.key)


def test_every_article_point_has_a_verdict_in_some_demo_account():
    """The demo shows every point of the article the reports follow: for each point, some check implementing it
    says something other than NOT_ASSESSED in some account (the expected findings, which the demo matches
    exactly: test_every_reachable_account_matches_its_seeded_mistakes_exactly)."""
    from awsbp.catalog import Catalog
    from awsbp.checks.registry import REGISTRY

    said = {
        row[0]
        for account in EXPECTED["accounts"].values()
        for row in [*account["mistakes"], *account.get("counterparts", [])]
        if row[1] != "NOT_ASSESSED"
    }
    points = set(Catalog("en").article().points) - {"beyond", "departures"}
    shown = {spec.article for spec in REGISTRY.values() if spec.article and spec.id in said}
    assert points and not points - shown, sorted(points - shown)
