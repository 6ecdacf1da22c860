"""Dask: a LocalCluster, and a real cluster — a scheduler and two workers started as separate processes with a
clean environment (PATH, HOME, PYTHONPATH; no AWS variable) — run the demo's batch with the same findings as the
local pool; and what a Dask job carries: the simulated endpoint for the demo, never a credential."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import threading
import warnings
from concurrent.futures import Future
from importlib.resources import files
from types import SimpleNamespace

import boto3
import cloudpickle
import pytest
import yaml
from awsbp.batch import executors
from awsbp.batch.executors import CredentialLeak, _DaskPool, refuse_credentials, run_job
from awsbp.batch.runner import AccountResult, run
from awsbp.params import parse
from demo_expected import differences

from bench.cluster import SeparateCluster

ACCESS_KEY = "AKIA" + "EXAMPLEEXAMPLE12"  # shaped like a real key id, in two parts so no scanner mistakes it
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN" * 4


class RecordingClient:
    """Stands for ``distributed.Client``: records what would be sent to the workers, runs nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[object, ...]] = []

    def submit(self, fn, *args, pure=True, **kwargs):
        self.sent.append((fn, args, kwargs))
        account = args[
            3
        ]  # run_job(simulated, collect_and_assess, params, account, …) or (…, report_account, run_dir, result, …)
        done: Future = Future()
        done.set_result(AccountResult(name=account.name or "x", error="not run"))
        return done


def demo_params(*, members_except: list[str] | None = None):
    """The demo's params; ``members_except``: only the Organization's members, without these."""
    raw = yaml.safe_load(files("awsbp.demo").joinpath("params.yaml").read_text(encoding="utf-8"))
    if members_except is not None:
        raw.pop("accounts")
        raw["organizations"]["exclude"] = members_except
    return parse(raw)


