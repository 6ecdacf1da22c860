"""IAM management and access control: BP-IAM-01 … BP-IAM-11 (rules in CHECKS.md, words in the catalog)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pandas as pd

from awsbp.checks.registry import check, emit
from awsbp.devtools_inventory import AWS_KEY
from awsbp.findings import Finding, Severity, Status
from awsbp.iam_inventory import ROOT_USER
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.policy import PERMISSIONS_MANAGEMENT, access_level, allows_star_on_star, expand, trusted_principals

FAIL, PASS, REVIEW, NOT_ASSESSED = Status.FAIL, Status.PASS, Status.REVIEW, Status.NOT_ASSESSED
CRIT, HIGH, MED, LOW, INFO = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFORMATIONAL)
G = "global"
REPORT = "iam.GetCredentialReport"
DETAILS = "iam.GetAccountAuthorizationDetails"


def _date(value: object) -> str:
    return value.date().isoformat() if hasattr(value, "date") and value is not None else "never"  # type: ignore[union-attr]


def _sample(values: Iterable[str], limit: int = 5) -> str:
    items = sorted(values)
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "") if items else "-"


def _by_user(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows by ``user``, as dicts: one pass instead of a filter per user."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["user"], []).append(row)
    return out


def _users(inv: Inventory):
    report = inv.credential_report
    return report[~report["is_root"]].to_dict("records")


@check(
    "BP-IAM-01",
    domain="iam",
    severity=CRIT,
    needs=["iam.GetAccountSummary", REPORT],
    refs={
        "CIS": ["1.4", "1.5", "1.6", "1.7"],
        "FSBP": ["IAM.4", "IAM.6", "IAM.9"],
        "Prowler": ["iam_root_mfa_enabled", "iam_no_root_access_key", "iam_avoid_root_usage"],
    },
)
def protect_root(inv: Inventory, settings: Settings) -> list[Finding]:
    """Root has MFA and no access keys (account summary); root's password is not in daily use (report)."""
    summary = inv.account_summary or {}
    rid, out = ROOT_USER, []
    root = {"name": "root"}
    if summary.get("AccountMFAEnabled", 0) == 1:
        out.append(emit("BP-IAM-01", PASS, CRIT, G, "root", rid, "root_mfa", **root))
    else:
        out.append(emit("BP-IAM-01", FAIL, CRIT, G, "root", rid, "root_no_mfa", **root))
    if summary.get("AccountAccessKeysPresent", 0):
        out.append(emit("BP-IAM-01", FAIL, CRIT, G, "root", rid, "root_access_keys", **root))
    else:
        out.append(emit("BP-IAM-01", PASS, CRIT, G, "root", rid, "root_no_access_keys", **root))
    rows = inv.credential_report[inv.credential_report["is_root"]].to_dict("records")
    if not rows:
        out.append(
            emit(
                "BP-IAM-01",
                NOT_ASSESSED,
                MED,
                G,
                "root",
                rid,
                "root_usage_unknown",
                **root,
                missing=f"{REPORT}: the report has no {ROOT_USER} row",
            )
        )
        return out
    last = rows[0]["password_last_used"]
    days = inv.days_since(last)
    if days is not None and days <= settings.root_recent_days:
        out.append(
            emit("BP-IAM-01", REVIEW, MED, G, "root", rid, "root_recent_use", **root, last_used=_date(last), days=days)
        )
    else:
        out.append(emit("BP-IAM-01", PASS, MED, G, "root", rid, "root_not_recent", **root, last_used=_date(last)))
    return out


PASSWORD_FLAGS = {
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase": "RequireUppercaseCharacters",
    "require_lowercase": "RequireLowercaseCharacters",
}


