"""IAM management and access control: BP-IAM-01 … BP-IAM-11 (rules in CHECKS.md, words in the catalog)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any

import pandas as pd

from awsbp.checks.spec import CheckSpec, Reason
from awsbp.findings import Finding, Severity, Status
from awsbp.inventory import AWS_KEY, ROOT_USER, Inventory, PolicyRef
from awsbp.params import Settings
from awsbp.policy import (
    PERMISSIONS_MANAGEMENT,
    Condition,
    access_level,
    allows_star_on_star,
    expand,
    trusted_principals,
)

FAIL, PASS, REVIEW, NOT_ASSESSED = Status.FAIL, Status.PASS, Status.REVIEW, Status.NOT_ASSESSED
CRIT, HIGH, MED, LOW, INFO = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFORMATIONAL)
G = "global"
REPORT = "iam.GetCredentialReport"
DETAILS = "iam.GetAccountAuthorizationDetails"

IAM_01 = CheckSpec(
    "BP-IAM-01",
    domain="iam",
    severity=CRIT,
    needs=["iam.GetAccountSummary", REPORT],
    reasons={
        "root_no_mfa": Reason(FAIL, CRIT),
        "root_access_keys": Reason(FAIL, CRIT),
        "root_recent_use": Reason(REVIEW, MED),
        "root_usage_unknown": Reason(NOT_ASSESSED, MED),
        "root_mfa": Reason(PASS, CRIT),
        "root_no_access_keys": Reason(PASS, CRIT),
        "root_not_recent": Reason(PASS, MED),
    },
    refs={
        "CIS": ["1.4", "1.5", "1.6", "1.7"],
        "FSBP": ["IAM.4", "IAM.6", "IAM.9"],
        "Prowler": ["iam_root_mfa_enabled", "iam_no_root_access_key", "iam_avoid_root_usage"],
    },
)
IAM_02 = CheckSpec(
    "BP-IAM-02",
    domain="iam",
    severity=MED,
    needs=["iam.GetAccountPasswordPolicy"],
    reasons={
        "no_password_policy": Reason(FAIL, MED),
        "weak_setting": Reason(FAIL, MED),
        "policy_ok": Reason(PASS, MED),
    },
    refs={
        "CIS": ["1.8", "1.9"],
        "FSBP": ["IAM.7"],
        "Prowler": ["iam_password_policy_minimum_length_14", "iam_password_policy_reuse_24"],
    },
)
IAM_03 = CheckSpec(
    "BP-IAM-03",
    domain="iam",
    severity=HIGH,
    needs=[REPORT],
    article="iam.console_mfa",
    reasons={"console_without_mfa": Reason(FAIL, HIGH), "console_with_mfa": Reason(PASS, HIGH)},
    refs={"CIS": ["1.10"], "FSBP": ["IAM.5"], "Prowler": ["iam_user_mfa_enabled_console_access"]},
)
IAM_04 = CheckSpec(
    "BP-IAM-04",
    domain="iam",
    severity=MED,
    needs=["ec2.DescribeInstances", REPORT],
    article="iam.roles_for_applications",
    reasons={
        "access_key_in_code": Reason(FAIL, CRIT),
        "instance_without_role": Reason(FAIL, MED),
        "imdsv1_with_role": Reason(FAIL, MED),
        "service_user": Reason(REVIEW, MED),
        "instance_with_role": Reason(PASS, MED),
    },
    refs={
        "CIS": ["1.18"],
        "FSBP": ["EC2.8", "CodeBuild.2"],
        "Prowler": ["ec2_instance_profile_attached", "ec2_instance_imdsv2_enabled"],
    },
)
IAM_05 = CheckSpec(
    "BP-IAM-05",
    domain="iam",
    severity=MED,
    needs=[REPORT],
    article="iam.no_shared_keys",
    reasons={
        "two_active_keys": Reason(FAIL, MED),
        "key_not_rotated": Reason(FAIL, MED),
        "key_unused": Reason(FAIL, MED),
        "keys_ok": Reason(PASS, MED),
    },
    refs={
        "CIS": ["1.13", "1.14", "1.12"],
        "FSBP": ["IAM.3", "IAM.8"],
        "Prowler": ["iam_user_two_active_access_key", "iam_rotate_access_key_90_days", "iam_user_accesskey_unused"],
    },
)
IAM_06 = CheckSpec(
    "BP-IAM-06",
    domain="iam",
    severity=MED,
    needs=[DETAILS],
    article="iam.switch_role",
    reasons={
        "trusts_anyone": Reason(FAIL, CRIT),
        "federated_no_condition": Reason(FAIL, HIGH),
        "same_person_multiple_accounts": Reason(FAIL, MED),
        "cross_account_no_condition": Reason(REVIEW, MED),
        "federated_guarded": Reason(PASS, HIGH),
        "cross_account_guarded": Reason(PASS, MED),
        "no_external_trust": Reason(PASS, MED),
    },
    refs={"CIS": ["1.21"], "Prowler": ["iam_role_cross_account_readonlyaccess_policy"]},
)
IAM_07 = CheckSpec(
    "BP-IAM-07",
    domain="iam",
    severity=LOW,
    needs=["iam.ListServiceSpecificCredentials", "iam.ListSSHPublicKeys", DETAILS],
    article="iam.no_https_git",
    reasons={"https_git_credentials": Reason(FAIL, LOW), "no_https_git_credentials": Reason(PASS, LOW)},
)
IAM_08 = CheckSpec(
    "BP-IAM-08",
    domain="iam",
    severity=HIGH,
    needs=[DETAILS],
    article="iam.separate_admins",
    reasons={
        "admin_and_developer": Reason(FAIL, HIGH),
        "too_many_admins": Reason(FAIL, MED),
        "iam_admin": Reason(REVIEW, MED),
        "policy_unreadable": Reason(NOT_ASSESSED, HIGH),
        "separated": Reason(PASS, HIGH),
    },
    refs={"CIS": ["1.16"], "FSBP": ["IAM.1"], "Prowler": ["iam_policy_allows_privilege_escalation"]},
)
IAM_09 = CheckSpec(
    "BP-IAM-09",
    domain="iam",
    severity=LOW,
    needs=[DETAILS],
    reasons={
        "star_star_policy": Reason(FAIL, HIGH),
        "user_attached_policies": Reason(FAIL, LOW),
        "groups_and_roles_only": Reason(PASS, LOW),
    },
    refs={
        "CIS": ["1.15", "1.16"],
        "FSBP": ["IAM.1", "IAM.2"],
        "Prowler": ["iam_policy_attached_only_to_group_or_roles", "iam_user_administrator_access_policy"],
    },
)
IAM_10 = CheckSpec(
    "BP-IAM-10",
    domain="iam",
    severity=LOW,
    needs=[REPORT],
    reasons={"unused_user": Reason(FAIL, LOW), "active_user": Reason(PASS, LOW)},
    refs={
        "CIS": ["1.12"],
        "FSBP": ["IAM.8"],
        "Prowler": ["iam_user_accesskey_unused", "iam_user_console_access_unused"],
    },
)
IAM_11 = CheckSpec(
    "BP-IAM-11",
    domain="iam",
    severity=LOW,
    needs=["accessanalyzer.ListAnalyzers"],
    reasons={"no_analyzer": Reason(FAIL, LOW), "analyzer_active": Reason(PASS, LOW)},
    refs={"CIS": ["1.20"], "FSBP": ["IAM.28"], "Prowler": ["accessanalyzer_enabled"]},
)
CHECKS = (IAM_01, IAM_02, IAM_03, IAM_04, IAM_05, IAM_06, IAM_07, IAM_08, IAM_09, IAM_10, IAM_11)


def _date(value: object) -> str:
    """An ISO date (the catalog writes it per language), or ``"never"``."""
    return value.date().isoformat() if hasattr(value, "date") and value is not None else "never"  # type: ignore[union-attr]


def _policy_label(ref: PolicyRef) -> str:
    """How a policy is named in evidence: ``AdministratorAccess``, ``deploy (inline)``, ``deploy (inline) via
    dev-leads`` (held through a group); the catalog words these per language."""
    label = f"{ref.name} (inline)" if ref.inline else ref.name
    return f"{label} via {ref.via}" if ref.via else label


def _by_user(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows by ``user``, as dicts: one pass instead of a filter per user."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["user"], []).append(row)
    return out


def _users(inv: Inventory) -> list[dict[str, Any]]:
    report = inv.iam.credential_report
    return report[~report["is_root"]].to_dict("records")


@IAM_01.rule
def protect_root(inv: Inventory, settings: Settings) -> list[Finding]:
    """Root has MFA and no access keys (account summary); root's password is not in daily use (report)."""
    summary = inv.iam.account_summary or {}
    where = (G, "root", ROOT_USER)
    root: dict[str, Any] = {"name": "root"}
    out = [
        IAM_01.finding("root_mfa" if summary.get("AccountMFAEnabled", 0) == 1 else "root_no_mfa", *where, **root),
        IAM_01.finding(
            "root_access_keys" if summary.get("AccountAccessKeysPresent", 0) else "root_no_access_keys", *where, **root
        ),
    ]
    report = inv.iam.credential_report
    rows = report[report["is_root"]].to_dict("records")
    if not rows:
        missing = f"{REPORT}: the report has no {ROOT_USER} row"
        return [*out, IAM_01.finding("root_usage_unknown", *where, **root, missing=missing)]
    last = rows[0]["password_last_used"]
    days = inv.days_since(last)
    if days is not None and days <= settings.root_recent_days:
        out.append(IAM_01.finding("root_recent_use", *where, **root, last_used=_date(last), days=days))
    else:
        out.append(IAM_01.finding("root_not_recent", *where, **root, last_used=_date(last)))
    return out


