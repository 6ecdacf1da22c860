"""One large answer: GetAccountAuthorizationDetails of an enterprise account (2,000 users, 800 roles, their
groups and 300 policies of three versions: about 5 MB as IAM sends it, 2 MB stored). It must be collected and
inventoried without excessive memory: the peak traced by tracemalloc, for the collection and for saving, loading
and inventorying, stays below ten times the stored JSON. Not a timed test.

Measured by hand at twice the size (5,000 users, 2,000 roles; 4.7 MB stored): collection peak 13 MB, save, load
and inventory 26 MB — the same multiples, so memory grows linearly. That size costs ~9 s of CPU under tracemalloc,
so the test runs at 40 % of it."""

from __future__ import annotations

import json
import tracemalloc

from botocore.stub import Stubber

from formats import harness, samples
from formats.samples import NOW, enterprise_authorization_details

USERS, ROLES = 2000, 800
BOUND = 10  # peak memory, in multiples of the stored item's JSON
DETAILS = next(a for s, _, a in harness.collected_apis() if s == "iam" and a.name == "GetAccountAuthorizationDetails")


def collect(answer: dict) -> harness.Snapshot:
    """The answer through the collector, stored in a snapshot (as collect_account does)."""
    client = samples.client("iam", "us-east-1")
    with Stubber(client) as stub:
        stub.add_response("get_account_authorization_details", {**answer, "IsTruncated": False}, None)
        result = harness.collect_api(client, DETAILS)
    assert result.error is None, result.error
    snapshot = harness.Snapshot(
        meta={
            "account_id": samples.ACCOUNT,
            "partition": "aws",
            "regions": [samples.REGION],
            "collected_at": NOW.isoformat(),
        }
    )
    snapshot.put("iam", harness.GLOBAL, "GetAccountAuthorizationDetails", result.items)
    return snapshot


def stored_size(snapshot: harness.Snapshot) -> int:
    return len(json.dumps(snapshot.items("iam", harness.GLOBAL, "GetAccountAuthorizationDetails")[0], default=str))


def traced(step):
    """``(result, peak bytes)`` of ``step()``, counting only what it allocates."""
    tracemalloc.start()
    try:
        result = step()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_enterprise_account_is_collected_and_inventoried_in_bounded_memory():
    answers = [enterprise_authorization_details(USERS, ROLES)]
    snapshot, collecting = traced(lambda: collect(answers.pop()))  # botocore decodes every document, awsbp merges
    size = stored_size(snapshot)

    def inventory():
        loaded = harness.saved_and_loaded(snapshot)  # written and read back, as a run's report step sees it
        found = harness.inventory_of(loaded)
        return found.iam.iam_users, found.iam.iam_groups, found.iam.iam_roles, found.iam.managed_policies

    (users, groups, roles, policies), inventorying = traced(inventory)
    assert (len(users), len(groups), len(roles), len(policies)) == (USERS, 100, ROLES, 301)
    assert size > 1_500_000, "megabytes, as an enterprise account's answer"
    for step, peak in (("collection", collecting), ("save, load and inventory", inventorying)):
        assert peak < BOUND * size, f"{step}: peak {peak / 1e6:.0f} MB for {size / 1e6:.1f} MB of JSON"


def test_effective_permissions_of_every_principal_in_bounded_memory():
    services = ["ec2", "iam", "s3", "rds", "lambda", "dynamodb", "cloudformation", "logs", "kms", "sqs"]
    answer = enterprise_authorization_details(60, 20, groups=10, policies=30, read_only=services)
    snapshot = harness.saved_and_loaded(collect(answer))
    inventory = harness.inventory_of(snapshot)
    documents = [p["document"] for p in inventory.iam.managed_policies.values()]
    harness.policy.allowed_actions(documents)  # the action database and wildcard caches, loaded before measuring
    inventory.iam.iam_users, inventory.iam.iam_groups  # noqa: B018 - built before measuring
    permissions, peak = traced(lambda: inventory.iam.principal_permissions)
    assert len(permissions) == 70
    size = stored_size(snapshot)
    assert peak < BOUND * size, f"peak {peak / 1e6:.0f} MB for {size / 1e6:.1f} MB of JSON"