def test_a_real_run_sends_no_credential_to_the_workers(monkeypatch, tmp_path):
    for name, value in (("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    params = parse(
        {
            "client": "acme",
            "accounts": [
                {"name": "prod", "role_arn": "arn:aws:iam::111122223333:role/audit", "external_id": "ext-1"},
                {"name": "dev", "profile": "acme-dev"},
            ],
            "regions": ["eu-west-1"],
        }
    )
    client = RecordingClient()

    @contextlib.contextmanager
    def recording_executor(kind, **_):
        yield _DaskPool(client, executors.carried_environment())

    monkeypatch.setattr(executors, "open_executor", recording_executor)
    run(params, output=tmp_path, quiet=True, render=False, executor="dask", scheduler="tcp://127.0.0.1:1")
    assert [args[1].__name__ for _, args, _ in client.sent] == ["collect_and_assess"] * 2 + ["report_account"] * 2
    for fn, args, kwargs in client.sent:
        assert fn is run_job and args[0] is None  # a real run: no simulated endpoint, the worker's own chain
        sent = cloudpickle.dumps((args, kwargs))  # what Dask would put on the wire
        for secret in (ACCESS_KEY, SECRET, TOKEN):
            assert secret.encode() not in sent
    assert b"arn:aws:iam::111122223333:role/audit" in cloudpickle.dumps(client.sent[0][1])  # the role travels


@pytest.mark.parametrize(
    "payload",
    [
        ("job", {"session": boto3.Session(aws_access_key_id="x", aws_secret_access_key="y")}),
        ("job", [SECRET]),  # this process's secret, as a value
        ("job", {"env": f"AWS_SECRET_ACCESS_KEY={SECRET}"}),  # or inside a longer string
        ("job", {"Credentials": {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": "t"}}),
        ("job", SimpleNamespace(aws_session_token="t")),
    ],
)
def test_a_job_holding_a_credential_is_refused_before_it_is_sent(monkeypatch, payload):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = RecordingClient()
    with pytest.raises(CredentialLeak, match="must not carry"):
        _DaskPool(client).submit(print, *payload)
    assert client.sent == []


def test_the_demo_s_dummy_keys_a_loopback_endpoint_and_a_key_id_are_not_credentials(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    refuse_credentials(("http://127.0.0.1:5000", {"AWS_SECRET_ACCESS_KEY": "testing", "secretaccesskey": ""}))
    refuse_credentials({"suppressions": [{"check": "BP-IAM-05", "resource": ACCESS_KEY}]})  # an identifier


def test_demo_jobs_carry_the_simulated_endpoint_and_the_worker_enters_it_around_the_job():
    from awsbp.demo.server import active_endpoint, simulated_environment

    endpoint = "http://127.0.0.1:5999"
    client = RecordingClient()
    with simulated_environment(endpoint):
        pool = _DaskPool(client, executors.carried_environment())
        pool.submit(print, "job", SimpleNamespace(name="a"))
    assert client.sent[0][1][0] == (simulated_environment, endpoint) and active_endpoint() is None
    assert endpoint.encode() in cloudpickle.dumps(client.sent[0][1])  # by name: the worker imports the demo
    before = dict(os.environ)
    seen = run_job(
        (simulated_environment, endpoint), lambda: (os.environ["AWS_ENDPOINT_URL"], os.environ["AWS_ACCESS_KEY_ID"])
    )
    assert seen == (endpoint, "testing") and dict(os.environ) == before  # put back after the job


def test_jobs_of_one_worker_process_never_mix_environments():
    """With --nthreads > 1: a simulated job and a real one run one after the other, never together."""
    from awsbp.demo.server import simulated_environment

    endpoint = "http://127.0.0.1:5998"
    inside, release, seen = threading.Event(), threading.Event(), []

    def simulated_job():
        inside.set()
        release.wait(10)
        return os.environ.get("AWS_ENDPOINT_URL")

    def real_job():
        seen.append(os.environ.get("AWS_ENDPOINT_URL"))

    outside = os.environ.get("AWS_ENDPOINT_URL")
    first = threading.Thread(target=run_job, args=((simulated_environment, endpoint), simulated_job))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=run_job, args=(None, real_job))
    second.start()
    second.join(0.2)
    assert second.is_alive() and seen == []  # waits for the simulated job to end
    release.set()
    first.join(10)
    second.join(10)
    assert seen == [outside]  # the worker's own environment, not the simulated one


@contextlib.contextmanager
def dashboard_port_taken():
    """Dask's default dashboard port held by someone else, as on a consultant's laptop running another cluster
    (if something already holds it, so much the better)."""
    with socket.socket() as holder:
        with contextlib.suppress(OSError):
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        yield


def findings_by_account(result, *, own_only: bool = False) -> dict[str, set[tuple[str, str]]]:
    """``own_only``: without the cross-account findings (which depend on the other accounts of the run)."""
    out = {}
    for account in result.accounts:
        path = result.run_dir / account.directory / "findings.json"
        if account.directory and path.is_file():
            findings = json.loads(path.read_text(encoding="utf-8"))
            out[account.name] = {
                (f["finding_id"], f["status"]) for f in findings if not (own_only and f["cross_account"])
            }
    return out


@pytest.mark.slow
def test_a_separately_started_cluster_and_a_local_one_give_the_demo_s_findings(tmp_path):
    """One seeded Organization. A scheduler with two workers started as separate processes with a clean
    environment (the jobs carry the endpoint) finds exactly what the local pool finds in the demo (the expected
    findings its end-to-end test holds the local pool to). A LocalCluster, whose worker inherits the simulated
    environment and renders the reports too, over one of the members: the same findings of its own."""
    from awsbp.demo.server import MOTO_ACCOUNT_ID, DemoServer, simulated_environment
    from awsbp.demo.world import seed

    members = ["acme-prod"]
    with (
        SeparateCluster(workers=2, home=tmp_path / "cluster") as cluster,
        DemoServer() as server,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        seed(server.endpoint)
        with simulated_environment(server.endpoint):  # the client's; separately started workers never inherit it
            separate = run(
                demo_params(),
                output=tmp_path / "dask",
                quiet=True,
                render=False,
                executor="dask",
                scheduler=cluster.address,
            )
            with dashboard_port_taken(), warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                local_cluster = run(
                    demo_params(members_except=[MOTO_ACCOUNT_ID, "acme-sandbox", "acme-dev"]),  # management by id
                    output=tmp_path / "local-cluster",
                    quiet=True,
                    executor="dask",
                )
        assert len(cluster.pids()) == 3, cluster.log()[-3000:]
    assert {a.name for a in separate.accounts if a.status == "failed"} == {"acme-sandbox"}, [
        (a.name, a.error) for a in separate.accounts
    ]
    assert all("no AWS credentials" not in a.error for a in separate.accounts)
    assert differences(separate.run_dir) == {}
    assert sorted((a.name, a.status) for a in local_cluster.accounts) == sorted((m, "ok") for m in members), [
        (a.name, a.error) for a in local_cluster.accounts
    ]
    expected = findings_by_account(separate, own_only=True)
    assert findings_by_account(local_cluster, own_only=True) == {m: expected[m] for m in members}
    for account in local_cluster.accounts:  # the LocalCluster's worker rendered the reports too
        assert all(r["ok"] for r in account.reports) and len(account.reports) == 3
    assert not [str(w.message) for w in warned if "already in use" in str(w.message)]  # no port warning
    assert local_cluster.index.name == "index.html" and "acme-prod" in local_cluster.index.read_text(encoding="utf-8")
