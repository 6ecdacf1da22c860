"""CodePipeline: each pipeline's role (GetPipeline per pipeline: no bulk API returns it)."""

from typing import Any

from awsbp.collect.base import Api, all_items

SERVICE = "codepipeline"
SCOPE = "regional"
ACTIONS = ["codepipeline:ListPipelines", "codepipeline:GetPipeline"]


def pipelines(client: Any) -> list[Any]:
    out = []
    for summary in all_items(client, "list_pipelines", "pipelines"):
        pipeline = client.get_pipeline(name=summary["name"])["pipeline"]
        out.append(
            {"name": pipeline["name"], "roleArn": pipeline.get("roleArn", ""), "version": pipeline.get("version")}
        )
    return out


APIS = [Api("GetPipeline", fetch=pipelines)]
