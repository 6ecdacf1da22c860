"""CodeBuild and CodePipeline: secrets outside PLAINTEXT variables are detected, named, and never stored."""

from __future__ import annotations

import gzip
import json

import boto3
from awsbp.aws import AwsSession
from awsbp.collect import codebuild, codepipeline, collect_account
from awsbp.secrets import REDACTED
from botocore.stub import Stubber
from secrets_corpus import BEARER, BUILDSPEC, BUILDSPEC_SECRET_LINES, GITHUB_CLASSIC, PASSWORD, SECRET_KEY

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/build"
TOKEN_URL = f"https://deploy:{GITHUB_CLASSIC}@github.com/acme/shop.git"
VALUES = (PASSWORD, GITHUB_CLASSIC, BEARER, SECRET_KEY)


def _stored(snapshot, tmp_path) -> bytes:
    return gzip.decompress(snapshot.save(tmp_path / "s.json.gz").read_bytes())


def test_codebuild_buildspec_location_and_description(aws_env, tmp_path):
    build = boto3.client("codebuild", region_name=REGION)
    common = {
        "artifacts": {"type": "NO_ARTIFACTS"},
        "serviceRole": ROLE,
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
    }
    build.create_project(
        name="leaky",
        description=f"deploys with AWS_SECRET_ACCESS_KEY={SECRET_KEY}",
        source={"type": "GITHUB", "location": TOKEN_URL, "buildspec": BUILDSPEC},
        **common,
    )
    build.create_project(
        name="clean",
        source={"type": "GITHUB", "location": "https://github.com/acme/shop.git", "buildspec": "ci/buildspec.yml"},
        **common,
    )
    session = AwsSession.open()
    snap = collect_account(session, [REGION], session.identity(), collectors=[codebuild])
    projects = {p["name"]: p for p in snap.items("codebuild", REGION, "BatchGetProjects")}
    leaky, clean = projects["leaky"], projects["clean"]
    assert leaky["source"]["location"] == "https://<redacted>@github.com/acme/shop.git"
    assert leaky["source"]["buildspec"] == REDACTED
    assert leaky["description"] == REDACTED
    where = {s["where"] for s in leaky["AwsbpSecrets"]}
    assert where >= {"source.location", "description"} | {f"source.buildspec, line {n}" for n in BUILDSPEC_SECRET_LINES}
    assert all(s["name"] and s["type"] and s["fingerprint"] for s in leaky["AwsbpSecrets"])
    assert clean["AwsbpSecrets"] == []
    assert clean["source"]["location"] == "https://github.com/acme/shop.git"
    assert clean["source"]["buildspec"] == "ci/buildspec.yml"
    stored = _stored(snap, tmp_path)
    assert not [v for v in VALUES if v.encode() in stored]


def test_codebuild_secondary_sources_and_webhook_secret():
    client = boto3.client("codebuild", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    project = {
        "name": "multi",
        "arn": f"arn:aws:codebuild:{REGION}:123456789012:project/multi",
        "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2\n"},
        "secondarySources": [
            {"type": "GITHUB", "location": TOKEN_URL, "sourceIdentifier": "lib"},
            {
                "type": "S3",
                "location": "bucket/src.zip",
                "buildspec": f"phases:\n  build:\n    commands:\n      - mysql -u app -p{PASSWORD}\n",
                "sourceIdentifier": "db",
            },
        ],
        "webhook": {"url": "https://hooks.example/x", "secret": "webhook-shared-secret-value"},
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
    }
    with Stubber(client) as stub:
        stub.add_response("list_projects", {"projects": ["multi"]}, {})
        stub.add_response("batch_get_projects", {"projects": [project]}, {"names": ["multi"]})
        found = codebuild.projects(client)[0]
    assert found["secondarySources"][0]["location"] == "https://<redacted>@github.com/acme/shop.git"
    assert found["secondarySources"][1]["buildspec"] == REDACTED
    assert found["secondarySources"][1]["location"] == "bucket/src.zip"
    assert found["source"]["buildspec"] == "version: 0.2\n"
    assert found["webhook"]["secret"] == REDACTED
    assert {s["where"] for s in found["AwsbpSecrets"]} >= {
        "secondarySources[0].location",
        "secondarySources[1].buildspec, line 4",
    }
    assert not [v for v in (*VALUES, "webhook-shared-secret-value") if v in json.dumps(found)]


def test_codepipeline_action_configuration(aws_env, tmp_path):
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    role = boto3.client("iam").create_role(RoleName="pipeline", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    pipelines = boto3.client("codepipeline", region_name=REGION)
    pipelines.create_pipeline(
        pipeline={
            "name": "shop",
            "roleArn": role,
            "artifactStore": {"type": "S3", "location": "artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "github",
                            "actionTypeId": {
                                "category": "Source",
                                "owner": "ThirdParty",
                                "provider": "GitHub",
                                "version": "1",
                            },
                            "configuration": {
                                "Owner": "acme",
                                "Repo": "shop",
                                "Branch": "main",
                                "OAuthToken": GITHUB_CLASSIC,
                            },
                            "outputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
                {
                    "name": "Deploy",
                    "actions": [
                        {
                            "name": "notify",
                            "actionTypeId": {
                                "category": "Invoke",
                                "owner": "AWS",
                                "provider": "Lambda",
                                "version": "1",
                            },
                            "configuration": {
                                "FunctionName": "notify",
                                "UserParameters": f"curl -H 'Authorization: Bearer {BEARER}'",
                            },
                            "inputArtifacts": [{"name": "src"}],
                        },
                        {
                            "name": "safe",
                            "actionTypeId": {
                                "category": "Invoke",
                                "owner": "AWS",
                                "provider": "Lambda",
                                "version": "1",
                            },
                            "configuration": {"FunctionName": "deploy", "OAuthToken": "****"},
                            "inputArtifacts": [{"name": "src"}],
                        },
                    ],
                },
            ],
        }
    )
    session = AwsSession.open()
    snap = collect_account(session, [REGION], session.identity(), collectors=[codepipeline])
    (item,) = snap.items("codepipeline", REGION, "GetPipeline")
    assert item["name"] == "shop" and item["roleArn"] == role
    assert {s["where"] for s in item["AwsbpSecrets"]} == {
        "stages[0].actions[0].configuration.OAuthToken",
        "stages[1].actions[0].configuration.UserParameters",
    }
    stored = _stored(snap, tmp_path)
    assert not [v for v in VALUES if v.encode() in stored]
