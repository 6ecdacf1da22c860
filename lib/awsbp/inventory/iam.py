"""IAM frames of the inventory: credential report, users, groups, roles, policies, keys, analyzers."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from awsbp import policy
from awsbp.inventory.source import NO_VALUE, Source, parse_time
from awsbp.snapshot import GLOBAL

ROOT_USER = "<root_account>"


def _value(value: Any) -> str:
    """A report cell, with N/A-like markers turned into ``''``."""
    text = "" if value is None else str(value).strip()
    return "" if text in NO_VALUE else text


def _bool(value: Any) -> bool:
    return str(value).strip().lower() == "true"


@dataclass(frozen=True)
class PolicyRef:
    """One policy a principal holds: a managed policy (``key`` = its ARN) or an inline one (``key`` =
    ``"<kind>/<owner>/<name>"``), held directly or through a group (``via`` = the group's name)."""

    key: str
    name: str
    inline: bool = False
    via: str = ""


class IamFrames:
    """The credential report, access keys, users, groups, roles, policies and their effective permissions."""

    def __init__(self, source: Source):
        self.source = source
        self.snapshot = source.snapshot

    def _items(self, service: str, api: str) -> list[tuple[str, dict[str, Any]]]:
        return self.source.items(service, api)

    # --- credential report -----------------------------------------------------------------
    @cached_property
    def credential_report(self) -> pd.DataFrame:
        """One row per user (and the root row when the report has it), typed."""
        rows = []
        for _, r in self._items("iam", "GetCredentialReport"):
            rows.append(
                {
                    "user": r.get("user", ""),
                    "arn": r.get("arn", ""),
                    "is_root": r.get("user") == ROOT_USER,
                    "created": parse_time(r.get("user_creation_time")),
                    "password_enabled": _bool(r.get("password_enabled")),
                    "password_last_used": parse_time(r.get("password_last_used")),
                    "mfa_active": _bool(r.get("mfa_active")),
                }
            )
        cols = ["user", "arn", "is_root", "created", "password_enabled", "password_last_used", "mfa_active"]
        # dtype=object keeps None as None (not NaT) in the time columns
        frame = pd.DataFrame(rows, columns=cols, dtype=object)
        return frame.astype({"is_root": bool, "password_enabled": bool, "mfa_active": bool})

    @cached_property
    def access_keys(self) -> pd.DataFrame:
        """One row per access key slot (1, 2) that exists, from the credential report."""
        rows = []
        for _, r in self._items("iam", "GetCredentialReport"):
            for n in (1, 2):
                active = _bool(r.get(f"access_key_{n}_active"))
                rotated = parse_time(r.get(f"access_key_{n}_last_rotated"))
                if not active and rotated is None:
                    continue
                rows.append(
                    {
                        "user": r.get("user", ""),
                        "key": n,
                        "active": active,
                        "last_rotated": rotated,
                        "last_used": parse_time(r.get(f"access_key_{n}_last_used_date")),
                        "last_service": _value(r.get(f"access_key_{n}_last_used_service")),
                    }
                )
        cols = ["user", "key", "active", "last_rotated", "last_used", "last_service"]
        return pd.DataFrame(rows, columns=cols, dtype=object).astype({"active": bool})

    @property
    def account_summary(self) -> dict[str, Any] | None:
        items = self.snapshot.items("iam", GLOBAL, "GetAccountSummary")
        return items[0] if items else None

    @property
    def password_policy(self) -> dict[str, Any] | None:
        """The account's password policy; ``None`` when the account has none (or it was not read)."""
        items = self.snapshot.items("iam", GLOBAL, "GetAccountPasswordPolicy")
        return items[0] if items else None

    # --- authorization details -------------------------------------------------------------
    @cached_property
    def _authorization(self) -> dict[str, list[Any]]:
        items = self.snapshot.items("iam", GLOBAL, "GetAccountAuthorizationDetails")
        return items[0] if items else {}

    @cached_property
    def managed_policies(self) -> dict[str, dict[str, Any]]:
        """Managed policy ARN → {name, document (default version), is_aws_managed}."""
        out = {}
        for p in self._authorization.get("Policies", []):
            default: dict[str, Any] = next((v for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
            out[p["Arn"]] = {
                "name": p.get("PolicyName", p["Arn"].rsplit("/", 1)[-1]),
                "document": policy.document(default.get("Document")),
                "is_aws_managed": p["Arn"].startswith("arn:aws:iam::aws:") or ":iam::aws:policy/" in p["Arn"],
            }
        return out

    @staticmethod
    def _inline(entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {e["PolicyName"]: policy.document(e.get("PolicyDocument")) for e in entries or []}

    @cached_property
    def iam_users(self) -> pd.DataFrame:
        rows = [
            {
                "user": u["UserName"],
                "arn": u.get("Arn", ""),
                "groups": list(u.get("GroupList", [])),
                "attached": [p["PolicyArn"] for p in u.get("AttachedManagedPolicies", [])],
                "inline": self._inline(u.get("UserPolicyList", [])),
            }
            for u in self._authorization.get("UserDetailList", [])
        ]
        return pd.DataFrame(rows, columns=["user", "arn", "groups", "attached", "inline"])

    @cached_property
    def iam_groups(self) -> pd.DataFrame:
        rows = [
            {
                "group": g["GroupName"],
                "arn": g.get("Arn", ""),
                "attached": [p["PolicyArn"] for p in g.get("AttachedManagedPolicies", [])],
                "inline": self._inline(g.get("GroupPolicyList", [])),
            }
            for g in self._authorization.get("GroupDetailList", [])
        ]
        return pd.DataFrame(rows, columns=["group", "arn", "attached", "inline"])

    @cached_property
    def iam_roles(self) -> pd.DataFrame:
        rows = [
            {
                "role": r["RoleName"],
                "arn": r.get("Arn", ""),
                "path": r.get("Path", "/"),
                "trust": policy.document(r.get("AssumeRolePolicyDocument")),
                "attached": [p["PolicyArn"] for p in r.get("AttachedManagedPolicies", [])],
                "inline": self._inline(r.get("RolePolicyList", [])),
                "instance_profiles": [p.get("Arn", "") for p in r.get("InstanceProfileList", [])],
            }
            for r in self._authorization.get("RoleDetailList", [])
        ]
        return pd.DataFrame(rows, columns=["role", "arn", "path", "trust", "attached", "inline", "instance_profiles"])

    def _refs(self, kind: str, row: dict[str, Any], via: str = "") -> tuple[list[PolicyRef], list[str]]:
        """The policies of one user, group or role row (``kind``: user, group, role), and the ARNs of attached
        policies whose document is not in the snapshot."""
        owner = row[kind]
        refs = [PolicyRef(f"{kind}/{owner}/{name}", name, inline=True, via=via) for name in row["inline"]]
        unreadable = []
        for arn in row["attached"]:
            found = self.managed_policies.get(arn)
            if found is None:
                unreadable.append(arn)
            else:
                refs.append(PolicyRef(arn, found["name"], via=via))
        return refs, unreadable

    @cached_property
    def _inline_documents(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, frame in (("user", self.iam_users), ("group", self.iam_groups), ("role", self.iam_roles)):
            for row in frame.to_dict("records"):
                for name, doc in row["inline"].items():
                    out[f"{kind}/{row[kind]}/{name}"] = doc
        return out

    def document(self, ref: PolicyRef) -> Any:
        """The document of one policy a principal holds (the default version of a managed policy)."""
        return self._inline_documents[ref.key] if ref.inline else self.managed_policies[ref.key]["document"]

    @cached_property
    def _policy_actions(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        return {}

    def policy_actions(self, ref: PolicyRef) -> tuple[frozenset[str], frozenset[str]]:
        """``(allowed, denied)`` of one policy, computed once per policy."""
        cache = self._policy_actions
        if ref.key not in cache:
            cache[ref.key] = policy.document_actions(self.document(ref))
        return cache[ref.key]

    @cached_property
    def _allowed_by_combination(self) -> dict[frozenset[str], policy.Actions]:
        return {}

    def allowed(self, refs: list[PolicyRef]) -> policy.Actions:
        """Actions a set of policies allows together (unconditional denies removed): a view over each policy's
        own actions, one per distinct combination of policies — principals share it, nothing is copied."""
        key = frozenset(ref.key for ref in refs)
        cache = self._allowed_by_combination
        if key not in cache:
            found = [self.policy_actions(ref) for ref in refs]
            denied = frozenset().union(*(deny for _, deny in found))
            cache[key] = policy.Actions((allow for allow, _ in found), denied)
        return cache[key]

    def granting(self, refs: list[PolicyRef], actions: AbstractSet[str]) -> list[PolicyRef]:
        """Which of ``refs`` allow any of ``actions`` themselves: the policies to change to take them away."""
        return [ref for ref in refs if not self.policy_actions(ref)[0].isdisjoint(actions)]

    @cached_property
    def principal_permissions(self) -> pd.DataFrame:
        """Effective allowed actions of each user (own + groups) and group, the policies they come from
        (``policies``: :class:`PolicyRef`), and the policies that could not be read. Principals holding the same
        policies share one frozenset of actions."""
        groups = {g["group"]: g for g in self.iam_groups.to_dict("records")}
        rows = []
        group_refs = {}
        for g in groups.values():
            refs, unreadable = self._refs("group", g)
            group_refs[g["group"]] = (refs, unreadable)
            rows.append(
                {
                    "principal_type": "group",
                    "principal": g["group"],
                    "arn": g["arn"],
                    "actions": self.allowed(refs),
                    "policies": refs,
                    "unreadable": unreadable,
                }
            )
        for u in self.iam_users.to_dict("records"):
            refs, unreadable = self._refs("user", u)
            for name in u["groups"]:
                if name not in groups:
                    unreadable.append(f"group {name}")
                    continue
                more, missing = group_refs[name]
                refs += [PolicyRef(r.key, r.name, r.inline, via=name) for r in more]
                unreadable += missing
            rows.append(
                {
                    "principal_type": "user",
                    "principal": u["user"],
                    "arn": u["arn"],
                    "actions": self.allowed(refs),
                    "policies": refs,
                    "unreadable": unreadable,
                }
            )
        cols = ["principal_type", "principal", "arn", "actions", "policies", "unreadable"]
        return pd.DataFrame(rows, columns=cols)

    def role_permissions(self, role_arn_or_name: str) -> tuple[policy.Actions, list[PolicyRef]] | None:
        """Allowed actions of a role (for pipeline roles) and the policies they come from; ``None`` when the role
        or one of its policies is unknown."""
        roles = self.iam_roles
        match = roles[(roles["arn"] == role_arn_or_name) | (roles["role"] == role_arn_or_name)]
        if match.empty:
            return None
        refs, unreadable = self._refs("role", match.iloc[0].to_dict())
        return None if unreadable else (self.allowed(refs), refs)

    def role_actions(self, role_arn_or_name: str) -> policy.Actions | None:
        """Allowed actions of a role; ``None`` when the role or one of its policies is unknown."""
        found = self.role_permissions(role_arn_or_name)
        return None if found is None else found[0]

    # --- per-user credentials and analyzers ------------------------------------------------
    @cached_property
    def ssh_keys(self) -> pd.DataFrame:
        rows = [
            {"user": k["UserName"], "key_id": k.get("SSHPublicKeyId", ""), "status": k.get("Status", "")}
            for _, k in self._items("iam", "ListSSHPublicKeys")
        ]
        return pd.DataFrame(rows, columns=["user", "key_id", "status"])

    @cached_property
    def service_credentials(self) -> pd.DataFrame:
        rows = [
            {
                "user": c["UserName"],
                "service": c.get("ServiceName", ""),
                "status": c.get("Status", ""),
                "id": c.get("ServiceSpecificCredentialId", ""),
            }
            for _, c in self._items("iam", "ListServiceSpecificCredentials")
        ]
        return pd.DataFrame(rows, columns=["user", "service", "status", "id"])

    @cached_property
    def analyzers(self) -> pd.DataFrame:
        rows = [
            {"region": r, "name": a.get("name", ""), "type": a.get("type", ""), "status": a.get("status", "")}
            for r, a in self._items("accessanalyzer", "ListAnalyzers")
        ]
        return pd.DataFrame(rows, columns=["region", "name", "type", "status"])
