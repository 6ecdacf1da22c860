"""Lambda functions: VPC placement, execution roles, and environment variables scanned for secrets.

Variable values are scanned in memory and replaced by ``<redacted>`` before anything is stored;
``AwsbpSecrets`` keeps name, detector type and fingerprint, ``AwsbpReferences`` the names whose
value is a Secrets Manager / Parameter Store reference.
"""

from typing import Any

from awsbp.collect.base import Api
from awsbp.secrets import redact_mapping, scan_variables

SERVICE = "lambda"
SCOPE = "regional"
ACTIONS = ["lambda:ListFunctions"]


def _scan_environment(functions: list[Any]) -> list[Any]:
    for function in functions:
        variables = (function.get("Environment") or {}).get("Variables") or {}
        function["AwsbpSecrets"], function["AwsbpReferences"] = scan_variables(variables)
        if variables:
            function["Environment"]["Variables"] = redact_mapping(variables)
    return functions


APIS = [Api("ListFunctions", "Functions", transform=_scan_environment)]
