"""Lambda: variables that could not be decrypted are kept as an unreadable reason, never as a clean function."""

from __future__ import annotations

import json

import boto3
from awsbp.collect import lambda_
from awsbp.collect.base import call_api
from awsbp.secrets import REDACTED
from botocore.stub import Stubber
from secrets_corpus import PASSWORD, SECRET_KEY

REGION = "eu-west-1"


def _function(name: str, environment: dict | None = None, description: str = "") -> dict:
    item = {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:{REGION}:123456789012:function:{name}"}
    if environment is not None:
        item["Environment"] = environment
    if description:
        item["Description"] = description
    return item


def _list(functions: list[dict]) -> list[dict]:
    client = boto3.client("lambda", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("list_functions", {"Functions": functions}, {"MaxItems": 50})
        result = call_api(client, lambda_.APIS[0])
    assert result.error is None
    return result.items


def test_environment_error_is_kept_as_unreadable_without_values():
    error = {
        "ErrorCode": "KMSAccessDeniedException",
        "Message": "Lambda was unable to decrypt the environment variables because KMS access was denied.",
    }
    broken, fine = _list(
        [_function("broken", {"Error": error}), _function("fine", {"Variables": {"DB_PASSWORD": PASSWORD}})]
    )
    assert broken["AwsbpUnreadable"] == (
        "environment variables not readable: KMSAccessDeniedException: "
        "Lambda was unable to decrypt the environment variables because KMS access was denied."
    )
    assert broken["AwsbpSecrets"] == [] and broken["AwsbpReferences"] == []
    assert "AwsbpUnreadable" not in fine
    assert fine["Environment"]["Variables"] == {"DB_PASSWORD": REDACTED}
    assert PASSWORD not in json.dumps(fine)


def test_description_is_scanned_like_any_free_text():
    (item,) = _list([_function("described", {}, description=f"uses AWS_SECRET_ACCESS_KEY={SECRET_KEY}")])
    assert item["Description"] == REDACTED
    assert [s["where"] for s in item["AwsbpSecrets"]][:1] == ["Description"]
    assert SECRET_KEY not in json.dumps(item)
