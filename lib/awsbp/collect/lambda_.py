"""Lambda functions: which run inside a VPC and with which security groups.

Environment variable values are redacted here, before anything is stored: only names are kept.
"""

from typing import Any

from awsbp.collect.base import Api
from awsbp.redact import redact_mapping

SERVICE = "lambda"
SCOPE = "regional"
ACTIONS = ["lambda:ListFunctions"]


def _redact_environment(functions: list[Any]) -> list[Any]:
    for function in functions:
        variables = function.get("Environment", {}).get("Variables")
        if variables:
            function["Environment"]["Variables"] = redact_mapping(variables)
    return functions


APIS = [Api("ListFunctions", "Functions", transform=_redact_environment)]