PASSWORD_FLAGS = {
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
}


@IAM_02.rule
def password_policy(inv: Inventory, settings: Settings) -> list[Finding]:
    """The account password policy is at least as strong as the settings ask, setting by setting."""
    account = inv.account_id
    current = inv.iam.password_policy
    named: dict[str, Any] = {"name": "PasswordPolicy"}
    if current is None:
        return [IAM_02.finding("no_password_policy", G, "password_policy", account, **named)]
    wanted = settings.password_policy
    # (setting, the policy's field, actual, expected, unit): evidence in words, not keys (the catalog names each)
    weak: list[tuple[str, str, object, object, str]] = []
    if current.get("MinimumPasswordLength", 0) < wanted.minimum_length:
        length = current.get("MinimumPasswordLength", 0)
        weak.append(("minimum_length", "MinimumPasswordLength", length, wanted.minimum_length, "characters"))
    for setting, key in PASSWORD_FLAGS.items():
        if getattr(wanted, setting) and not current.get(key, False):
            weak.append((setting, key, False, True, ""))
    if current.get("PasswordReusePrevention", 0) < wanted.reuse_prevention:
        reuse = current.get("PasswordReusePrevention", 0)
        weak.append(("reuse_prevention", "PasswordReusePrevention", reuse, wanted.reuse_prevention, "passwords"))
    if wanted.max_age_days and not 0 < current.get("MaxPasswordAge", 0) <= wanted.max_age_days:
        age = current.get("MaxPasswordAge") or "none"
        weak.append(("max_age_days", "MaxPasswordAge", age, wanted.max_age_days, "days"))
    if not weak:
        return [IAM_02.finding("policy_ok", G, "password_policy", account, **named)]
    return [
        IAM_02.finding(
            "weak_setting",
            G,
            "password_policy",
            f"{account}:{setting}",
            name=f"PasswordPolicy.{field}",
            setting=setting,
            actual=actual,
            expected=expected,
            unit=unit,
        )
        for setting, field, actual, expected, unit in weak
    ]


