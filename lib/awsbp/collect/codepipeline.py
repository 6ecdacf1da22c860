"""CodePipeline: each pipeline's role (GetPipeline per pipeline: no bulk API returns it), and secrets in its
action settings.

The pipeline's structure is not kept, only its name, role and version. Before it is dropped, every
action's ``configuration`` (``OAuthToken``, repository URLs, …) and every pipeline variable's default value
are scanned in memory (:func:`awsbp.secrets.scan_variables`); AWS masks the settings it knows to be secret
(``****``), which is no detection.

Fields of each item: ``name``, ``roleArn``, ``version``, and ``AwsbpSecrets``: one ``{"name", "where",
"type", "fingerprint"}`` per detection, ``where`` naming the setting
(``stages[0].actions[1].configuration.OAuthToken``, ``variables.DEPLOY_TOKEN``).
"""

from typing import Any

from awsbp.collect.base import Api, all_items
from awsbp.secrets import scan_variables

SERVICE = "codepipeline"
SCOPE = "regional"
ACTIONS = ["codepipeline:ListPipelines", "codepipeline:GetPipeline"]


def pipeline_secrets(pipeline: dict[str, Any]) -> list[dict[str, str]]:
    """Detections in a pipeline's action configurations and variable defaults (values never returned)."""
    found: list[dict[str, str]] = []
    for i, stage in enumerate(pipeline.get("stages") or []):
        for j, action in enumerate(stage.get("actions") or []):
            configuration = action.get("configuration") or {}
            if isinstance(configuration, dict):
                found += scan_variables(configuration, f"stages[{i}].actions[{j}].configuration.")[0]
    defaults = {v["name"]: v.get("defaultValue", "") for v in pipeline.get("variables") or [] if "name" in v}
    found += scan_variables(defaults, "variables.")[0]
    return found


def pipelines(client: Any) -> list[Any]:
    """Name, role, version and secret detections of every pipeline."""
    out = []
    for summary in all_items(client, "list_pipelines", "pipelines"):
        pipeline = client.get_pipeline(name=summary["name"])["pipeline"]
        out.append(
            {
                "name": pipeline["name"],
                "roleArn": pipeline.get("roleArn", ""),
                "version": pipeline.get("version"),
                "AwsbpSecrets": pipeline_secrets(pipeline),
            }
        )
    return out


APIS = [Api("GetPipeline", fetch=pipelines)]
