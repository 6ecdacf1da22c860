"""`awsbp run --debug` against a moto server, in a process of its own (as a user runs it): stderr carries
awsbp's debug lines (operation, status, attempts, time) and not one byte of a secret or a credential."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from secrets_corpus import KEY_ID, PASSWORD, SECRET_KEY

pytestmark = pytest.mark.slow
LIB = Path(__file__).parents[2] / "lib"
AWSBP = [sys.executable, "-m", "awsbp.cli"]  # the CLI as a user runs it; --no-reports: rendering is not logging


def _seed() -> None:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="fn",
        AssumeRolePolicyDocument='{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},'
        '"Action":"sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    boto3.client("lambda", region_name="eu-west-1").create_function(
        FunctionName="orders",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": {"AWS_SECRET_ACCESS_KEY": SECRET_KEY, "DB_PASSWORD": PASSWORD}},
    )
    boto3.client("ec2", region_name="eu-west-1").run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        UserData=f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID}\nexport AWS_SECRET_ACCESS_KEY={SECRET_KEY}\n",
    )


def test_debug_output_has_operations_and_no_secret(aws_env, tmp_path):
    _seed()
    params = tmp_path / "client.yaml"
    params.write_text(
        "client: acme\nlang: en\nregions: [eu-west-1]\naccounts:\n  - name: main\n"
        "  - name: audited\n    role_arn: arn:aws:iam::210987654321:role/audit\n    external_id: x-123\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(LIB), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [*AWSBP, "run", str(params), "--output", str(tmp_path / "out"), "--quiet", "--debug", "--no-reports"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    err = done.stderr
    assert done.returncode == 0, err[-2000:]
    for value in (SECRET_KEY, PASSWORD, KEY_ID, SECRET_KEY[:20], "ZXhwb3J0"):  # ZXhwb3J0: base64 of "export"
        assert value not in err, value
    for word in ("SecretAccessKey", "SessionToken", "aws_secret_access_key", "Response body", "Request body"):
        assert word not in err, word
    assert re.search(r"awsbp: sts\.AssumeRole status=200 attempts=1 ms=\d+", err), err[-2000:]
    assert re.search(r"awsbp: lambda\.ListFunctions status=200 attempts=1 ms=\d+", err)
    assert re.search(r"awsbp: ec2\.DescribeInstanceAttribute status=200 attempts=1 ms=\d+", err)
    # failed attempts name their status and error code, and the operation says the retries ran out
    # (moto answers Access Analyzer with HTTP 500)
    assert re.search(r"awsbp: accessanalyzer\.ListAnalyzers attempt=2 status=500 error=\S+ ms=\d+", err)
    assert re.search(
        r"awsbp: accessanalyzer\.ListAnalyzers status=500 attempts=5 ms=\d+ error=\S+ retries=exhausted", err
    )