@check(
    "BP-IAM-02",
    domain="iam",
    severity=MED,
    needs=["iam.GetAccountPasswordPolicy"],
    refs={
        "CIS": ["1.8", "1.9"],
        "FSBP": ["IAM.7"],
        "Prowler": ["iam_password_policy_minimum_length_14", "iam_password_policy_reuse_24"],
    },
)
def password_policy(inv: Inventory, settings: Settings) -> list[Finding]:
    """The account password policy is at least as strong as the settings ask, setting by setting."""
    account = inv.account_id
    current = inv.password_policy
    if current is None:
        return [
            emit("BP-IAM-02", FAIL, MED, G, "password_policy", account, "no_password_policy", name="password policy")
        ]
    wanted = settings.password_policy
    weak: list[tuple[str, object, object]] = []
    if current.get("MinimumPasswordLength", 0) < wanted.minimum_length:
        weak.append(("minimum_length", current.get("MinimumPasswordLength", 0), wanted.minimum_length))
    for setting, key in PASSWORD_FLAGS.items():
        if getattr(wanted, setting) and not current.get(key, False):
            weak.append((setting, False, True))
    if current.get("PasswordReusePrevention", 0) < wanted.reuse_prevention:
        weak.append(("reuse_prevention", current.get("PasswordReusePrevention", 0), wanted.reuse_prevention))
    if wanted.max_age_days and not 0 < current.get("MaxPasswordAge", 0) <= wanted.max_age_days:
        weak.append(("max_age_days", current.get("MaxPasswordAge", "none"), wanted.max_age_days))
    if not weak:
        return [emit("BP-IAM-02", PASS, MED, G, "password_policy", account, "policy_ok", name="password policy")]
    return [
        emit(
            "BP-IAM-02",
            FAIL,
            MED,
            G,
            "password_policy",
            f"{account}:{setting}",
            "weak_setting",
            name=f"password policy: {setting}",
            setting=setting,
            actual=actual,
            expected=expected,
        )
        for setting, actual, expected in weak
    ]


@check(
    "BP-IAM-03",
    domain="iam",
    severity=HIGH,
    needs=[REPORT],
    refs={"CIS": ["1.10"], "FSBP": ["IAM.5"], "Prowler": ["iam_user_mfa_enabled_console_access"]},
)
def console_mfa(inv: Inventory, settings: Settings) -> list[Finding]:
    """Every IAM user who can sign in to the console has MFA."""
    out = []
    for u in _users(inv):
        if not u["password_enabled"]:
            continue
        if u["mfa_active"]:
            out.append(
                emit(
                    "BP-IAM-03", PASS, HIGH, G, "iam_user", u["user"], "console_with_mfa", arn=u["arn"], user=u["user"]
                )
            )
        else:
            out.append(
                emit(
                    "BP-IAM-03",
                    FAIL,
                    HIGH,
                    G,
                    "iam_user",
                    u["user"],
                    "console_without_mfa",
                    arn=u["arn"],
                    user=u["user"],
                )
            )
    return out


@check(
    "BP-IAM-04",
    domain="iam",
    severity=MED,
    needs=["ec2.DescribeInstances", REPORT],
    refs={
        "CIS": ["1.18"],
        "FSBP": ["EC2.8", "CodeBuild.2"],
        "Prowler": ["ec2_instance_profile_attached", "ec2_instance_imdsv2_enabled"],
    },
)
def roles_not_keys(inv: Inventory, settings: Settings) -> list[Finding]:
    """Instances use roles (with IMDSv2); users with keys but no console are reviewed as service users."""
    out = []
    for i in inv.instances.to_dict("records"):
        if i["state"] != "running":
            continue
        name = i["name"] or i["instance_id"]
        common = {"name": name, "environment": i["environment"], "instance": name}
        if not i["profile_arn"]:
            out.append(
                emit(
                    "BP-IAM-04", FAIL, MED, i["region"], "instance", i["instance_id"], "instance_without_role", **common
                )
            )
            continue
        profile = i["profile_arn"].rsplit("/", 1)[-1]
        where = (i["region"], "instance", i["instance_id"])
        if i["http_tokens"] != "required":
            out.append(emit("BP-IAM-04", FAIL, MED, *where, "imdsv1_with_role", **common, profile=profile))
        else:
            out.append(emit("BP-IAM-04", PASS, MED, *where, "instance_with_role", **common, profile=profile))
    # access keys in code and configuration: the detections BP-DEV-01..03 report too (one detection, two views)
    found = inv.secret_detections
    for d in found[found["type"] == AWS_KEY].drop_duplicates(["resource_id"]).to_dict("records"):
        out.append(
            emit(
                "BP-IAM-04",
                FAIL,
                CRIT,
                d["region"],
                d["resource_type"],
                d["resource_id"],
                "access_key_in_code",
                name=d["name"],
                where=d["source"],
                resource=d["name"],
            )
        )
    keys = _by_user(inv.access_keys[inv.access_keys["active"]])
    for u in _users(inv):
        mine = keys.get(u["user"], [])
        if u["password_enabled"] or not mine:
            continue
        ages = [age for k in mine if (age := inv.days_since(k["last_rotated"])) is not None]
        services = sorted({k["last_service"] for k in mine if k["last_service"]})
        out.append(
            emit(
                "BP-IAM-04",
                REVIEW,
                MED,
                G,
                "iam_user",
                u["user"],
                "service_user",
                arn=u["arn"],
                user=u["user"],
                keys=len(mine),
                key_age_days=max(ages) if ages else "-",
                last_service=", ".join(services) or "never used",
            )
        )
    return out


