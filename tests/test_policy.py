"""The published read-only policy: generated from the collectors, reads only, no data-plane reads."""

from __future__ import annotations

import json
from pathlib import Path

from awsbp.aws import DENIED_READS, is_allowed_operation
from awsbp.cli import main
from awsbp.collect import readonly_policy
from awsbp.policy import access_level

POLICY = Path(__file__).parents[1] / "policy" / "awsbp-readonly.json"
PREFIX_TO_SERVICE = {"elasticloadbalancing": "elbv2", "access-analyzer": "accessanalyzer"}


def test_published_policy_is_the_generated_one(capsys):
    assert json.loads(POLICY.read_text()) == readonly_policy(), "regenerate: awsbp policy > policy/awsbp-readonly.json"
    assert main(["policy"]) == 0
    assert json.loads(capsys.readouterr().out) == readonly_policy()


def test_policy_holds_reads_only():
    actions = readonly_policy()["Statement"][0]["Action"]
    denied = {d.split(".")[1] for d in DENIED_READS}
    for action in actions:
        prefix, name = action.split(":")
        assert "*" not in action
        assert is_allowed_operation(PREFIX_TO_SERVICE.get(prefix, prefix), name), action
        assert name not in denied, action
        assert access_level(action) in ("List", "Read", ""), (action, access_level(action))
