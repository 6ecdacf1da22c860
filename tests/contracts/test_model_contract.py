"""Every API field awsbp reads exists in botocore's service model (the shapes AWS answers with).

moto answers with what moto implements; a real account answers with what the model says. Reading a field
the model does not have (a misspelling, a field of another API, a guess) gives ``None`` on a real account,
silently. These tests derive the fields read rather than listing them: the simulated accounts of
:mod:`formats.worlds` (plus the demo's bundled snapshot) are collected by the real collectors and then read
by the inventory, every frame and every check, through dicts that record each key read
(:mod:`contracts.recorder`); each path is then walked through the operation's output shape
(:mod:`contracts.model`). The same is done for what the collectors read in the raw answers.
"""

from __future__ import annotations

import pandas as pd
import pytest
from formats import harness
from formats.samples import vpc
from formats.worlds import WORLD_NAMES, collected

from contracts.model import STORED_AS, output_shape, parse, problem, resolve, stored_as, stored_problem
from contracts.reading import apis_by_name, raw_read_problems, read_everything, stored_read_problems
from contracts.recorder import Reads, record, recording_pandas

APIS = apis_by_name()
SERVICES = sorted({service for service, _ in APIS.values()})
# IAM action prefixes of the collectors' services (the published policy names actions by these)
ACTION_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "accessanalyzer": "access-analyzer"}
EC2_TAGGED = {
    "ec2.DescribeVpcs",
    "ec2.DescribeSubnets",
    "ec2.DescribeRouteTables",
    "ec2.DescribeSecurityGroups",
    "ec2.DescribeInstances",
}


@pytest.fixture(scope="module")
def everything():
    """Every simulated account and the demo's sample snapshot, read by the inventory and every check."""
    snapshots = [collected(name).snapshot() for name in WORLD_NAMES] + [harness.demo_sample_snapshot()]
    return read_everything(snapshots)


def reads_tag_list(source: str, message: str) -> bool:
    """A read of RDS's ``TagList`` on an EC2 item (what ``tags_of`` once did on every untagged item)."""
    return source in EC2_TAGGED and ".TagList — " in message


# --- declarations --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(APIS))
def test_every_collected_api_is_an_operation_whose_answer_holds_the_stored_items(name):
    service, api = APIS[name]
    stored = stored_as(service, api)  # KeyError: an API with its own fetch must say what its items are
    shape = output_shape(service, stored.operation)  # KeyError: not an operation of the service
    assert shape is not None, f"{name}: the operation answers nothing"
    at = parse(getattr(stored, "at", ""))
    found, wrong = resolve(shape, at, root=True)
    assert wrong is None and found is not None, f"{name}: stored items are said to be at {at!r}: {wrong}"
    if at:
        assert at[-1] != "[]" or found.type_name == "structure", f"{name}: {at} is a list of {found.type_name}"


def test_every_documented_mapping_names_a_collected_api():
    assert set(STORED_AS) <= set(APIS), sorted(set(STORED_AS) - set(APIS))


@pytest.mark.parametrize("module", harness.collector_modules(), ids=lambda m: m.SERVICE)
def test_declared_actions_name_operations_of_the_service(module):
    prefix = ACTION_PREFIX.get(module.SERVICE, module.SERVICE)
    services = [s for s in [*SERVICES, "organizations"] if ACTION_PREFIX.get(s, s) == prefix]
    for action in module.ACTIONS:
        head, operation = action.split(":", 1)
        assert head == prefix, f"{module.SERVICE}: {action} is not a {prefix}: action"
        assert any(operation in _operations(s) for s in services), f"{action}: no such operation in botocore's model"


def _operations(service: str) -> set[str]:
    from contracts.model import service_model

    return set(service_model(service).operation_names)


def test_every_operation_the_collectors_call_is_a_declared_action():
    declared = {a for m in harness.collector_modules() for a in m.ACTIONS}
    called = {op for name in WORLD_NAMES for op in collected(name).calls}
    assert called, "the simulated accounts made no call"
    missing = sorted(
        op
        for op in called
        if f"{ACTION_PREFIX.get(op.split('.')[0], op.split('.')[0])}:{op.split('.', 1)[1]}" not in declared
    )
    assert not missing, f"called but not in any collector's ACTIONS (the published policy would deny them): {missing}"


# --- reads of stored items (inventory, frames, checks) ----------------------------------------------------
@pytest.mark.parametrize("name", sorted(APIS))
def test_inventory_and_checks_read_only_fields_the_model_has(everything, name):
    wrong = stored_read_problems(everything.reads).get(name, [])
    assert not wrong, "reads the model does not know:\n  " + "\n  ".join(wrong)


def test_no_read_of_an_api_no_collector_stores(everything):
    unknown = {k: v for k, v in stored_read_problems(everything.reads).items() if k not in APIS}
    assert not unknown, unknown


def test_tags_are_read_only_under_the_key_the_shape_has(everything):
    found = stored_read_problems(everything.reads).items()
    wrong = [m for name, problems in found for m in problems if reads_tag_list(name, m)]
    assert not wrong, "\n".join(wrong)


def test_the_simulated_accounts_make_every_check_say_every_verdict(everything):
    """The recorder saw every branch that reads API data: each check said each verdict its catalog has words for."""
    said = {(f.check_id, f.reason) for f in everything.findings}
    expected = {(check, reason) for check, reasons in harness.catalog_reasons().items() for reason in reasons}
    assert not expected - said, f"verdicts no simulated account produces: {sorted(expected - said)}"
    broken = [(f.check_id, f.evidence) for f in everything.findings if f.reason == harness.CHECK_ERROR]
    assert not broken, f"checks that raised on the recorded data: {broken}"


