"""IAM (global): the bulk APIs first — credential report, account summary, password policy, account
authorization details — and per-user calls only where no bulk API answers (SSH keys, HTTPS Git
credentials)."""

from __future__ import annotations

import io
import time
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from awsbp.collect.base import Api, all_items, error_code, once_per_client, page_size

SERVICE = "iam"
SCOPE = "global"
ACTIONS = [
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:GetAccountSummary",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountAuthorizationDetails",
    "iam:ListUsers",  # only where ListServiceSpecificCredentials(AllUsers) is unknown: per-user fallback
    "iam:ListSSHPublicKeys",
    "iam:ListServiceSpecificCredentials",
]
REPORT_WAIT_SECONDS = 60
AUTHORIZATION_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def credential_report(client: Any) -> list[dict[str, str]]:
    """Generate (bounded wait) and parse the credential report; 'N/A' and 'not_supported' stay values."""
    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    delay = 0.5
    while client.generate_credential_report().get("State") != "COMPLETE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"credential report not ready after {REPORT_WAIT_SECONDS} s")
        time.sleep(delay)
        delay = min(delay * 2, 5)
    content = client.get_credential_report()["Content"]
    frame = pd.read_csv(io.BytesIO(content), keep_default_na=False, dtype=str)
    return frame.to_dict("records")


def authorization_details(client: Any) -> list[dict[str, list[Any]]]:
    """Users, groups, roles and managed policies in one paginated call, merged into one item."""
    merged: dict[str, list[Any]] = {key: [] for key in AUTHORIZATION_KEYS}
    for page in client.get_paginator("get_account_authorization_details").paginate(
        PaginationConfig={"PageSize": page_size(client, "get_account_authorization_details")}
    ):
        for key in AUTHORIZATION_KEYS:
            merged[key].extend(page.get(key, []))
    # AWS managed policies nothing uses tell nothing about this account; keep customer ones and attached ones.
    merged["Policies"] = [
        p for p in merged["Policies"] if ":iam::aws:policy/" not in p.get("Arn", "") or p.get("AttachmentCount", 1)
    ]
    return [merged]


# where the endpoint does not know ListServiceSpecificCredentials(AllUsers=…), e.g. an older partition
NO_ALL_USERS = ("ValidationError", "InvalidInput", "InvalidParameterValue", "ParamValidationError")


def _all_service_credentials(client: Any) -> list[Any]:
    try:
        items: list[Any] = []
        marker: dict[str, str] = {}
        while True:
            page = client.list_service_specific_credentials(AllUsers=True, MaxItems=1000, **marker)
            items += page.get("ServiceSpecificCredentials", [])
            if not page.get("IsTruncated"):
                return items
            marker = {"Marker": page["Marker"]}
    except ClientError as err:
        if error_code(err) not in NO_ALL_USERS:
            raise
    users = [u["UserName"] for u in all_items(client, "list_users", "Users")]  # the per-user way
    return [
        {"UserName": name, **c}
        for name in users
        for c in all_items(client, "list_service_specific_credentials", "ServiceSpecificCredentials", UserName=name)
    ]


def service_credentials(client: Any) -> list[Any]:
    """Every user's service-specific credentials (CodeCommit HTTPS Git, …) in one listing (``AllUsers``)."""
    return list(once_per_client(client, "service_credentials", _all_service_credentials))


def ssh_keys(client: Any) -> list[Any]:
    """SSH public keys of the users holding CodeCommit HTTPS Git credentials (the alternative to offer them):
    one call per such user only, not per user of the account."""
    holders = sorted(
        {c["UserName"] for c in service_credentials(client) if c.get("ServiceName", "").startswith("codecommit")}
    )
    items: list[Any] = []
    for name in holders:
        try:
            found = all_items(client, "list_ssh_public_keys", "SSHPublicKeys", UserName=name)
        except ClientError as err:
            if error_code(err) == "NoSuchEntity":  # deleted while we were listing
                continue
            raise
        items.extend({"UserName": name, **item} for item in found)
    return items


APIS = [
    Api("GetCredentialReport", fetch=credential_report, slow=True),
    Api("GetAccountSummary", fetch=lambda client: [client.get_account_summary()["SummaryMap"]]),
    Api(
        "GetAccountPasswordPolicy",
        fetch=lambda client: [client.get_account_password_policy()["PasswordPolicy"]],
        empty_on=("NoSuchEntity",),
    ),
    Api("GetAccountAuthorizationDetails", fetch=authorization_details, slow=True),
    Api("ListSSHPublicKeys", fetch=ssh_keys),
    Api("ListServiceSpecificCredentials", fetch=service_credentials),
]