@IAM_03.rule
def console_mfa(inv: Inventory, settings: Settings) -> list[Finding]:
    """Every IAM user who can sign in to the console has MFA."""
    return [
        IAM_03.finding(
            "console_with_mfa" if u["mfa_active"] else "console_without_mfa",
            G,
            "iam_user",
            u["user"],
            arn=u["arn"],
            user=u["user"],
        )
        for u in _users(inv)
        if u["password_enabled"]
    ]


@IAM_04.rule
def roles_not_keys(inv: Inventory, settings: Settings) -> list[Finding]:
    """Instances use roles (with IMDSv2); users with keys but no console are reviewed as service users."""
    out = []
    for i in inv.network.instances.to_dict("records"):
        if i["state"] != "running":
            continue
        name = i["name"] or i["instance_id"]
        common = {"name": name, "environment": i["environment"], "instance": name}
        where = (i["region"], "instance", i["instance_id"])
        if not i["profile_arn"]:
            out.append(IAM_04.finding("instance_without_role", *where, **common))
            continue
        profile = i["profile_arn"].rsplit("/", 1)[-1]
        reason = "instance_with_role" if i["http_tokens"] == "required" else "imdsv1_with_role"
        out.append(IAM_04.finding(reason, *where, **common, profile=profile))
    # access keys in code and configuration: the detections BP-DEV-01..03 report too (one detection, two views)
    found = inv.devtools.secret_detections
    keys_found = found[found["type"] == AWS_KEY]
    for (source, rid), hits in keys_found.groupby(["source", "resource_id"], sort=True):
        d = hits.iloc[0]
        out.append(
            IAM_04.finding(
                "access_key_in_code",
                d["region"],
                d["resource_type"],
                str(rid),
                name=d["name"],
                kind=source,
                place=source,
                resource=d["name"],
                where=list(dict.fromkeys(hits["where"])),
            )
        )
    keys = _by_user(inv.iam.access_keys[inv.iam.access_keys["active"]])
    for u in _users(inv):
        mine = keys.get(u["user"], [])
        if u["password_enabled"] or not mine:
            continue
        ages = [age for k in mine if (age := inv.days_since(k["last_rotated"])) is not None]
        services = sorted({k["last_service"] for k in mine if k["last_service"]})
        out.append(
            IAM_04.finding(
                "service_user",
                G,
                "iam_user",
                u["user"],
                arn=u["arn"],
                user=u["user"],
                key_count=len(mine),
                key_age_days=max(ages) if ages else None,
                last_services=services or ["never"],
            )
        )
    return out


