"""Field paths checked against botocore's service models, the authoritative shapes of AWS's answers.

A path is a tuple of member names and ``[]`` (a list's member): ``("Vpcs", "[]", "CidrBlock")``.
:func:`problem` walks it through the output shape of an operation and says what is wrong, or ``None``:

* a structure must have the member (``ResponseMetadata`` is allowed at the root: botocore adds it);
* a list is entered with ``[]`` only; a map accepts any key (or only its key enum's values, when the
  model has one, as IAM's ``SummaryMap`` does) and continues with the map's value shape;
* nothing is read inside a scalar — except IAM policy documents (shape ``policyDocumentType``), which
  botocore decodes from URL-encoded JSON into dicts: below them the IAM policy grammar applies.

:data:`STORED_AS` documents, for the APIs whose collector stores something other than the members of
the result list, which part of which operation's answer one stored item is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.model import OperationNotFoundError
from formats.samples import CREDENTIAL_REPORT_COLUMNS, SESSION

from contracts.recorder import MEMBER, Path, show

JSON_DOCUMENTS = {"policyDocumentType"}  # string shapes botocore's after-call handler decodes into dicts
ROOT_EXTRAS = {"ResponseMetadata"}  # what botocore adds to every parsed answer

# The IAM JSON policy grammar (IAM User Guide, "IAM JSON policy element reference").
POLICY_ELEMENTS = {"Version", "Id", "Statement"}
STATEMENT_ELEMENTS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                      "Condition"}  # fmt: skip
PRINCIPAL_KINDS = {"AWS", "Service", "Federated", "CanonicalUser"}


@cache
def service_model(service: str) -> Any:
    return SESSION.get_service_model(service)


def output_shape(service: str, operation: str) -> Any:
    """The operation's output shape; ``KeyError`` naming the operation when the model has no such operation."""
    try:
        return service_model(service).operation_model(operation).output_shape
    except OperationNotFoundError:
        raise KeyError(f"{service} has no operation {operation} in botocore's model") from None


def parse(text: str) -> Path:
    """``'Reservations[].Instances[]' -> ('Reservations', '[]', 'Instances', '[]')``."""
    out: list[str] = []
    for part in filter(None, text.split(".")):
        name, _, rest = part.partition("[]")
        out.append(name)
        out += [MEMBER] * (1 + rest.count("[]")) if "[]" in part else []
    return tuple(out)


def _policy_problem(path: Path) -> str | None:
    """Reads inside a decoded policy document, against the policy grammar."""
    if not path:
        return None
    if path[0] not in POLICY_ELEMENTS:
        return f"{path[0]!r} is not an element of an IAM policy document ({', '.join(sorted(POLICY_ELEMENTS))})"
    rest = path[1:]
    if path[0] != "Statement":
        return f"{path[0]} is a string" if rest else None
    if rest[:1] == (MEMBER,):  # Statement may be a list or a single statement
        rest = rest[1:]
    if not rest:
        return None
    if rest[0] not in STATEMENT_ELEMENTS:
        return f"{rest[0]!r} is not an element of a policy statement ({', '.join(sorted(STATEMENT_ELEMENTS))})"
    if rest[0] in ("Principal", "NotPrincipal") and len(rest) > 1 and rest[1] not in PRINCIPAL_KINDS | {MEMBER}:
        return f"{rest[1]!r} is not a kind of principal ({', '.join(sorted(PRINCIPAL_KINDS))})"
    return None  # Action/Resource values, Condition operators and keys are data


def resolve(shape: Any, path: Path, *, root: bool) -> tuple[Any, str | None]:
    """``(shape at the end of path, None)`` or ``(None, what is wrong)``."""
    for i, part in enumerate(path):
        where = show(path[:i]) or "the answer"
        if shape.type_name == "string" and shape.name in JSON_DOCUMENTS:
            return None, _policy_problem(path[i:])
        if part == MEMBER:
            if shape.type_name != "list":
                return None, f"{where} is a {shape.type_name} ({shape.name}), not a list"
            shape = shape.member
        elif shape.type_name == "structure":
            if i == 0 and root and part in ROOT_EXTRAS:
                return None, None
            if part not in shape.members:
                members = ", ".join(sorted(shape.members))
                return None, f"{part!r} is not a member of {shape.name} ({members})"
            shape = shape.members[part]
        elif shape.type_name == "map":
            if shape.key.enum and part not in shape.key.enum:
                return None, f"{part!r} is not a key {shape.name} can have ({', '.join(shape.key.enum)})"
            shape = shape.value
        else:
            return None, f"{where} is a {shape.type_name} ({shape.name}): there is nothing inside to read"
    return shape, None


