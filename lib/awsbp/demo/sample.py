"""Regenerate the bundled sample snapshot from the simulated account (``make sample``).

Notebooks run on it when given no snapshot, so they execute offline anywhere (nbmake, JupyterLab).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import yaml

from awsbp.aws import AwsSession
from awsbp.collect import collect_account
from awsbp.demo.server import DemoServer, simulated_environment
from awsbp.demo.world import seed
from awsbp.params import parse
from awsbp.snapshot import Snapshot


def demo_snapshot() -> Snapshot:
    """Collect the seeded simulated account through the real collectors."""
    params = parse(yaml.safe_load(files("awsbp.demo").joinpath("params.yaml").read_text(encoding="utf-8")))
    assert isinstance(params.regions, list)
    with DemoServer() as server:
        seed(server.endpoint)
        with simulated_environment(server.endpoint):
            session = AwsSession.open()
            snapshot = collect_account(session, params.regions, session.identity())
    snapshot.meta["account_name"] = "demo-company (sample)"
    return snapshot


def main() -> None:
    target = Path(str(files("awsbp.report").joinpath("sample_snapshot.json.gz")))
    demo_snapshot().save(target)
    print(target)


if __name__ == "__main__":
    main()