def _key(inv: Inventory, k: dict[str, Any]) -> dict[str, Any]:
    """One access key as evidence: the credential report has no key id, so its slot (key 1, key 2), when it was
    created or last rotated and how long ago, and when it was last used."""
    return {
        "key": k["key"],
        "rotated": _date(k["last_rotated"]),
        "age_days": inv.days_since(k["last_rotated"]),
        "last_used": _date(k["last_used"]),
    }


@IAM_05.rule
def access_keys(inv: Inventory, settings: Settings) -> list[Finding]:
    """One active key per user, rotated within the limit, and in use (root's keys are BP-IAM-01's)."""
    out = []
    keys = inv.iam.access_keys
    keys = keys[keys["active"] & (keys["user"] != ROOT_USER)]
    for user, mine in keys.groupby("user"):
        user = str(user)
        rows = mine.to_dict("records")
        found = []
        if len(rows) > 1:
            found.append(
                IAM_05.finding("two_active_keys", G, "iam_user", user, user=user, keys=[_key(inv, k) for k in rows])
            )
        for k in rows:
            rid = f"{user}:key{k['key']}"
            where, who = (G, "access_key", rid), {"name": rid, "user": user, **_key(inv, k)}
            age = inv.days_since(k["last_rotated"])
            if age is not None and age > settings.key_max_age_days:
                found.append(IAM_05.finding("key_not_rotated", *where, **who, max_days=settings.key_max_age_days))
            idle = inv.days_since(k["last_used"] or k["last_rotated"])
            if idle is None or idle > settings.unused_days:
                found.append(IAM_05.finding("key_unused", *where, **who, days=idle, unused_days=settings.unused_days))
        out += found or [IAM_05.finding("keys_ok", G, "iam_user", user, user=user, keys=[_key(inv, k) for k in rows])]
    return out


