"""The Dask executor: the same per-account jobs on a LocalCluster of 2 worker processes give the same findings
as the local pool, on the three-account demo Organization (AssumeRole, one unreachable member)."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from importlib.resources import files

import pytest
import yaml
from awsbp.batch.executors import open_executor
from awsbp.batch.runner import run
from awsbp.errors import ParamsError
from awsbp.params import parse

pytestmark = pytest.mark.slow


def findings_by_account(result) -> dict[str, set[tuple[str, str]]]:
    out = {}
    for account in result.accounts:
        path = result.run_dir / account.directory / "findings.json"
        if account.directory and path.is_file():
            out[account.name] = {(f["finding_id"], f["status"]) for f in json.loads(path.read_text(encoding="utf-8"))}
    return out


def test_dask_local_cluster_gives_the_same_findings_as_the_local_pool(tmp_path):
    from awsbp.demo.server import DemoServer, simulated_environment
    from awsbp.demo.world import seed

    params = parse(yaml.safe_load(files("awsbp.demo").joinpath("params.yaml").read_text(encoding="utf-8")))
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()):
        seed(server.endpoint)
        with simulated_environment(server.endpoint):  # the workers are started here: they inherit it
            local = run(params, output=tmp_path / "local", quiet=True, render=False)
            dask = run(params, output=tmp_path / "dask", quiet=True, executor="dask")
    assert [(a.name, a.status) for a in dask.accounts] == [(a.name, a.status) for a in local.accounts]
    assert {a.name for a in dask.accounts if a.status == "failed"} == {"acme-sandbox"}
    expected = findings_by_account(local)
    assert len(expected) == 3 and findings_by_account(dask) == expected
    for account in dask.accounts:  # the workers rendered the reports too
        if account.status != "failed":
            assert all(r["ok"] for r in account.reports) and len(account.reports) == 3
    assert dask.index.name == "index.html" and "acme-prod" in dask.index.read_text(encoding="utf-8")


def test_unreachable_scheduler_is_one_clear_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    address = f"tcp://127.0.0.1:{port}"
    with (
        pytest.raises(ParamsError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+") as err,
        open_executor("dask", scheduler=address, timeout="2s"),
    ):
        pass
    assert "\n" not in str(err.value)


def test_unknown_executor_is_refused():
    with pytest.raises(ParamsError, match="unknown executor 'spark'"), open_executor("spark"):
        pass
