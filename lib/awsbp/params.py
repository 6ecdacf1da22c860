"""The params file: which accounts and regions to assess, and the settings the checks use.

Validated with pydantic; every error becomes one line that names the key and the fix.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from awsbp.errors import ParamsError

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(Strict):
    """One account: from a named profile, the default credential chain, or a role to assume."""

    name: str = Field(default="", description="label used in reports; defaults to the account id")
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = "awsbp"

    @field_validator("role_arn")
    @classmethod
    def _role_arn(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_ARN.match(value):
            raise ValueError("must look like arn:aws:iam::123456789012:role/RoleName")
        return value

    @model_validator(mode="after")
    def _external_id_needs_role(self) -> Account:
        if self.external_id and not self.role_arn:
            raise ValueError("external_id is only used with role_arn; add role_arn or remove external_id")
        return self


class Organization(Strict):
    """Discover the accounts of an AWS Organization and assume ``role_name`` in each."""

    role_name: str = Field(pattern=r"^[\w+=,.@-]{1,64}$")
    external_id: str | None = None
    session_name: str = "awsbp"
    include: list[str] = Field(default_factory=list, description="account ids or names (globs); empty = all")
    exclude: list[str] = Field(default_factory=list)
    ous: list[str] = Field(default_factory=list, description="OU ids (ou-…) or the root (r-…); empty = all")


class EnvironmentValues(Strict):
    """Tag values (lower-cased) that mean production or a non-production environment."""

    prod: list[str] = ["prod", "production", "prd", "本番"]
    dev: list[str] = ["dev", "development", "develop", "開発", "test", "testing", "stg", "staging", "qa", "検証"]


class PasswordPolicy(Strict):
    """The password policy an account should have at least (BP-IAM-02)."""

    minimum_length: int = Field(default=14, ge=6, le=128)
    require_symbols: bool = True
    require_numbers: bool = True
    require_uppercase: bool = True
    require_lowercase: bool = True
    reuse_prevention: int = Field(default=24, ge=0, le=24)
    max_age_days: int | None = Field(default=None, ge=1, le=1095)


DEVELOPER_ACTIONS = [
    "lambda:UpdateFunctionCode",
    "codecommit:GitPush",
    "codebuild:StartBuild",
    "ec2:RunInstances",
    "ecs:UpdateService",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
]


class Settings(Strict):
    """Thresholds and tag conventions the checks read. Defaults follow CHECKS.md."""

    environment_tag_key: str = "Environment"
    environment_values: EnvironmentValues = EnvironmentValues()
    system_tag_keys: list[str] = ["System", "Project", "Application"]
    role_tag_key: str = "Role"
    bastion_tag: str = Field(default="Role=bastion", pattern=r"^[^=]+=.+$")
    public_ports: list[int] = [80, 443]
    admin_ports: list[int] = [22, 3389, 3306, 5432, 1433, 1521, 6379, 27017, 9200]
    expected_endpoints: list[str] = [
        "ssm",
        "ssmmessages",
        "ec2messages",
        "logs",
        "ecr.api",
        "ecr.dkr",
        "sts",
        "secretsmanager",
        "kms",
    ]
    unused_days: int = Field(default=90, ge=1)
    key_max_age_days: int = Field(default=90, ge=1)
    root_recent_days: int = Field(default=90, ge=1)
    max_iam_admins: int = Field(default=3, ge=0)
    password_policy: PasswordPolicy = PasswordPolicy()
    developer_actions: list[str] = Field(default_factory=lambda: list(DEVELOPER_ACTIONS), min_length=1)
    # variable names that mean "this holds a secret" (regular expressions, case-insensitive), besides detect-secrets
    secret_name_patterns: list[str] = [
        "SECRET", "PASSW(OR)?D", "PASSWD", "TOKEN", "API_?KEY", "PRIVATE_?KEY", "CREDENTIAL", "ACCESS_?KEY",
    ]  # fmt: skip

    @field_validator("secret_name_patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(
                    f"{pattern!r} is not a valid regular expression ({err.msg} at position {err.pos})"
                ) from None
        return value

    @property
    def bastion_key_value(self) -> tuple[str, str]:
        key, _, value = self.bastion_tag.partition("=")
        return key, value

    def environment_of(self, tags: dict[str, str]) -> str:
        """``{'Environment': 'Production'} -> 'prod'``; ``''`` when untagged, ``'other'`` when unknown."""
        raw = tags.get(self.environment_tag_key)
        if raw is None:
            lowered = {k.lower(): v for k, v in tags.items()}
            raw = lowered.get(self.environment_tag_key.lower())
        if raw is None or not str(raw).strip():
            return ""
        value = str(raw).strip().lower()
        if value in self.environment_values.prod:
            return "prod"
        if value in self.environment_values.dev:
            return "dev"
        return "other"

    def system_of(self, tags: dict[str, str]) -> str:
        """The first system tag found, ``''`` when none."""
        for key in self.system_tag_keys:
            if tags.get(key, "").strip():
                return tags[key].strip()
        return ""


class Suppression(Strict):
    """An accepted risk: matching findings stay in the data, marked suppressed with the reason, until expiry."""

    check: str = Field(pattern=r"^(\*|BP-[A-Z0-9*?-]+)$", description="check id, globs allowed (BP-VPC-*, BP-*, *)")
    account: str = "*"
    region: str = "*"
    resource: str = Field(default="*", description="glob on the resource id or name")
    tags: dict[str, str] = Field(default_factory=dict, description="resource tags that must all match (value globs)")
    reason: str = Field(min_length=3)
    owner: str = Field(min_length=1)
    expires: date


class Params(Strict):
    """A params file: one client's accounts, regions and settings."""

    client: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    lang: Literal["ja", "en"] = "ja"
    timezone: str | None = Field(
        default=None, description="the client's time zone (IANA name); default Asia/Tokyo for ja, UTC for en"
    )
    accounts: list[Account] = Field(default_factory=lambda: [Account()], min_length=1)
    organizations: Organization | None = None
    regions: Literal["all-enabled"] | list[str] = "all-enabled"
    output_dir: str = "reports"
    max_workers: int = Field(default=2, ge=1, le=64)
    settings: Settings = Settings()
    suppressions: list[Suppression] = []
    suppressions_file: str | None = Field(
        default=None, description="a YAML list of suppressions, relative to the params file; added to `suppressions`"
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not a time zone name (like Asia/Tokyo or UTC)") from None
        return value

    @field_validator("accounts")
    @classmethod
    def _accounts_once(cls, value: list[Account]) -> list[Account]:
        """The same account twice (same role, same profile, both the default credentials, or the same name) would
        be assessed twice into one directory: refuse it."""
        targets: dict[str, int] = {}
        names: dict[str, int] = {}
        for number, account in enumerate(value, start=1):
            if account.role_arn:
                target = f"role_arn {account.role_arn}"
            else:
                target = f"profile {account.profile!r}" if account.profile else "the default credentials"
            if target in targets:
                raise ValueError(
                    f"account {number} repeats account {targets[target]} ({target}); list each account once"
                )
            if account.name and account.name in names:
                raise ValueError(
                    f"account {number} has the name {account.name!r} of account {names[account.name]}; "
                    "give each account its own name"
                )
            targets[target] = number
            if account.name:
                names[account.name] = number
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError("list at least one region, or write all-enabled")
            for region in value:
                if not REGION.match(region):
                    raise ValueError(f"{region!r} is not a region name (like ap-northeast-1)")
        return value


def _one_line(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        hint = "unknown key; check its spelling against params/example.yaml"
    elif kind == "missing":
        hint = "required key is missing; see params/example.yaml"
    else:
        hint = first["msg"].removeprefix("Value error, ")
        if "input" in first and not isinstance(first["input"], dict | list):
            hint += f" (got {first['input']!r})"
    more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{source}: {where}: {hint}{more}"


def parse(raw: Any, source: str = "params") -> Params:
    """Validate a loaded mapping; raise :class:`ParamsError` with one line on any problem."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: expected a mapping of keys (client, accounts, regions, …) at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_one_line(err, source)) from None
    except RecursionError:
        raise ParamsError(
            f"{source}: values nested too deeply; see params/example.yaml for the expected shape"
        ) from None


def _read_yaml(path: Path, missing: str) -> Any:
    """A YAML file's content; one :class:`ParamsError` line when it is missing (``missing`` says what to do)
    or not valid YAML (with the line)."""
    if not path.is_file():
        raise ParamsError(f"{path}: {missing}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path}:{where}: not valid YAML ({getattr(err, 'problem', err)})") from None
    except RecursionError:
        raise ParamsError(f"{path}: YAML nested too deeply; see params/example.yaml for the expected shape") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ParamsError(f"{path}: cannot be read ({getattr(err, 'strerror', None) or err})") from None


def load(path: str | Path) -> Params:
    """Read and validate a params YAML file."""
    path = Path(path)
    raw = _read_yaml(path, "no such params file; copy params/example.yaml and edit it")
    params = parse(raw, str(path))
    if params.suppressions_file:
        extra = load_suppressions(path.parent / params.suppressions_file)
        params = params.model_copy(update={"suppressions": [*params.suppressions, *extra]})
    return params


class _SuppressionList(BaseModel):
    suppressions: list[Suppression]


def load_suppressions(path: Path) -> list[Suppression]:
    """A separate suppressions file (a YAML list, or a mapping with ``suppressions:``); one-line errors."""
    raw = _read_yaml(path, "no such suppressions file; fix `suppressions_file` in the params file")
    items = raw.get("suppressions") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ParamsError(f"{path}: expected a list of suppressions (check, reason, owner, expires, …)")
    try:
        return _SuppressionList.model_validate({"suppressions": items}).suppressions
    except ValidationError as err:
        raise ParamsError(_one_line(err, str(path))) from None
    except RecursionError:
        raise ParamsError(f"{path}: values nested too deeply; see params/example.yaml") from None