@IAM_06.rule
def switch_role(inv: Inventory, settings: Settings) -> list[Finding]:
    """Roles trusting other accounts are guarded by a condition that narrows the trust (an ExternalId that must
    match, MFA that must have been used); roles trusting an identity provider (OIDC, SAML) by a subject or audience
    that must match; nothing trusts everyone. A condition counts by its operator and value, not its key alone."""
    out = []
    for r in inv.iam.iam_roles.to_dict("records"):
        if r["path"].startswith("/aws-service-role/"):
            continue
        base = {"name": r["role"], "arn": r["arn"], "role": r["role"]}
        where = (G, "iam_role", r["role"])
        principals = trusted_principals(r["trust"])
        anyone = [p for p in principals if p.account == "*"]
        if anyone:
            out.append(IAM_06.finding("trusts_anyone", *where, **base, principal=f"{anyone[0].kind}: *"))
            continue
        federated = [p for p in principals if p.kind == "Federated"]
        foreign = [p for p in principals if p.account not in ("", "*", inv.account_id)]
        if federated:
            providers = sorted({_provider_name(p.value) for p in federated})
            if open_ := [p for p in federated if not p.guards]:
                out.append(
                    IAM_06.finding(
                        "federated_no_condition",
                        *where,
                        **base,
                        providers=sorted({_provider_name(p.value) for p in open_}),
                        ignored=_conditions(c for p in open_ for c in p.conditions),
                    )
                )
            else:
                guards = _conditions(c for p in federated for c in p.guards)
                out.append(IAM_06.finding("federated_guarded", *where, **base, providers=providers, conditions=guards))
        if foreign:
            if unguarded := [p for p in foreign if not p.guards]:
                out.append(
                    IAM_06.finding(
                        "cross_account_no_condition",
                        *where,
                        **base,
                        accounts=sorted({p.account for p in unguarded}),
                        ignored=_conditions(c for p in unguarded for c in p.conditions),
                    )
                )
            else:
                accounts = sorted({p.account for p in foreign})
                guards = _conditions(c for p in foreign for c in p.guards)
                out.append(
                    IAM_06.finding("cross_account_guarded", *where, **base, accounts=accounts, conditions=guards)
                )
        if not federated and not foreign:
            out.append(IAM_06.finding("no_external_trust", *where, **base))
    return out


def _provider_name(value: str) -> str:
    """``arn:<partition>:iam::1:oidc-provider/token.actions.githubusercontent.com`` →
    ``token.actions.githubusercontent.com``;
    ``…:saml-provider/Okta`` → ``Okta``; a public provider (``accounts.google.com``) as it is."""
    for marker in (":oidc-provider/", ":saml-provider/"):
        if marker in value:
            return value.split(marker, 1)[1]
    return value


def _conditions(found: Iterable[Condition]) -> list[str]:
    """Conditions as written (``StringEquals sts:ExternalId = 7f3c``), once each, in order."""
    return list(dict.fromkeys(str(c) for c in found))


def person_key(user_name: str) -> str:
    """``'Taro.Yamada@example.com' -> 'taroyamada'``, ``'taro_yamada' -> 'taroyamada'``."""
    local = user_name.split("@", 1)[0].lower()
    return re.sub(r"[^a-z0-9]", "", local)