@check(
    "BP-IAM-05",
    domain="iam",
    severity=MED,
    needs=[REPORT],
    refs={
        "CIS": ["1.13", "1.14", "1.12"],
        "FSBP": ["IAM.3", "IAM.8"],
        "Prowler": ["iam_user_two_active_access_key", "iam_rotate_access_key_90_days", "iam_user_accesskey_unused"],
    },
)
def access_keys(inv: Inventory, settings: Settings) -> list[Finding]:
    """One active key per user, rotated within the limit, and in use."""
    out = []
    keys = inv.access_keys[inv.access_keys["active"]]
    for user, mine in keys.groupby("user"):
        user = str(user)
        failed = False
        if len(mine) > 1:
            out.append(emit("BP-IAM-05", FAIL, MED, G, "iam_user", user, "two_active_keys", user=user))
            failed = True
        for k in mine.to_dict("records"):
            rid = f"{user}:key{k['key']}"
            age = inv.days_since(k["last_rotated"])
            if age is not None and age > settings.key_max_age_days:
                out.append(
                    emit(
                        "BP-IAM-05",
                        FAIL,
                        MED,
                        G,
                        "access_key",
                        rid,
                        "key_not_rotated",
                        name=rid,
                        user=user,
                        key=k["key"],
                        age_days=age,
                        max_days=settings.key_max_age_days,
                    )
                )
                failed = True
            idle = inv.days_since(k["last_used"] or k["last_rotated"])
            if idle is None or idle > settings.unused_days:
                out.append(
                    emit(
                        "BP-IAM-05",
                        FAIL,
                        MED,
                        G,
                        "access_key",
                        rid,
                        "key_unused",
                        name=rid,
                        user=user,
                        key=k["key"],
                        last_used=_date(k["last_used"]),
                        days=idle if idle is not None else "-",
                    )
                )
                failed = True
        if not failed:
            out.append(emit("BP-IAM-05", PASS, MED, G, "iam_user", user, "keys_ok", user=user))
    return out


@check(
    "BP-IAM-06",
    domain="iam",
    severity=MED,
    needs=[DETAILS],
    refs={"CIS": ["1.21"], "Prowler": ["iam_role_cross_account_readonlyaccess_policy"]},
)
def switch_role(inv: Inventory, settings: Settings) -> list[Finding]:
    """Roles trusting other accounts are guarded by ExternalId or MFA; nothing trusts everyone."""
    out = []
    for r in inv.iam_roles.to_dict("records"):
        if r["path"].startswith("/aws-service-role/"):
            continue
        base = {"name": r["role"], "arn": r["arn"], "role": r["role"]}
        principals = trusted_principals(r["trust"])
        anyone = [p for p in principals if p.account == "*"]
        foreign = [p for p in principals if p.account not in ("", "*", inv.account_id)]
        if anyone:
            out.append(
                emit(
                    "BP-IAM-06",
                    FAIL,
                    CRIT,
                    G,
                    "iam_role",
                    r["role"],
                    "trusts_anyone",
                    **base,
                    principal=anyone[0].kind + ": *",
                )
            )
        elif foreign:
            accounts = ", ".join(sorted({p.account for p in foreign}))
            guards = set.intersection(*(set(p.condition_keys) for p in foreign))
            guarded = sorted(guards & {"sts:externalid", "aws:multifactorauthpresent", "aws:multifactorauthage"})
            if guarded:
                out.append(
                    emit(
                        "BP-IAM-06",
                        PASS,
                        MED,
                        G,
                        "iam_role",
                        r["role"],
                        "cross_account_guarded",
                        **base,
                        accounts=accounts,
                        conditions=", ".join(guarded),
                    )
                )
            else:
                out.append(
                    emit(
                        "BP-IAM-06",
                        REVIEW,
                        MED,
                        G,
                        "iam_role",
                        r["role"],
                        "cross_account_no_condition",
                        **base,
                        accounts=accounts,
                    )
                )
        else:
            out.append(emit("BP-IAM-06", PASS, MED, G, "iam_role", r["role"], "no_external_trust", **base))
    return out


def person_key(user_name: str) -> str:
    """``'Taro.Yamada@example.com' -> 'taroyamada'``, ``'taro_yamada' -> 'taroyamada'``."""
    local = user_name.split("@", 1)[0].lower()
    return re.sub(r"[^a-z0-9]", "", local)


