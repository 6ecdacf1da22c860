"""CodeBuild projects: service roles, privileged mode, and every place a project can hold a secret.

Scanned in memory before anything is stored (:mod:`awsbp.secrets`):

* PLAINTEXT environment variables: values replaced by ``<redacted>``; PARAMETER_STORE / SECRETS_MANAGER
  values are names of references and are kept;
* free text, through :func:`awsbp.secrets.scan_and_redact_text`: ``description``, ``source.location``,
  ``source.buildspec`` (an inline buildspec: its ``env.variables`` and commands), and the same two fields of
  each ``secondarySources[i]``. Credentials in a URL are replaced in place (``https://<redacted>@host/…``);
  a field still holding a secret after that is replaced as a whole by ``<redacted>``;
* ``webhook.secret`` (the repository webhook's shared secret, when AWS returns it) is always replaced.

Fields added to each project:

* ``AwsbpSecrets``: one ``{"name", "where", "type", "fingerprint"}`` per detection (``line`` too for a
  buildspec). ``name`` is the variable for PLAINTEXT variables (``DB_PASSWORD``) and the field otherwise;
  ``where`` always says where: ``environmentVariables.DB_PASSWORD``, ``source.location``,
  ``source.buildspec, line 7``, ``secondarySources[0].location``, ``description``.
* ``AwsbpReferences``: names of PLAINTEXT variables whose value is a Secrets Manager / SSM reference.
"""

from typing import Any

from awsbp.collect.base import Api, all_items
from awsbp.secrets import REDACTED, scan_and_redact_text, scan_variables

SERVICE = "codebuild"
SCOPE = "regional"
ACTIONS = ["codebuild:ListProjects", "codebuild:BatchGetProjects"]
BATCH = 100  # BatchGetProjects takes at most 100 names
SOURCE_TEXT_FIELDS = ("location", "buildspec")


def _scan_field(container: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        return []
    container[key], found = scan_and_redact_text(value, where)
    return found


def scan_project(project: dict[str, Any]) -> dict[str, Any]:
    """Scan and redact one project in place (see the module docstring); returns it."""
    plaintext = {}
    for variable in (project.get("environment") or {}).get("environmentVariables", []):
        if variable.get("type", "PLAINTEXT") == "PLAINTEXT":
            plaintext[variable["name"]] = variable.get("value", "")
            variable["value"] = REDACTED
    found, references = scan_variables(plaintext, "environmentVariables.")
    found += _scan_field(project, "description", "description")
    sources = [("source", project.get("source"))]
    sources += [(f"secondarySources[{i}]", s) for i, s in enumerate(project.get("secondarySources") or [])]
    for label, source in sources:
        if isinstance(source, dict):
            for key in SOURCE_TEXT_FIELDS:
                found += _scan_field(source, key, f"{label}.{key}")
    webhook = project.get("webhook")
    if isinstance(webhook, dict) and webhook.get("secret"):
        webhook["secret"] = REDACTED
    project["AwsbpSecrets"], project["AwsbpReferences"] = found, references
    return project


def projects(client: Any) -> list[Any]:
    """Every project in full: the names from ListProjects, details 100 at a time, scanned and redacted."""
    names = all_items(client, "list_projects", "projects")
    found: list[Any] = []
    for start in range(0, len(names), BATCH):
        found += client.batch_get_projects(names=names[start : start + BATCH]).get("projects", [])
    return [scan_project(project) for project in found]


APIS = [Api("BatchGetProjects", fetch=projects)]