def test_recording_does_not_change_a_single_finding(everything):
    shop = collected("shop").snapshot()

    def key(findings):
        return sorted((f.check_id, f.status, f.region, f.resource_id, f.reason) for f in findings)

    assert WORLD_NAMES[0] == "shop"
    assert key(everything.per_snapshot[0]) == key(harness.findings_of(shop))


# --- reads of raw answers (collectors' own fetch and transform functions) ----------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_collectors_read_only_fields_the_model_has(service):
    reads = Reads()
    for name in WORLD_NAMES:
        reads.paths |= collected(name).reads.paths
    assert any(src.startswith(f"{service}.") for src in reads.sources()), f"no {service} answer was read"
    wrong = raw_read_problems(reads).get(service, [])
    assert not wrong, "reads the model does not know:\n  " + "\n  ".join(wrong)


# --- the contract cannot pass vacuously ----------------------------------------------------------------------
def test_a_misspelt_read_is_reported_with_its_path():
    reads = Reads()
    item = record(vpc("vpc-1", "10.0.0.0/16", tags={"Name": "x"}), reads, "ec2.DescribeVpcs")
    item.get("CidrBlok")
    assert "IsDefualt" not in item
    item["CidrBlockAssociationSet"][0].get("CidrBlok")
    for tag in item["Tags"]:
        tag.get("Vaule")
    with recording_pandas():
        pd.DataFrame([item], columns=["VpcId", "OwnerID"])
    _service, api = APIS["ec2.DescribeVpcs"]
    stored = stored_as("ec2", api)
    found = sorted(
        f"{'.'.join(path)}: {stored_problem('ec2', stored, path)}"
        for _, path in reads.paths
        if stored_problem("ec2", stored, path)
    )
    assert {line.split(":")[0] for line in found} == {
        "CidrBlok",
        "CidrBlockAssociationSet.[].CidrBlok",
        "IsDefualt",
        "OwnerID",
        "Tags.[].Vaule",
    }
    assert any(line.startswith("CidrBlok: 'CidrBlok' is not a member of Vpc (") for line in found)
    assert problem("ec2", "DescribeVpcs", ("Vpcs", "[]", "CidrBlock")) is None


def test_a_bad_read_in_library_code_fails_the_contract():
    """The same pipeline as the contract, with one extra reader that misreads like a buggy frame would."""

    def misread(inventory) -> None:
        for regions in inventory.snapshot.data["ec2"].values():
            for item in regions.get("DescribeVpcs", []):
                item.get("CidrBlocks")

    run = read_everything([collected("shop").snapshot()], extra=misread)
    problems = stored_read_problems(run.reads)["ec2.DescribeVpcs"]
    assert any(
        m.startswith("ec2.DescribeVpcs: Vpcs[].CidrBlocks — 'CidrBlocks' is not a member of Vpc") for m in problems
    )


def test_policy_documents_are_read_against_the_policy_grammar():
    at = ("RoleDetailList", "[]", "AssumeRolePolicyDocument")
    assert problem("iam", "GetAccountAuthorizationDetails", (*at, "Statement", "[]", "Principal", "AWS")) is None
    wrong = problem("iam", "GetAccountAuthorizationDetails", (*at, "Statement", "[]", "Principals"))
    assert wrong and "'Principals' is not an element of a policy statement" in wrong


def test_a_map_key_outside_the_models_enum_is_reported():
    assert problem("iam", "GetAccountSummary", ("SummaryMap", "AccountMFAEnabled")) is None
    wrong = problem("iam", "GetAccountSummary", ("SummaryMap", "AccountMfaEnabled"))
    assert wrong and "'AccountMfaEnabled' is not a key summaryMapType can have" in wrong


def test_an_api_with_its_own_fetch_must_say_what_it_stores():
    service, api = APIS["ec2.DescribeVpcs"]
    odd = type(api)("DescribeVpcs", fetch=lambda client: [])
    with pytest.raises(KeyError, match="has its own fetch"):
        stored_as(service, odd)


def test_a_bad_read_in_a_collectors_fetch_is_reported():
    """The raw-answer side: a fetch that misreads the answer it gets, as a buggy collector would."""
    from formats.samples import REGION, FakeAws, World

    reads = Reads()
    world = World().answer("ec2", REGION, "DescribeInstanceAttribute", {"InstanceId": "i-1", "UserData": {"Value": ""}})
    fake = FakeAws(world, wrap=lambda service, operation, answer: record(answer, reads, f"{service}.{operation}"))
    _, api = APIS["ec2.DescribeInstanceAttribute"]
    odd = type(api)(
        api.name,
        fetch=lambda c: [c.describe_instance_attribute(InstanceId="i-1", Attribute="userData").get("UserDatta")],
    )
    harness.collect_api(fake.client("ec2", REGION), odd)
    assert raw_read_problems(reads) == {
        "ec2": [
            f"ec2.DescribeInstanceAttribute: UserDatta — {problem('ec2', 'DescribeInstanceAttribute', ('UserDatta',))}"
        ]
    }


def test_an_operation_the_model_does_not_have_is_reported():
    with pytest.raises(KeyError, match="ec2 has no operation DescribeVpcz"):
        output_shape("ec2", "DescribeVpcz")