def same_person_across_accounts(inventories: list[Inventory]) -> list[Finding]:
    """BP-IAM-06, batch part: one person holding IAM users in several accounts (needs several snapshots)."""
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    called = {inv.account_id: str(inv.snapshot.meta.get("account_name") or inv.account_id) for inv in inventories}
    for inv in inventories:
        if not inv.snapshot.has("iam", G, "GetCredentialReport"):
            continue
        for u in _users(inv):
            key = person_key(u["user"])
            if len(key) >= 3:
                seen[key].add((inv.account_id, u["user"]))
    out = []
    for _person, holders in sorted(seen.items()):
        accounts = sorted({a for a, _ in holders})
        if len(accounts) < 2:
            continue
        for account in accounts:
            names = sorted(n for a, n in holders if a == account)
            finding = IAM_06.finding(
                "same_person_multiple_accounts",
                G,
                "iam_user",
                names[0],
                users=sorted({n for _, n in holders}),
                accounts=accounts,
                account_names=[called[a] for a in accounts],  # what the words show: the run's names for them
                count=len(accounts),
            )
            finding.account_id = account
            out.append(finding)
    return out


@IAM_07.rule
def no_https_git_credentials(inv: Inventory, settings: Settings) -> list[Finding]:
    """No active CodeCommit HTTPS Git credentials (SSH keys or git-remote-codecommit instead)."""
    out = []
    creds = inv.iam.service_credentials
    active = creds[(creds["status"] == "Active") & creds["service"].str.startswith("codecommit")]
    ssh = inv.iam.ssh_keys
    for u in inv.iam.iam_users.to_dict("records"):
        mine = active[active["user"] == u["user"]]
        where, who = (G, "iam_user", u["user"]), {"arn": u["arn"], "user": u["user"]}
        if len(mine):
            ssh_keys = int((ssh["user"] == u["user"]).sum())  # listed for these users only
            out.append(IAM_07.finding("https_git_credentials", *where, **who, count=len(mine), ssh_keys=ssh_keys))
        else:
            out.append(IAM_07.finding("no_https_git_credentials", *where, **who))
    return out


def iam_admin_actions(actions: AbstractSet[str]) -> set[str]:
    """IAM actions of access level Permissions management: what makes a principal an IAM administrator."""
    return {a for a in actions if a.lower().startswith("iam:") and access_level(a) == PERMISSIONS_MANAGEMENT}


@IAM_08.rule
def separate_iam_admins(inv: Inventory, settings: Settings) -> list[Finding]:
    """Principals who can manage IAM are few and do not also hold developer rights. The evidence names the policies
    that grant each right (what to change), with the number of actions they give."""
    out = []
    developer = expand(settings.developer_actions)
    admins = []
    admin_actions: dict[int, set[str]] = {}  # principals holding the same policies share one Actions object
    for p in inv.iam.principal_permissions.to_dict("records"):
        ptype, name = p["principal_type"], p["principal"]
        base = {"name": name, "arn": p["arn"], "principal_type": ptype, "principal": name}
        where = (G, f"iam_{ptype}", name)
        if p["unreadable"]:
            out.append(IAM_08.finding("policy_unreadable", *where, **base, policies=sorted(p["unreadable"])))
            continue
        actions = p["actions"]
        if id(actions) not in admin_actions:
            admin_actions[id(actions)] = iam_admin_actions(actions)
        iam_admin = admin_actions[id(actions)]
        dev = developer & actions
        if iam_admin:
            admins.append(f"{ptype}:{name}")
            iam_policies = [_policy_label(r) for r in inv.iam.granting(p["policies"], iam_admin)]
            if dev:
                dev_policies = [_policy_label(r) for r in inv.iam.granting(p["policies"], dev)]
                out.append(
                    IAM_08.finding(
                        "admin_and_developer",
                        *where,
                        **base,
                        iam_policies=iam_policies,
                        iam_count=len(iam_admin),
                        developer_policies=dev_policies,
                        developer_count=len(dev),
                    )
                )
            else:
                out.append(
                    IAM_08.finding("iam_admin", *where, **base, iam_policies=iam_policies, iam_count=len(iam_admin))
                )
        else:
            out.append(IAM_08.finding("separated", *where, **base, developer=bool(dev)))
    if len(admins) > settings.max_iam_admins:
        out.append(
            IAM_08.finding(
                "too_many_admins",
                G,
                "account",
                inv.account_id,
                name=inv.account_id,
                count=len(admins),
                max=settings.max_iam_admins,
                admins=sorted(admins),
            )
        )
    return out


