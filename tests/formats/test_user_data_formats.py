"""EC2 user data as DescribeInstanceAttribute returns it: base64 of what was given at launch, which cloud-init
accepts gzip-compressed too (CHECKS.md BP-DEV-03: decode as cloud-init does; what cannot be decoded is
NOT_ASSESSED for that instance, never PASS). Values are scanned at collection and never stored."""

from __future__ import annotations

import json

from formats.samples import FAKE_SECRET, REGION
from formats.verdicts import verdicts
from formats.worlds import collected


def test_plain_user_data_verdicts(shop_findings):
    found = verdicts(shop_findings, "BP-DEV-03")
    assert found[("i-0web1", "clean_user_data")] == "PASS"
    assert found[("i-0web2", "secret_in_user_data")] == "FAIL"
    assert found[("i-0batch", "aws_key_in_user_data")] == "FAIL"
    assert verdicts(shop_findings, "BP-IAM-04")[("i-0batch", "access_key_in_code")] == "FAIL"


def test_no_secret_value_is_stored_and_terminated_instances_are_not_asked():
    snapshot = collected("shop").snapshot()
    assert FAKE_SECRET not in json.dumps(snapshot.to_dict(), default=str)
    items = snapshot.items("ec2", REGION, "DescribeInstanceAttribute")
    # what the collector keeps (collect/ec2.py): sizes, detections, and why a part could not be read — no content
    assert {key for item in items for key in item} == {
        "InstanceId",
        "Size",
        "AwsbpDecodedSize",
        "AwsbpSecrets",
        "AwsbpUnreadable",
    }
    assert "i-0old" not in {item["InstanceId"] for item in items}
    every_region = [
        i for region in snapshot.regions for i in snapshot.items("ec2", region, "DescribeInstanceAttribute")
    ]
    assert collected("shop").calls["ec2.DescribeInstanceAttribute"] == len(every_region)  # one call per instance


def test_gzip_compressed_user_data_is_scanned(shop_findings):
    assert {s for (iid, _), s in verdicts(shop_findings, "BP-DEV-03").items() if iid == "i-0web3"} == {"FAIL"}


def test_user_data_that_cannot_be_decoded_is_not_assessed(shop_findings):
    found = {s for (iid, _), s in verdicts(shop_findings, "BP-DEV-03").items() if iid == "i-0bastion1"}
    assert found == {"NOT_ASSESSED"}
