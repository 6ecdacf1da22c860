"""IAM (global): the bulk APIs first — credential report, account summary, password policy, account
authorization details — and per-user calls only where no bulk API answers (SSH keys, HTTPS Git
credentials)."""

from __future__ import annotations

import io
import time
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from awsbp.collect.base import (
    Api,
    PageGuard,
    all_items,
    error_code,
    log,
    note,
    once_per_client,
    output_tokens,
    page_size,
    page_token,
)

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


# Module functions that read ``time`` at each call: a test may replace these or time's own functions to run the
# wait without waiting.
def _clock() -> float:
    return time.monotonic()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _wait_for_report(client: Any) -> None:
    """Poll GenerateCredentialReport until COMPLETE, for at most REPORT_WAIT_SECONDS; the wait is noted
    (``report_wait_seconds``, ``report_polls``, ``report_state``) and logged at debug level."""
    started = _clock()
    delay, polls, state = 0.5, 0, ""
    while True:
        state = str(client.generate_credential_report().get("State") or "")
        polls += 1
        waited = round(_clock() - started, 1)
        note(report_wait_seconds=waited, report_polls=polls, report_state=state)
        if state == "COMPLETE":
            log.debug("iam credential report ready after %.1f s (%d polls)", waited, polls)
            return
        if waited >= REPORT_WAIT_SECONDS:
            log.debug("iam credential report still %s after %.1f s (%d polls): given up", state, waited, polls)
            raise TimeoutError(
                f"credential report still {state or 'not ready'} after {REPORT_WAIT_SECONDS} s ({polls} polls)"
            )
        _sleep(min(delay, max(REPORT_WAIT_SECONDS - waited, 0)))
        delay = min(delay * 2, 5)


def credential_report(client: Any) -> list[dict[str, str]]:
    """Generate (bounded wait) and parse the credential report; 'N/A' and 'not_supported' stay values."""
    _wait_for_report(client)
    content = client.get_credential_report()["Content"]
    frame = pd.read_csv(io.BytesIO(content), keep_default_na=False, dtype=str)
    return frame.to_dict("records")


def authorization_details(client: Any) -> list[dict[str, list[Any]]]:
    """Users, groups, roles and managed policies in one paginated call, merged into one item."""
    merged: dict[str, list[Any]] = {key: [] for key in AUTHORIZATION_KEYS}
    method = "get_account_authorization_details"
    guard, tokens = PageGuard(method), output_tokens(client, method)
    for page in client.get_paginator(method).paginate(
        PaginationConfig={"PageSize": page_size(client, "get_account_authorization_details")}
    ):
        for key in AUTHORIZATION_KEYS:
            merged[key].extend(page.get(key, []))
        guard.check(page_token(page, tokens))
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
        guard = PageGuard("list_service_specific_credentials")  # no paginator for AllUsers: bounded by hand
        while True:
            page = client.list_service_specific_credentials(AllUsers=True, MaxItems=1000, **marker)
            items += page.get("ServiceSpecificCredentials", [])
            if not page.get("IsTruncated") or not page.get("Marker"):
                return items
            guard.check(page["Marker"])
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