@IAM_09.rule
def groups_and_least_privilege(inv: Inventory, settings: Settings) -> list[Finding]:
    """No policies on users directly; no customer-managed or inline policy allows * on *."""
    out = []
    for u in inv.iam.iam_users.to_dict("records"):
        direct = [arn.rsplit("/", 1)[-1] for arn in u["attached"]] + [f"{n} (inline)" for n in u["inline"]]
        where, who = (G, "iam_user", u["user"]), {"arn": u["arn"], "user": u["user"]}
        if direct:
            out.append(IAM_09.finding("user_attached_policies", *where, **who, policies=sorted(direct)))
        else:
            out.append(IAM_09.finding("groups_and_roles_only", *where, **who))
    for arn, p in inv.iam.managed_policies.items():
        if not p["is_aws_managed"] and allows_star_on_star(p["document"]):
            out.append(
                IAM_09.finding(
                    "star_star_policy",
                    G,
                    "iam_policy",
                    arn,
                    name=p["name"],
                    arn=arn,
                    policy=p["name"],
                    attached_to="customer managed",
                )
            )
    for kind, frame, col in (
        ("user", inv.iam.iam_users, "user"),
        ("group", inv.iam.iam_groups, "group"),
        ("role", inv.iam.iam_roles, "role"),
    ):
        for row in frame.to_dict("records"):
            for pname, doc in row["inline"].items():
                if allows_star_on_star(doc):
                    rid = f"{kind}/{row[col]}/{pname}"
                    owner = f"{kind} {row[col]}"
                    out.append(
                        IAM_09.finding(
                            "star_star_policy",
                            G,
                            "iam_inline_policy",
                            rid,
                            name=pname,
                            policy=pname,
                            attached_to=owner,
                        )
                    )
    return out


@IAM_10.rule
def unused_identities(inv: Inventory, settings: Settings) -> list[Finding]:
    """Users with no console or key activity within ``unused_days`` (or never, and older than that)."""
    out = []
    keys = _by_user(inv.iam.access_keys)
    for u in _users(inv):
        used = [u["password_last_used"], *(k["last_used"] for k in keys.get(u["user"], []))]
        used = [t for t in used if t is not None]
        last = max(used) if used else None
        idle = inv.days_since(last if last is not None else u["created"])
        base = {"arn": u["arn"], "user": u["user"], "last_activity": _date(last)}
        where = (G, "iam_user", u["user"])
        if idle is not None and idle > settings.unused_days:
            out.append(IAM_10.finding("unused_user", *where, **base, days=idle))
        else:
            out.append(IAM_10.finding("active_user", *where, **base))
    return out


@IAM_11.rule
def access_analyzer(inv: Inventory, settings: Settings) -> list[Finding]:
    """An active IAM Access Analyzer in every assessed region."""
    out = []
    analyzers = inv.iam.analyzers
    for region in inv.regions:
        active = analyzers[(analyzers["region"] == region) & (analyzers["status"].str.upper() == "ACTIVE")]
        if len(active):
            names = sorted(active["name"])
            out.append(IAM_11.finding("analyzer_active", region, "region", region, analyzers=names))
        else:
            out.append(IAM_11.finding("no_analyzer", region, "region", region))
    return out
