"""The VPC notebook executed by papermill on a small snapshot, in both languages, with hostile data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from awsbp.render import execute_and_convert
from factory import good_iam_world, rule, sg, snapshot, with_

pytestmark = pytest.mark.slow
NOTEBOOKS = Path(__file__).parents[2] / "notebooks"
NOTEBOOK = NOTEBOOKS / "10_vpc.ipynb"
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>$\\frac{a}{b}$ **bold** 本番'


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory):
    world = good_iam_world()
    world["iam.GetAccountAuthorizationDetails"][0]["UserDetailList"].append(
        {
            "UserName": HOSTILE,
            "Arn": "arn:aws:iam::111122223333:user/x",
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "UserPolicyList": [],
        }
    )
    with_(world, "ec2.DescribeSecurityGroups", sg("sg-evil", "vpc-prod", "evil", Name=HOSTILE))
    with_(world, "ec2.DescribeSecurityGroupRules", rule("sg-evil", "sgr-evil", cidr="0.0.0.0/0", port=22))
    path = tmp_path_factory.mktemp("snap") / "snapshot.json.gz"
    snapshot(world).save(path)
    return path


@pytest.mark.parametrize(("notebook", "checks"), [("10_vpc", 8), ("20_iam", 11)])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_notebook_renders_every_check_and_escapes_account_data(hostile_snapshot, tmp_path, lang, notebook, checks):
    result = execute_and_convert(
        NOTEBOOKS / f"{notebook}.ipynb", tmp_path, {"snapshot": str(hostile_snapshot), "lang": lang}
    )
    assert result.ok, result.error
    html = result.html.read_text(encoding="utf-8")
    domain = notebook.split("_")[1].upper()
    for n in range(1, checks + 1):
        assert f'id="BP-{domain}-{n:02d}"' in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror" in html
    assert "open_workbook" not in html  # code is hidden
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert re.search(r"[\u3040-\u30ff]", html) if lang == "ja" else "Why it matters" in html


def test_notebook_failure_is_reported_not_raised(tmp_path):
    result = execute_and_convert(NOTEBOOK, tmp_path, {"snapshot": str(tmp_path / "missing.json.gz")})
    assert not result.ok and "SnapshotError" in result.error
    assert (tmp_path / "10_vpc.ipynb").is_file()