def same_person_across_accounts(inventories: list[Inventory]) -> list[Finding]:
    """BP-IAM-06, batch part: one person holding IAM users in several accounts (needs several snapshots)."""
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for inv in inventories:
        if not inv.snapshot.has("iam", G, "GetCredentialReport"):
            continue
        for u in _users(inv):
            key = person_key(u["user"])
            if len(key) >= 3:
                seen[key].add((inv.account_id, u["user"]))
    out = []
    for key, holders in sorted(seen.items()):
        accounts = sorted({a for a, _ in holders})
        if len(accounts) < 2:
            continue
        for account in accounts:
            names = sorted(n for a, n in holders if a == account)
            finding = emit(
                "BP-IAM-06",
                FAIL,
                MED,
                G,
                "iam_user",
                names[0],
                "same_person_multiple_accounts",
                person=key,
                accounts=", ".join(accounts),
                count=len(accounts),
            )
            finding.account_id = account
            out.append(finding)
    return out


@check(
    "BP-IAM-07",
    domain="iam",
    severity=LOW,
    needs=["iam.ListServiceSpecificCredentials", "iam.ListSSHPublicKeys", DETAILS],
)
def no_https_git_credentials(inv: Inventory, settings: Settings) -> list[Finding]:
    """No active CodeCommit HTTPS Git credentials (SSH keys or git-remote-codecommit instead)."""
    out = []
    creds = inv.service_credentials
    active = creds[(creds["status"] == "Active") & creds["service"].str.startswith("codecommit")]
    ssh = inv.ssh_keys
    for u in inv.iam_users.to_dict("records"):
        mine = active[active["user"] == u["user"]]
        if len(mine):
            out.append(
                emit(
                    "BP-IAM-07",
                    FAIL,
                    LOW,
                    G,
                    "iam_user",
                    u["user"],
                    "https_git_credentials",
                    arn=u["arn"],
                    user=u["user"],
                    count=len(mine),
                    ssh_keys=int((ssh["user"] == u["user"]).sum()),  # listed for these users only
                )
            )
        else:
            out.append(
                emit(
                    "BP-IAM-07",
                    PASS,
                    LOW,
                    G,
                    "iam_user",
                    u["user"],
                    "no_https_git_credentials",
                    arn=u["arn"],
                    user=u["user"],
                )
            )
    return out


def iam_admin_actions(actions: set[str]) -> set[str]:
    return {a for a in actions if a.lower().startswith("iam:") and access_level(a) == PERMISSIONS_MANAGEMENT}


@check(
    "BP-IAM-08",
    domain="iam",
    severity=HIGH,
    needs=[DETAILS],
    refs={"CIS": ["1.16"], "FSBP": ["IAM.1"], "Prowler": ["iam_policy_allows_privilege_escalation"]},
)
def separate_iam_admins(inv: Inventory, settings: Settings) -> list[Finding]:
    """Principals who can manage IAM are few and do not also hold developer rights."""
    out = []
    developer = expand(settings.developer_actions)
    admins = []
    for p in inv.principal_permissions.to_dict("records"):
        ptype, name = p["principal_type"], p["principal"]
        base = {"name": name, "arn": p["arn"], "principal_type": ptype, "principal": name}
        rtype = f"iam_{ptype}"
        if p["unreadable"]:
            out.append(
                emit(
                    "BP-IAM-08",
                    NOT_ASSESSED,
                    HIGH,
                    G,
                    rtype,
                    name,
                    "policy_unreadable",
                    **base,
                    policies=_sample(p["unreadable"]),
                )
            )
            continue
        iam_admin = iam_admin_actions(p["actions"])
        dev = developer & p["actions"]
        if iam_admin:
            admins.append(f"{ptype}:{name}")
            if dev:
                out.append(
                    emit(
                        "BP-IAM-08",
                        FAIL,
                        HIGH,
                        G,
                        rtype,
                        name,
                        "admin_and_developer",
                        **base,
                        iam_actions=_sample(iam_admin, 3),
                        developer_actions=_sample(dev, 3),
                    )
                )
            else:
                out.append(
                    emit(
                        "BP-IAM-08", REVIEW, MED, G, rtype, name, "iam_admin", **base, iam_actions=_sample(iam_admin, 3)
                    )
                )
        else:
            out.append(emit("BP-IAM-08", PASS, HIGH, G, rtype, name, "separated", **base))
    if len(admins) > settings.max_iam_admins:
        out.append(
            emit(
                "BP-IAM-08",
                FAIL,
                MED,
                G,
                "account",
                inv.account_id,
                "too_many_admins",
                name="IAM administrators",
                count=len(admins),
                max=settings.max_iam_admins,
                admins=_sample(admins, 10),
            )
        )
    return out