def problem(service: str, operation: str, path: Path, *, at: Path = ()) -> str | None:
    """What is wrong with reading ``path`` in an item found at ``at`` of the operation's answer; ``None`` if fine."""
    shape = output_shape(service, operation)
    if shape is None:
        return "the operation's answer has no members"
    base, wrong = resolve(shape, at, root=True)
    if wrong or base is None:
        return f"the stored item's place {show(at)!r} does not exist: {wrong}"
    _, wrong = resolve(base, path, root=not at)
    return wrong


# --- what one stored item is ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stored:
    """A stored item is the part ``at`` of the answer of ``operation``; ``derived`` fields are awsbp's own (besides
    those named ``Awsbp…``)."""

    operation: str
    at: str
    derived: frozenset[str] = field(default_factory=frozenset)
    why: str = ""


@dataclass(frozen=True)
class CsvRows:
    """A stored item is one row of a CSV document the operation returns; its keys are the documented columns."""

    operation: str
    columns: tuple[str, ...]
    why: str = ""


# For an Api without its own fetch, a stored item is a member of its result list (``f"{result_key}[]"``).
# The others, one by one:
STORED_AS: dict[str, Stored | CsvRows] = {
    "ec2.DescribeInstances": Stored("DescribeInstances", "Reservations[].Instances[]", why="reservations unpacked"),
    "ec2.DescribeInstanceAttribute": Stored(
        "DescribeInstanceAttribute",
        "",
        derived=frozenset({"Size"}),
        why="per instance: InstanceId, the decoded user data's Size, and the secrets found in it (never the data)",
    ),
    "iam.GetCredentialReport": CsvRows(
        "GetCredentialReport", CREDENTIAL_REPORT_COLUMNS, why="the report's Content, parsed: one item per CSV row"
    ),
    "iam.GetAccountSummary": Stored("GetAccountSummary", "SummaryMap"),
    "iam.GetAccountPasswordPolicy": Stored("GetAccountPasswordPolicy", "PasswordPolicy"),
    "iam.GetAccountAuthorizationDetails": Stored("GetAccountAuthorizationDetails", "", why="every page merged"),
    "iam.ListSSHPublicKeys": Stored("ListSSHPublicKeys", "SSHPublicKeys[]", why="per user holding HTTPS Git creds"),
    "iam.ListServiceSpecificCredentials": Stored("ListServiceSpecificCredentials", "ServiceSpecificCredentials[]"),
    "codebuild.BatchGetProjects": Stored("BatchGetProjects", "projects[]", why="names from ListProjects first"),
    "codepipeline.GetPipeline": Stored("GetPipeline", "pipeline", why="name, roleArn and version of each pipeline"),
    "ecr.GetRegistryScanningConfiguration": Stored("GetRegistryScanningConfiguration", "", why="the whole answer"),
}


def stored_as(service: str, api: Any) -> Stored | CsvRows:
    """How items of ``service.api`` (an :class:`awsbp.collect.base.Api`) map onto the model; ``KeyError`` when an
    API with its own fetch is not documented in :data:`STORED_AS`."""
    key = f"{service}.{api.name}"
    if key in STORED_AS:
        return STORED_AS[key]
    if api.fetch is not None:
        raise KeyError(f"{key} has its own fetch: say in STORED_AS which part of which answer its items are")
    return Stored(api.name, f"{api.result_key}[]")


def is_awsbps(path: Path, stored: Stored | CsvRows) -> bool:
    """Whether the path is into a field awsbp adds itself (``Awsbp…`` anywhere, or a documented derived field)."""
    derived = stored.derived if isinstance(stored, Stored) else frozenset()
    return any(part.startswith("Awsbp") for part in path) or (bool(path) and path[0] in derived)


def stored_problem(service: str, stored: Stored | CsvRows, path: Path) -> str | None:
    """What is wrong with reading ``path`` in a stored item; ``None`` if the model (or the CSV format) has it."""
    if is_awsbps(path, stored):
        return None
    if isinstance(stored, CsvRows):
        if path[0] not in stored.columns:
            return f"{path[0]!r} is not a column of the documented CSV ({', '.join(stored.columns)})"
        return f"{path[0]} is a CSV cell (text): there is nothing inside to read" if len(path) > 1 else None
    return problem(service, stored.operation, path, at=parse(stored.at))


def label(service: str, api: str, stored: Stored | CsvRows, path: Path) -> str:
    """``'ec2.DescribeVpcs: Vpcs[].CidrBlockAssociationSet[].CidrBlock'``."""
    at = parse(stored.at) if isinstance(stored, Stored) else ()
    return f"{service}.{api}: {show(at + path)}"
