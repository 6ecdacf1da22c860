"""Lambda functions: VPC placement, execution roles, and environment variables scanned for secrets.

Variable values are scanned in memory and replaced by ``<redacted>`` before anything is stored; the
``Description`` goes through :func:`awsbp.secrets.scan_and_redact_text` like any free text a collector keeps.

Fields added to each function:

* ``AwsbpSecrets``: one ``{"name", "where", "type", "fingerprint"}`` per detection (``name``: the variable,
  or ``Description``);
* ``AwsbpReferences``: the variables whose value is a Secrets Manager / Parameter Store reference;
* ``AwsbpUnreadable`` (only when set): why the variables could not be read, in one line without any value —
  Lambda could not decrypt them and returned ``Environment.Error`` instead of ``Environment.Variables``
  (``"environment variables not readable: KMSAccessDeniedException: Lambda was unable to decrypt …"``).
  Nothing was scanned then, so no PASS can be said for that function.
"""

from typing import Any

from awsbp.collect.base import Api
from awsbp.secrets import redact_mapping, scan_and_redact_text, scan_variables

SERVICE = "lambda"
SCOPE = "regional"
ACTIONS = ["lambda:ListFunctions"]


def _one_line(text: Any, limit: int = 300) -> str:
    return " ".join(str(text or "").split())[:limit]


def scan_function(function: dict[str, Any]) -> dict[str, Any]:
    """Scan and redact one function's variables and description in place (see the module docstring)."""
    environment = function.get("Environment") or {}
    variables = environment.get("Variables") or {}
    found, references = scan_variables(variables)
    if variables:
        environment["Variables"] = redact_mapping(variables)
    error = environment.get("Error")
    if isinstance(error, dict) and (error.get("ErrorCode") or error.get("Message")):
        code = _one_line(error.get("ErrorCode") or "Error", 80)
        function["AwsbpUnreadable"] = f"environment variables not readable: {code}: {_one_line(error.get('Message'))}"
    if isinstance(function.get("Description"), str):
        function["Description"], described = scan_and_redact_text(function["Description"], "Description")
        found += described
    function["AwsbpSecrets"], function["AwsbpReferences"] = found, references
    return function


def _scan_environment(functions: list[Any]) -> list[Any]:
    return [scan_function(function) for function in functions]


APIS = [Api("ListFunctions", "Functions", transform=_scan_environment)]