@check(
    "BP-IAM-09",
    domain="iam",
    severity=LOW,
    needs=[DETAILS],
    refs={
        "CIS": ["1.15", "1.16"],
        "FSBP": ["IAM.1", "IAM.2"],
        "Prowler": ["iam_policy_attached_only_to_group_or_roles", "iam_user_administrator_access_policy"],
    },
)
def groups_and_least_privilege(inv: Inventory, settings: Settings) -> list[Finding]:
    """No policies on users directly; no customer-managed or inline policy allows * on *."""
    out = []
    for u in inv.iam_users.to_dict("records"):
        direct = [arn.rsplit("/", 1)[-1] for arn in u["attached"]] + [f"{n} (inline)" for n in u["inline"]]
        if direct:
            out.append(
                emit(
                    "BP-IAM-09",
                    FAIL,
                    LOW,
                    G,
                    "iam_user",
                    u["user"],
                    "user_attached_policies",
                    arn=u["arn"],
                    user=u["user"],
                    policies=_sample(direct),
                )
            )
        else:
            out.append(
                emit(
                    "BP-IAM-09",
                    PASS,
                    LOW,
                    G,
                    "iam_user",
                    u["user"],
                    "groups_and_roles_only",
                    arn=u["arn"],
                    user=u["user"],
                )
            )
    for arn, p in inv.managed_policies.items():
        if not p["is_aws_managed"] and allows_star_on_star(p["document"]):
            out.append(
                emit(
                    "BP-IAM-09",
                    FAIL,
                    HIGH,
                    G,
                    "iam_policy",
                    arn,
                    "star_star_policy",
                    name=p["name"],
                    arn=arn,
                    policy=p["name"],
                    attached_to="customer managed",
                )
            )
    for kind, frame, col in (
        ("user", inv.iam_users, "user"),
        ("group", inv.iam_groups, "group"),
        ("role", inv.iam_roles, "role"),
    ):
        for row in frame.to_dict("records"):
            for pname, doc in row["inline"].items():
                if allows_star_on_star(doc):
                    rid = f"{kind}/{row[col]}/{pname}"
                    out.append(
                        emit(
                            "BP-IAM-09",
                            FAIL,
                            HIGH,
                            G,
                            "iam_inline_policy",
                            rid,
                            "star_star_policy",
                            name=pname,
                            policy=pname,
                            attached_to=f"{kind} {row[col]}",
                        )
                    )
    return out


@check(
    "BP-IAM-10",
    domain="iam",
    severity=LOW,
    needs=[REPORT],
    refs={
        "CIS": ["1.12"],
        "FSBP": ["IAM.8"],
        "Prowler": ["iam_user_accesskey_unused", "iam_user_console_access_unused"],
    },
)
def unused_identities(inv: Inventory, settings: Settings) -> list[Finding]:
    """Users with no console or key activity within ``unused_days`` (or never, and older than that)."""
    out = []
    keys = _by_user(inv.access_keys)
    for u in _users(inv):
        used = [u["password_last_used"], *(k["last_used"] for k in keys.get(u["user"], []))]
        used = [t for t in used if t is not None]
        last = max(used) if used else None
        idle = inv.days_since(last if last is not None else u["created"])
        base = {"arn": u["arn"], "user": u["user"], "last_activity": _date(last)}
        if idle is not None and idle > settings.unused_days:
            out.append(emit("BP-IAM-10", FAIL, LOW, G, "iam_user", u["user"], "unused_user", **base, days=idle))
        else:
            out.append(emit("BP-IAM-10", PASS, LOW, G, "iam_user", u["user"], "active_user", **base))
    return out


@check(
    "BP-IAM-11",
    domain="iam",
    severity=LOW,
    needs=["accessanalyzer.ListAnalyzers"],
    refs={"CIS": ["1.20"], "FSBP": ["IAM.28"], "Prowler": ["accessanalyzer_enabled"]},
)
def access_analyzer(inv: Inventory, settings: Settings) -> list[Finding]:
    """An active IAM Access Analyzer in every assessed region."""
    out = []
    analyzers = inv.analyzers
    for region in inv.regions:
        active = analyzers[(analyzers["region"] == region) & (analyzers["status"].str.upper() == "ACTIVE")]
        if len(active):
            out.append(
                emit(
                    "BP-IAM-11",
                    PASS,
                    LOW,
                    region,
                    "region",
                    region,
                    "analyzer_active",
                    analyzers=", ".join(sorted(active["name"])),
                )
            )
        else:
            out.append(emit("BP-IAM-11", FAIL, LOW, region, "region", region, "no_analyzer"))
    return out
