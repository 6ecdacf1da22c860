"""The critical path of a collection, computed from the calls counted at the server (bench/critical.py)."""

from __future__ import annotations

import pytest
from awsbp.collect.budgets import Budget

from bench.critical import critical_path, poll_waits

WIDE = Budget(concurrency=10, rate=1000, burst=1000)  # a budget that never binds


def test_critical_path_follows_pages_fan_outs_and_the_credential_report():
    counts = {
        "sts.GetCallerIdentity": {"us-east-1": 1},
        "ec2.DescribeSecurityGroups": {"eu-west-1": 3},  # three pages, one after another
        "ec2.DescribeInstances": {"eu-west-1": 2},
        "ec2.DescribeInstanceAttribute": {"eu-west-1": 25},  # 3 rounds of 10 after the 2 pages
        "iam.GenerateCredentialReport": {"us-east-1": 3},  # STARTED, STARTED, COMPLETE: waits 0.5 + 1
        "iam.GetCredentialReport": {"us-east-1": 1},
    }
    path = critical_path(counts, 0.1, lambda service: WIDE)
    assert path.prefix == pytest.approx(0.1)
    assert path.chains["ec2.DescribeSecurityGroups (eu-west-1)"] == pytest.approx(0.3)
    assert path.chains["ec2.DescribeInstances → ec2.DescribeInstanceAttribute (eu-west-1)"] == pytest.approx(0.5)
    report = next(k for k in path.chains if k.startswith("iam.GenerateCredentialReport"))
    assert path.chains[report] == pytest.approx(0.4 + 1.5)
    assert path.longest == report and path.seconds == pytest.approx(0.1 + 1.9)
    assert poll_waits(1) == 0 and poll_waits(6) == pytest.approx(0.5 + 1 + 2 + 4 + 5)


def test_critical_path_of_a_busy_region_is_its_budget():
    counts = {f"ec2.Describe{n}": {"eu-west-1": 1} for n in range(251)}  # one call each, none after another
    path = critical_path(counts, 0.1, lambda service: Budget(concurrency=10, rate=20, burst=100))
    assert path.longest == "ec2 budget in eu-west-1: 251 calls"
    assert path.seconds == pytest.approx(0.1 + (251 - 100) / 20)


def test_per_resource_calls_past_the_burst_go_at_the_budget_s_rate_after_their_listing():
    counts = {"ec2.DescribeInstances": {"eu-west-1": 1}, "ec2.DescribeInstanceAttribute": {"eu-west-1": 250}}
    path = critical_path(counts, 0.1, lambda service: Budget(concurrency=10, rate=20, burst=100))
    assert path.longest == "ec2.DescribeInstances → ec2.DescribeInstanceAttribute (eu-west-1)"
    assert path.seconds == pytest.approx(0.1 + 0.1 + (250 - 100) / 20)  # the listing, then the bucket's pace
    assert path.chains["ec2 budget in eu-west-1: 251 calls"] < path.seconds


def test_critical_path_with_moto_s_cpu_adds_it_to_each_call_and_bounds_the_whole_run():
    counts = {"iam.GetAccountAuthorizationDetails": {"us-east-1": 1}, "ec2.DescribeVpcs": {"eu-west-1": 2}}
    cpu = {"iam.GetAccountAuthorizationDetails": {"us-east-1": 1.5}, "ec2.DescribeVpcs": {"eu-west-1": 0.2}}
    nominal = critical_path(counts, 0.1, lambda service: WIDE)
    loaded = critical_path(counts, 0.1, lambda service: WIDE, server_cpu=cpu)
    assert nominal.seconds == pytest.approx(0.2) and nominal.longest == "ec2.DescribeVpcs (eu-west-1)"
    assert loaded.chains["iam.GetAccountAuthorizationDetails (us-east-1)"] == pytest.approx(1.6)
    assert loaded.chains["ec2.DescribeVpcs (eu-west-1)"] == pytest.approx(0.4)
    assert loaded.seconds == pytest.approx(1.7) and loaded.longest.startswith("moto's CPU")  # 1.5 + 0.2 in all
