"""AWS Organizations: discovery of the accounts to assess, from the management (or a delegated) account.

Not collected per account (no ``APIS``); the runner calls :func:`discover_accounts` once per run.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from awsbp.collect.base import PaginationLoop, all_items, error_code
from awsbp.errors import CredentialsError

SERVICE = "organizations"
SCOPE = "global"
ACTIONS = [
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
]
APIS: list[Any] = []
MAX_OU_DEPTH = 10  # AWS nests OUs five deep at most: a deeper answer is a loop


def _accounts_under(client: Any, parent: str, seen: set[str] | None = None, depth: int = 0) -> list[dict[str, Any]]:
    """Accounts of an OU and of every OU below it; each OU once, never deeper than MAX_OU_DEPTH."""
    seen = set() if seen is None else seen
    if parent in seen:
        return []
    if depth > MAX_OU_DEPTH:
        raise CredentialsError(
            f"the Organization's OUs nest deeper than {MAX_OU_DEPTH} levels under {parent}; list accounts explicitly"
        )
    seen.add(parent)
    found = all_items(client, "list_accounts_for_parent", "Accounts", ParentId=parent)
    for ou in all_items(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
        found += _accounts_under(client, ou["Id"], seen, depth + 1)
    return found


def discover_accounts(client: Any, *, include: list[str], exclude: list[str], ous: list[str]) -> list[dict[str, str]]:
    """ACTIVE accounts (``{"id", "name"}``), optionally under OUs, filtered by id/name globs; sorted by id.

    Raises :class:`CredentialsError` (one line) when the Organization cannot be listed from here.
    """
    try:
        if ous:
            raw = [a for ou in ous for a in _accounts_under(client, ou)]
        else:
            raw = all_items(client, "list_accounts", "Accounts")
    except (ClientError, BotoCoreError, PaginationLoop) as err:
        code = error_code(err) if isinstance(err, ClientError) else type(err).__name__
        raise CredentialsError(
            f"cannot list the Organization's accounts ({code}); run from the management or a delegated "
            "administrator account, or list the accounts explicitly"
        ) from None
    out: dict[str, dict[str, str]] = {}
    for account in raw:
        if account.get("Status", "ACTIVE") != "ACTIVE":
            continue
        ident, name = account["Id"], account.get("Name", "")

        def hit(patterns: list[str], ident: str = ident, name: str = name) -> bool:
            return any(fnmatchcase(ident, p) or fnmatchcase(name, p) for p in patterns)

        if (include and not hit(include)) or hit(exclude):
            continue
        out[ident] = {"id": ident, "name": name}
    return [out[k] for k in sorted(out)]
