"""IAM (global): the bulk APIs first — credential report, account summary, password policy, account
authorization details — and per-user calls only where no bulk API answers (SSH keys, HTTPS Git
credentials)."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from awsbp.collect.base import Api, all_items, error_code, page_size

SERVICE = "iam"
SCOPE = "global"
ACTIONS = [
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:GetAccountSummary",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountAuthorizationDetails",
    "iam:ListUsers",
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


_users_lock = threading.Lock()


def _user_names(client: Any) -> list[str]:
    # Both per-user APIs need the user list: list once per client (per account).
    with _users_lock:
        names = getattr(client, "_awsbp_user_names", None)
        if names is None:
            names = [u["UserName"] for u in all_items(client, "list_users", "Users")]
            client._awsbp_user_names = names
    return names


def per_user(method: str, result_key: str) -> Any:
    """A fetch calling ``method(UserName=…)`` for every user; the first failure stops it (recorded once)."""

    def fetch(client: Any) -> list[Any]:
        items: list[Any] = []
        for name in _user_names(client):
            try:
                found = all_items(client, method, result_key, UserName=name)
            except ClientError as err:
                if error_code(err) == "NoSuchEntity":  # deleted while we were listing
                    continue
                raise
            items.extend({"UserName": name, **item} for item in found)
        return items

    return fetch


APIS = [
    Api("GetCredentialReport", fetch=credential_report),
    Api("GetAccountSummary", fetch=lambda client: [client.get_account_summary()["SummaryMap"]]),
    Api(
        "GetAccountPasswordPolicy",
        fetch=lambda client: [client.get_account_password_policy()["PasswordPolicy"]],
        empty_on=("NoSuchEntity",),
    ),
    Api("GetAccountAuthorizationDetails", fetch=authorization_details),
    Api("ListSSHPublicKeys", fetch=per_user("list_ssh_public_keys", "SSHPublicKeys")),
    Api(
        "ListServiceSpecificCredentials",
        fetch=per_user("list_service_specific_credentials", "ServiceSpecificCredentials"),
    ),
]
