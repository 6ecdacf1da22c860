"""A crafted or corrupted snapshot is one clear SnapshotError naming the file, never a traceback and never a
path outside the output directory."""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from awsbp.cli import main
from awsbp.snapshot import Snapshot, SnapshotError

GOOD = {
    "schema": 1,
    "meta": {
        "account_id": "123456789012",
        "partition": "aws",
        "regions": ["eu-west-1"],
        "collected_at": "2026-11-30T00:00:00+00:00",
        "calls": {"ec2.DescribeVpcs": 1},
        "account_name": "prod",
    },
    "data": {
        "ec2": {"eu-west-1": {"DescribeVpcs": [{"VpcId": "vpc-1"}]}},
        "iam": {"global": {"GetAccountSummary": [{}]}},
    },
    "errors": [
        {"service": "ec2", "region": "eu-west-1", "api": "DescribeFlowLogs", "code": "AccessDenied", "message": "no"}
    ],
}


def write(tmp_path, raw, name="snapshot.json.gz"):
    path = tmp_path / name
    data = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def changed(path: str, value):
    raw = copy.deepcopy(GOOD)
    *parents, last = path.split("/")
    node = raw
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return raw


def test_a_good_snapshot_loads(tmp_path):
    snap = Snapshot.load(write(tmp_path, GOOD))
    assert snap.account_id == "123456789012" and snap.items("ec2", "eu-west-1", "DescribeVpcs") == [{"VpcId": "vpc-1"}]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (changed("meta/account_id", "../../../tmp/escape"), "meta.account_id: expected 12 digits"),
        (changed("meta/account_id", "12345"), "meta.account_id: expected 12 digits"),
        (changed("meta/account_id", 123456789012), "meta.account_id: expected 12 digits"),
        (changed("meta/account_id", KeyError), "meta.account_id: expected 12 digits"),
        (changed("meta/regions", "eu-west-1"), "meta.regions: expected a list of region names"),
        (changed("meta/regions", ["../x"]), "meta.regions: expected a list of region names"),
        (changed("meta/account_name", {"x": 1}), "meta.account_name: expected a string"),
        (changed("meta/calls", {"ec2.DescribeVpcs": "many"}), "meta.calls"),
        (changed("meta", []), "meta: expected an object"),
        (changed("schema", 99), "snapshot schema 99 is not supported"),
        (changed("data", []), "data: expected an object of services"),
        (changed("data/ec2", "x"), "data.ec2: expected a service name"),
        (changed("data", {"../../x": {}}), "data.../../x: expected a service name"),
        (changed("data/ec2/eu-west-1", {"DescribeVpcs": {}}), "data.ec2.eu-west-1.DescribeVpcs: expected an API name"),
        (changed("data/ec2/eu-west-1", {"DescribeVpcs": ["vpc-1"]}), "expected a list of objects"),
        (changed("data/ec2", {"/etc": {}}), "data.ec2./etc: expected a region"),
        (changed("errors", {"x": 1}), "errors: expected a list"),
        (changed("errors", [{"service": "ec2"}]), "errors[0]: expected service, region, api, code, message"),
        ([1, 2], "not a snapshot"),
    ],
)
def test_wrong_shapes_are_one_line_naming_the_file(tmp_path, raw, message):
    path = write(tmp_path, raw)
    with pytest.raises(SnapshotError) as err:
        Snapshot.load(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (gzip.compress(json.dumps(GOOD).encode())[:-20], "snapshot.json.gz", "not a readable gzip file (truncated"),
        (b"PK\x03\x04 not gzip", "snapshot.json.gz", "not a readable gzip file"),
        (b'{"schema": 1, "meta": ', "snapshot.json", "not valid JSON"),
        (b'{"schema": "\xc3\x28"}', "snapshot.json", "not UTF-8 JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "snapshot.json", "nested too deeply"),
    ],
    ids=["truncated-gzip", "not-gzip", "bad-json", "not-utf8", "deep-json"],
)
def test_unreadable_files_are_one_line(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SnapshotError) as err:
        Snapshot.load(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value) and "\n" not in str(err.value)


def test_from_snapshots_refuses_a_crafted_account_id_without_writing_outside(tmp_path, capsys):
    runs = tmp_path / "previous" / "123456789012"
    runs.mkdir(parents=True)
    write(runs, changed("meta/account_id", "../../../escaped"))
    params = tmp_path / "p.yaml"
    params.write_text("client: acme\nlang: en\nregions: [eu-west-1]\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(params), "--output", str(out), "--quiet", "--from-snapshots", str(tmp_path / "previous")])
    err = capsys.readouterr().err
    assert code == 2
    assert "meta.account_id: expected 12 digits" in err and "Traceback" not in err
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.glob("**/escaped"))
