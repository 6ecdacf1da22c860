"""CodeBuild projects: service roles, privileged mode, and PLAINTEXT variables scanned for secrets.

PLAINTEXT values are scanned in memory and redacted; PARAMETER_STORE / SECRETS_MANAGER values are
names of references and are kept.
"""

from typing import Any

from awsbp.collect.base import Api, all_items
from awsbp.secrets import REDACTED, scan_variables

SERVICE = "codebuild"
SCOPE = "regional"
ACTIONS = ["codebuild:ListProjects", "codebuild:BatchGetProjects"]
BATCH = 100  # BatchGetProjects takes at most 100 names


def projects(client: Any) -> list[Any]:
    """Every project in full: the names from ListProjects, details 100 at a time."""
    names = all_items(client, "list_projects", "projects")
    found: list[Any] = []
    for start in range(0, len(names), BATCH):
        found += client.batch_get_projects(names=names[start : start + BATCH]).get("projects", [])
    for project in found:
        plaintext = {}
        for variable in (project.get("environment") or {}).get("environmentVariables", []):
            if variable.get("type", "PLAINTEXT") == "PLAINTEXT":
                plaintext[variable["name"]] = variable.get("value", "")
                variable["value"] = REDACTED
        project["AwsbpSecrets"], project["AwsbpReferences"] = scan_variables(plaintext)
    return found


APIS = [Api("BatchGetProjects", fetch=projects)]
