"""Batch over an AWS Organization (moto): discovery, OU scoping, filters, and the clear error without one."""

from __future__ import annotations

import json

import boto3
import pytest
from awsbp.cli import main

pytestmark = pytest.mark.slow


def make_org() -> dict[str, str]:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ids = {}
    for name in ("prod", "dev", "sandbox"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"][
            "AccountId"
        ]
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    for name in ("prod", "dev"):
        org.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=ou)
    ids["ou"] = ou
    return ids


def params(tmp_path, rule: str):
    path = tmp_path / "org.yaml"
    path.write_text(f"client: acme\nregions: [eu-west-1]\nmax_workers: 2\norganizations:\n{rule}", encoding="utf-8")
    return path


def test_every_account_of_an_ou_is_assessed_through_the_role(aws_env, tmp_path, capsys):
    ids = make_org()
    rule = f"  role_name: audit\n  ous: [{ids['ou']}]\n  exclude: [dev]\n"
    code = main(["run", str(params(tmp_path, rule)), "--output", str(tmp_path / "out"), "--quiet", "--no-reports"])
    assert code == 0, capsys.readouterr().err
    run = json.loads(next((tmp_path / "out" / "acme").glob("*/run.json")).read_text())
    assert [(a["name"], a["account_id"], a["status"]) for a in run["accounts"]] == [("prod", ids["prod"], "ok")]


def test_all_active_accounts_including_the_management_one(aws_env, tmp_path, capsys):
    ids = make_org()
    code = main(
        [
            "run",
            str(params(tmp_path, "  role_name: audit\n")),
            "--output",
            str(tmp_path / "out"),
            "--quiet",
            "--no-reports",
        ]
    )
    assert code == 0, capsys.readouterr().err
    run = json.loads(next((tmp_path / "out" / "acme").glob("*/run.json")).read_text())
    assessed = {a["account_id"] for a in run["accounts"]}
    assert assessed == {"123456789012", ids["prod"], ids["dev"], ids["sandbox"]}


def test_no_matching_account_is_one_clear_line(aws_env, tmp_path, capsys):
    make_org()
    rule = "  role_name: audit\n  include: [no-such-account]\n"
    code = main(["run", str(params(tmp_path, rule)), "--output", str(tmp_path / "out"), "--quiet", "--no-reports"])
    err = capsys.readouterr().err.strip()
    assert (
        code == 2 and err == "awsbp: organizations: no ACTIVE account matches include/exclude/ous; check those filters"
    )
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_listing_denied_is_one_clear_line():
    from awsbp.collect.organizations import discover_accounts
    from awsbp.errors import CredentialsError
    from botocore.stub import Stubber

    client = boto3.client("organizations", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("list_accounts", "AWSOrganizationsNotInUseException", "not in an organization")
        with pytest.raises(CredentialsError, match=r"AWSOrganizationsNotInUseException\); run from the management"):
            discover_accounts(client, include=[], exclude=[], ous=[])
