"""The demo account's developer tooling: secrets left in Lambda, CodeBuild and user data, an
administrator build role, unscanned images, an unrotated secret — each with a compliant counterpart.

The "secrets" below are fabricated for the simulated account and match no real credential. They are
seeded so that tests can prove not one byte of them reaches a snapshot, notebook, report or export.
"""

from __future__ import annotations

import io
import json
import zipfile

from awsbp.demo.clients import Clients

REGION = "ap-northeast-1"
# Fabricated values (see the module docstring): an AWS-key-shaped id, a high-entropy secret, a password.
DEMO_ACCESS_KEY_ID = "AKIAZ7DEMOEXAMPLE42X"
DEMO_SECRET_ACCESS_KEY = "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"
DEMO_DB_PASSWORD = "Orders-Demo-Passw0rd-7731"
DEMO_SECRET_VALUES = (DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, DEMO_DB_PASSWORD)
USER_DATA = f"""#!/bin/bash
# bootstrap for the dev app server (the classic mistake: keys in user data)
export AWS_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID}
export AWS_SECRET_ACCESS_KEY={DEMO_SECRET_ACCESS_KEY}
yum install -y nginx
systemctl enable --now nginx
"""
CLEAN_USER_DATA = "#!/bin/bash\nyum install -y nginx\nsystemctl enable --now nginx\n"


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _policy(*actions: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    )


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def seed_devtools(clients: Clients, ids: dict[str, str]) -> None:
    """Create the developer-tooling side of the demo account (fixed order for deterministic ids)."""
    iam = clients("iam")
    roles: dict[str, str] = {}
    for name, service, policy, managed in (
        ("orders-lambda", "lambda.amazonaws.com", _policy("dynamodb:GetItem", "dynamodb:PutItem", "logs:*"), None),
        ("build-admin", "codebuild.amazonaws.com", None, "arn:aws:iam::aws:policy/AdministratorAccess"),
        ("build-scoped", "codebuild.amazonaws.com", _policy("ecr:PutImage", "ecr:UploadLayerPart", "logs:*"), None),
        ("shop-pipeline", "codepipeline.amazonaws.com", _policy("codebuild:StartBuild", "s3:GetObject"), None),
    ):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
        ids[f"global/role/{name}"] = roles[name]
        if policy:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=policy)
        if managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=managed)

    lam = clients("lambda", REGION)
    code = _zip()
    for name, variables in (
        (
            "orders-api",
            {
                "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
                "DB_PASSWORD": DEMO_DB_PASSWORD,
                "TABLE_NAME": "orders",
            },
        ),
        (
            "orders-worker",
            {
                "DB_SECRET_ARN": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:shop/prod/db",
                "TABLE_NAME": "orders",
            },
        ),
    ):
        arn = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=roles["orders-lambda"],
            Handler="index.handler",
            Code={"ZipFile": code},
            Environment={"Variables": variables},
            Tags={"Environment": "prod", "System": "shop"},
        )["FunctionArn"]
        ids[f"{REGION}/function/{name}"] = arn

    build = clients("codebuild", REGION)
    for name, role, privileged, build_variables in (
        (
            "shop-build",
            "build-admin",
            True,
            [
                {"name": "DB_PASSWORD", "value": DEMO_DB_PASSWORD, "type": "PLAINTEXT"},
                {"name": "STAGE", "value": "prod", "type": "PLAINTEXT"},
            ],
        ),
        (
            "shop-build-safe",
            "build-scoped",
            False,
            [{"name": "DB_PASSWORD", "value": "/shop/prod/db-password", "type": "PARAMETER_STORE"}],
        ),
    ):
        project = build.create_project(
            name=name,
            source={"type": "S3", "location": "shop-artifacts-demo/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            serviceRole=roles[role],
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
                "privilegedMode": privileged,
                "environmentVariables": build_variables,
            },
        )["project"]
        ids[f"{REGION}/codebuild/{name}"] = project["arn"]

    pipelines = clients("codepipeline", REGION)
    pipelines.create_pipeline(
        pipeline={
            "name": "shop-pipeline",
            "roleArn": roles["shop-pipeline"],
            "artifactStore": {"type": "S3", "location": "shop-artifacts-demo"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "source",
                            "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                            "configuration": {"S3Bucket": "shop-artifacts-demo", "S3ObjectKey": "source.zip"},
                            "outputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
                {
                    "name": "Build",
                    "actions": [
                        {
                            "name": "build",
                            "actionTypeId": {
                                "category": "Build",
                                "owner": "AWS",
                                "provider": "CodeBuild",
                                "version": "1",
                            },
                            "configuration": {"ProjectName": "shop-build-safe"},
                            "inputArtifacts": [{"name": "src"}],
                        }
                    ],
                },
            ],
        }
    )

    ecr = clients("ecr", REGION)
    for name, scan, mutability in (("shop-web", True, "IMMUTABLE"), ("shop-legacy", False, "MUTABLE")):
        repo = ecr.create_repository(
            repositoryName=name, imageTagMutability=mutability, imageScanningConfiguration={"scanOnPush": scan}
        )["repository"]
        ids[f"{REGION}/ecr/{name}"] = repo["repositoryArn"]

    secrets = clients("secretsmanager", REGION)
    for name, rotate in (("shop/prod/db", True), ("shop/legacy/api-token", False)):
        arn = secrets.create_secret(Name=name, SecretString=json.dumps({"password": DEMO_DB_PASSWORD}))["ARN"]
        ids[f"{REGION}/secret/{name}"] = arn
        if rotate:
            rotator = ids[f"{REGION}/function/orders-worker"]
            secrets.rotate_secret(
                SecretId=name,
                RotationLambdaARN=rotator,
                RotateImmediately=False,
                RotationRules={"AutomaticallyAfterDays": 30},
            )


def user_data(with_keys: bool) -> str:
    """User data for run_instances (boto3 base64-encodes it): the keys-in-bootstrap mistake, or a clean one."""
    return USER_DATA if with_keys else CLEAN_USER_DATA
