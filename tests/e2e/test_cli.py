"""End to end through the CLI against a moto server: a real run, partial failures, bad input."""

from __future__ import annotations

import json

import pytest
from awsbp.cli import main

pytestmark = pytest.mark.slow


def params_file(tmp_path, body: str):
    path = tmp_path / "client.yaml"
    path.write_text(f"client: acme\nlang: en\nregions: [eu-west-1]\n{body}", encoding="utf-8")
    return path


def seed_minimal():
    import boto3

    ec2 = boto3.client("ec2", region_name="eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    return group


def test_run_writes_reports_exports_and_run_log(aws_env, tmp_path, capsys):
    group = seed_minimal()
    code = main(["run", str(params_file(tmp_path, "")), "--output", str(tmp_path / "out"), "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err
    index = tmp_path / "out" / "acme"
    run_dir = next(index.iterdir())
    assert out.out.strip().splitlines()[-1] == str((run_dir / "index.html").resolve())
    account = run_dir / "123456789012"
    assert {p.name for p in account.iterdir()} >= {
        "snapshot.json.gz",
        "assessment.json",
        "findings.json",
        "findings.csv",
        "10_vpc.ipynb",
        "10_vpc.html",
    }
    findings = json.loads((account / "findings.json").read_text())
    ssh = [f for f in findings if f["check_id"] == "BP-VPC-02" and f["status"] == "FAIL"]
    assert [(f["evidence"]["group_id"], f["severity"], f["evidence"]["ports"]) for f in ssh] == [
        (group, "low", "22/tcp")
    ]  # attached to nothing yet: latent
    log = json.loads((run_dir / "run.json").read_text())
    assert log["accounts"][0]["calls"]["ec2.DescribeVpcs"] == 1
    html = (account / "10_vpc.html").read_text()
    assert "BP-VPC-02" in html and group in html
    assert "10_vpc.html" in (run_dir / "index.html").read_text()
    shared = [p for p in run_dir.rglob("*") if p.stat().st_mode & 0o077]
    assert not shared and run_dir.stat().st_mode & 0o077 == 0, shared  # client data: readable by the user only
    executed = [*run_dir.glob("*.ipynb"), *account.glob("*.ipynb")]
    assert len(executed) == 4 and {p.stat().st_mode & 0o777 for p in executed} == {
        0o400
    }  # the summary and each domain, sealed


def test_one_bad_account_does_not_stop_the_others(aws_env, tmp_path, capsys):
    body = "accounts:\n  - name: good\n  - name: broken\n    profile: no-such-profile\n"
    out = ["--output", str(tmp_path / "out"), "--quiet", "--no-reports"]  # reports: rendered later if wanted
    code = main(["run", str(params_file(tmp_path, body)), *out])
    err = capsys.readouterr().err
    assert code == 3
    assert "broken: AWS profile 'no-such-profile' does not exist" in err
    run_dir = next((tmp_path / "out" / "acme").iterdir())
    log = json.loads((run_dir / "run.json").read_text())
    assert [(a["name"], a["status"]) for a in log["accounts"]] == [("good", "ok"), ("broken", "failed")]
    assert (run_dir / "123456789012" / "findings.csv").is_file()
    assert not [*run_dir.rglob("*.ipynb"), *run_dir.glob("*/*.html")]  # --no-reports: exports and the index only
    assert "no-such-profile" in (run_dir / "index.html").read_text()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("accounts:\n  - profile: nope\n", "AWS profile 'nope' does not exist"),
        ("regions2: []\n", "regions2: unknown key"),
        ("max_workers: lots\n", "max_workers"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(aws_env, tmp_path, capsys, body, message):
    code = main(["run", str(params_file(tmp_path, body)), "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) <= 2 and "Traceback" not in err


def test_region_that_does_not_exist(aws_env, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("client: acme\nregions: [eu-middle-9]\n")
    assert main(["run", str(path), "--output", str(tmp_path / "out"), "--quiet"]) == 2
    assert "region 'eu-middle-9' does not exist" in capsys.readouterr().err


def test_role_that_cannot_be_assumed(aws_env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")  # STS unreachable: AssumeRole fails
    body = "accounts:\n  - role_arn: arn:aws:iam::210987654321:role/audit\n"
    assert main(["run", str(params_file(tmp_path, body)), "--output", str(tmp_path / "out"), "--quiet"]) == 2
    assert "cannot assume arn:aws:iam::210987654321:role/audit" in capsys.readouterr().err


def test_unwritable_output_directory(aws_env, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(params_file(tmp_path, "")), "--output", str(blocker), "--quiet"]) == 2
    assert "cannot write to" in capsys.readouterr().err


def test_missing_params_file(capsys, tmp_path):
    assert main(["run", str(tmp_path / "absent.yaml")]) == 2
    assert "no such params file" in capsys.readouterr().err


def test_from_snapshots_reassesses_offline_in_another_language(aws_env, tmp_path, capsys, monkeypatch):
    seed_minimal()
    params = params_file(tmp_path, "")
    assert main(["run", str(params), "--output", str(tmp_path / "out"), "--quiet", "--no-reports"]) == 0
    first = next((tmp_path / "out" / "acme").iterdir())  # a pull without reports, rendered below from its snapshots
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # any AWS call would now fail
    code = main(
        [
            "run",
            str(params),
            "--output",
            str(tmp_path / "out"),
            "--quiet",
            "--lang",
            "ja",
            "--from-snapshots",
            str(first),
        ]
    )
    assert code == 0, capsys.readouterr().err
    second = max((tmp_path / "out" / "acme").iterdir())
    assert second != first

    def ids(run_dir):
        data = json.loads((run_dir / "123456789012" / "findings.json").read_text())
        return sorted((f["finding_id"], f["status"]) for f in data)

    assert ids(first) == ids(second)
    html = (second / "123456789012" / "10_vpc.html").read_text()
    assert "なぜ重要か" in html and "前回からの変化" in html  # compared with the first run automatically
    log = json.loads((second / "run.json").read_text())
    assert log["accounts"][0]["changes"] == {
        "new": 0,
        "fixed": 0,
        "still_open": log["accounts"][0]["changes"]["still_open"],
        "not_compared": 0,
        "previous_run": first.name,
    }
    assert log["accounts"][0]["changes"]["still_open"] > 0
    assert main(["run", str(params), "--quiet", "--from-snapshots", str(tmp_path)]) == 2


def test_ctrl_c_stops_promptly_keeps_what_completed_and_writes_the_run_log(aws_env, tmp_path, capsys, monkeypatch):
    """A real SIGINT while the first of three accounts is collecting: the queued accounts never start, the first
    stops after its collection (its snapshot is kept), and run.json and the index list what happened."""
    import os
    import signal

    import awsbp.batch.runner as runner

    real, real_job = runner.collect_account, runner.collect_and_assess
    started, stops, noticed = [], [], []

    def job(*args, stop=None):
        stops.append(stop)
        return real_job(*args, stop=stop)

    def interrupt_during_the_first(session, *args, **kwargs):
        started.append(session)
        if len(started) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does: sent to the process, from this job's thread
            noticed.append(stops[0].wait(60))  # the main thread stops the run while this job is still running
        return real(session, *args, **kwargs)

    monkeypatch.setattr(runner, "collect_and_assess", job)
    monkeypatch.setattr(runner, "collect_account", interrupt_during_the_first)
    roles = "".join(f"  - name: member{n}\n    role_arn: arn:aws:iam::21098765432{n}:role/a\n" for n in (1, 2))
    body = f"max_workers: 1\naccounts:\n  - name: first\n{roles}"
    code = main(["run", str(params_file(tmp_path, body)), "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    run_dir = next((tmp_path / "out" / "acme").iterdir())
    assert len(started) == 1 and noticed == [True]  # the queued accounts were cancelled, not assessed
    assert (run_dir / "123456789012" / "snapshot.json.gz").is_file()  # the first's collection is kept
    log = json.loads((run_dir / "run.json").read_text())
    assert log["interrupted"] is True and [a["name"] for a in log["accounts"]] == ["first"]
    assert "interrupted" in log["accounts"][0]["error"]
    assert (run_dir / "index.html").is_file() and "first" in (run_dir / "index.html").read_text()


def test_the_cli_process_skips_the_iri_grammar_and_still_validates_notebooks():
    """jsonschema compiles an RFC 3987 grammar at import (~2 s) when rfc3987-syntax is installed; the CLI's
    process does not need it, and nbformat (imported through jsonschema to render) still validates notebooks."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from awsbp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): assert main(['policy']) == 0\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1')])\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'code'}]\n"
        "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('invalid refused')\n"
        "print('grammar loaded' if sys.modules.get('rfc3987_syntax') else 'grammar skipped')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["invalid", "refused", "grammar", "skipped"]
