"""Pages as AWS hands them out (moto ignores most page sizes and answers one page): at most the page size asked,
next-page tokens under each API's own names, empty pages that still carry a token, IAM's ``IsTruncated``.
Every listing goes through its collector (``call_api``); nothing may be lost and nothing may loop."""

from __future__ import annotations

import pytest
from botocore.stub import ANY, Stubber
from contracts.model import output_shape

from formats import harness, samples
from formats.samples import (
    ACCOUNT,
    REGION,
    FakeAws,
    World,
    aws_managed,
    customer_managed,
    document,
    numbered,
    paginated,
    paginator_config,
    policy_detail,
    role_detail,
    statement,
    trust_document,
    user_detail,
)

ITEMS = 1001  # a full page of the largest size any listing takes, then more
LISTINGS = [(service, api) for service, _, api in harness.collected_apis() if api.fetch is None]


def input_member(service: str, operation: str, name: str):
    from contracts.model import service_model

    return service_model(service).operation_model(operation).input_shape.members[name]


def client(service: str):
    return samples.client(service)


def api(service: str, name: str):
    return next(a for s, _, a in harness.collected_apis() if s == service and a.name == name)


@pytest.mark.parametrize(("service", "listing"), LISTINGS, ids=[f"{s}.{a.name}" for s, a in LISTINGS])
def test_every_item_of_every_page_once_in_order(service, listing):
    member = output_shape(service, listing.name).members[listing.result_key].member
    field, _ = numbered(member, 0)
    items = [numbered(member, i)[1] for i in range(ITEMS)]
    sent: list[dict] = []
    world = World().answer(service, REGION, listing.name, paginated(service, listing.name, items, log=sent))
    result = harness.collect_api(FakeAws(world).client(service, REGION), listing)
    assert result.error is None, result.error
    assert [item[field] for item in result.items] == [item[field] for item in items]
    config = paginator_config(service, listing.name)
    limits = {request.get(config.get("limit_key")) for request in sent}
    assert len(limits) == 1, f"the page size changed between pages: {limits}"
    tokens = [request.get(config["input_token"]) for request in sent]
    assert tokens[0] is None and all(tokens[1:]), "every request after the first carries the previous page's token"
    size = limits.pop() or 100
    if config.get("limit_key") and size != 100:
        meta = input_member(service, listing.name, config["limit_key"]).metadata
        assert meta.get("min", 1) <= size <= meta.get("max", size), f"page size {size} outside the model's {meta}"
    assert len(sent) == -(-ITEMS // size) + 1  # every page, plus the empty one


def test_ec2_empty_pages_that_carry_a_token():
    """EC2 may answer a page with no item and a NextToken (while it gathers results): keep going."""
    groups = [
        {"GroupId": f"sg-{i:017x}", "GroupName": f"g{i}", "OwnerId": ACCOUNT, "VpcId": "vpc-1"} for i in range(1345)
    ]
    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        stub.add_response("describe_security_groups", {"SecurityGroups": [], "NextToken": "t1"}, {"MaxResults": ANY})
        stub.add_response(
            "describe_security_groups",
            {"SecurityGroups": groups[:1000], "NextToken": "t2"},
            {"MaxResults": ANY, "NextToken": "t1"},
        )
        stub.add_response(
            "describe_security_groups",
            {"SecurityGroups": [], "NextToken": "t3"},
            {"MaxResults": ANY, "NextToken": "t2"},
        )
        stub.add_response(
            "describe_security_groups", {"SecurityGroups": groups[1000:]}, {"MaxResults": ANY, "NextToken": "t3"}
        )
        result = harness.collect_api(ec2, api("ec2", "DescribeSecurityGroups"))
        stub.assert_no_pending_responses()
    assert [g["GroupId"] for g in result.items] == [g["GroupId"] for g in groups]


def test_instances_listed_over_pages_of_reservations():
    def reservation(i: int) -> dict:
        return {"ReservationId": f"r-{i:017x}", "OwnerId": ACCOUNT, "Instances": [{"InstanceId": f"i-{i:017x}"}]}

    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        stub.add_response("describe_instances", {"Reservations": [], "NextToken": "t1"}, {"MaxResults": ANY})
        stub.add_response(
            "describe_instances",
            {"Reservations": [reservation(i) for i in range(1000)], "NextToken": "t2"},
            {"MaxResults": ANY, "NextToken": "t1"},
        )
        stub.add_response(
            "describe_instances",
            {"Reservations": [reservation(i) for i in range(1000, 1003)]},
            {"MaxResults": ANY, "NextToken": "t2"},
        )
        result = harness.collect_api(ec2, api("ec2", "DescribeInstances"))
        stub.assert_no_pending_responses()
    assert len(result.items) == 1003 and result.items[-1]["InstanceId"] == f"i-{1002:017x}"


def test_authorization_details_merged_across_pages_iam_cuts_short():
    """IAM may return fewer entries than MaxItems, even none of a kind, with IsTruncated and a Marker."""
    trust = trust_document({"Service": "lambda.amazonaws.com"})
    users = [user_detail(f"user-{i:04d}") for i in range(1000)]
    roles = [role_detail(f"role-{i:04d}", trust) for i in range(400)]
    unused = policy_detail(aws_managed("ReadOnlyAccess"), [(document(statement("Allow", "s3:Get*")), True)], attached=0)
    used = policy_detail(aws_managed("SecurityAudit"), [(document(statement("Allow", "iam:Get*")), True)], attached=2)
    mine = policy_detail(customer_managed("mine"), [(document(statement("Allow", "s3:*")), True)], attached=0)
    empty = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    iam = client("iam")
    with Stubber(iam) as stub:
        stub.add_response(
            "get_account_authorization_details",
            {**empty, "UserDetailList": users, "IsTruncated": True, "Marker": "m1"},
            {"MaxItems": ANY},
        )
        stub.add_response(
            "get_account_authorization_details",
            {**empty, "RoleDetailList": roles, "IsTruncated": True, "Marker": "m2"},
            {"MaxItems": ANY, "Marker": "m1"},
        )
        stub.add_response(
            "get_account_authorization_details",
            {**empty, "Policies": [unused, used, mine], "IsTruncated": False},
            {"MaxItems": ANY, "Marker": "m2"},
        )
        result = harness.collect_api(iam, api("iam", "GetAccountAuthorizationDetails"))
        stub.assert_no_pending_responses()
    (details,) = result.items
    assert len(details["UserDetailList"]) == 1000 and len(details["RoleDetailList"]) == 400
    assert [p["PolicyName"] for p in details["Policies"]] == ["SecurityAudit", "mine"]  # unused AWS managed dropped
    assert details["RoleDetailList"][0]["AssumeRolePolicyDocument"] == trust  # decoded from its URL-encoded form


def test_lambda_pages_of_fifty_with_next_marker():
    functions = [
        {"FunctionName": f"fn-{i:03d}", "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-{i:03d}"}
        for i in range(120)
    ]
    fn = client("lambda")
    with Stubber(fn) as stub:
        stub.add_response("list_functions", {"Functions": functions[:50], "NextMarker": "n1"}, {"MaxItems": 50})
        stub.add_response(
            "list_functions", {"Functions": functions[50:100], "NextMarker": "n2"}, {"MaxItems": 50, "Marker": "n1"}
        )
        stub.add_response("list_functions", {"Functions": functions[100:]}, {"MaxItems": 50, "Marker": "n2"})
        result = harness.collect_api(fn, api("lambda", "ListFunctions"))
        stub.assert_no_pending_responses()
    assert [f["FunctionName"] for f in result.items] == [f["FunctionName"] for f in functions]


def test_build_projects_fetched_a_hundred_names_at_a_time():
    names = [f"project-{i:03d}" for i in range(250)]
    batches: list[dict] = []

    def batch(params: dict) -> dict:
        batches.append(params)
        return {
            "projects": [
                {"name": n, "arn": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{n}"} for n in params["names"]
            ]
        }

    world = World().answer("codebuild", REGION, "ListProjects", paginated("codebuild", "ListProjects", names))
    world.answer("codebuild", REGION, "BatchGetProjects", batch)
    result = harness.collect_api(FakeAws(world).client("codebuild", REGION), api("codebuild", "BatchGetProjects"))
    assert [p["name"] for p in result.items] == names
    assert max(len(b["names"]) for b in batches) <= 100  # BatchGetProjects takes at most 100 names


def test_a_token_answered_twice_is_a_gap_not_a_loop():
    ec2 = client("ec2")
    with Stubber(ec2) as stub:
        for _ in range(2):
            stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1"}], "NextToken": "same"}, None)
        result = harness.collect_api(ec2, api("ec2", "DescribeVpcs"))
    # botocore's PaginationError, or the collector's own guard (PaginationLoop), whichever sees the token first
    assert result.items is None and result.error["code"] in ("PaginationError", "PaginationLoop")


def test_service_credentials_stop_when_iam_repeats_its_marker():
    iam, calls = client("iam"), []
    iam.meta.events.register("before-parameter-build.iam.ListServiceSpecificCredentials", lambda **_: calls.append(1))
    with Stubber(iam) as stub:
        for _ in range(10):
            stub.add_response(
                "list_service_specific_credentials",
                {"ServiceSpecificCredentials": [], "IsTruncated": True, "Marker": "m1"},
                None,
            )
        result = harness.collect_api(iam, api("iam", "ListServiceSpecificCredentials"))
    assert len(calls) <= 3, f"asked {len(calls)} times for the same marker"
    assert result.items is None


def test_a_secret_listing_that_ends_on_an_empty_page():
    secrets = [
        {"Name": f"s{i}", "ARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:s{i}-AbCdEf"} for i in range(101)
    ]
    sm = client("secretsmanager")
    with Stubber(sm) as stub:
        stub.add_response("list_secrets", {"SecretList": secrets[:100], "NextToken": "n1"}, {"MaxResults": ANY})
        stub.add_response(
            "list_secrets", {"SecretList": secrets[100:], "NextToken": "n2"}, {"MaxResults": ANY, "NextToken": "n1"}
        )
        stub.add_response("list_secrets", {"SecretList": []}, {"MaxResults": ANY, "NextToken": "n2"})
        result = harness.collect_api(sm, api("secretsmanager", "ListSecrets"))
        stub.assert_no_pending_responses()
    assert len(result.items) == 101
