"""``awsbp demo``: the simulated Organization, assessed "a month ago" and now, through the real batch."""

from __future__ import annotations

import contextlib
import io
import sys
from importlib.resources import files
from typing import Any

import yaml

from awsbp.batch.runner import RunResult, run
from awsbp.demo.history import forward, rewind
from awsbp.demo.server import DemoServer, simulated_environment
from awsbp.demo.world import seed
from awsbp.demo.world_org import UNREACHABLE
from awsbp.params import Params, parse


def demo_params() -> Params:
    """The demo's params file (package data): the Organization discovered from its management account."""
    raw = yaml.safe_load(files("awsbp.demo").joinpath("params.yaml").read_text(encoding="utf-8"))
    return parse(raw, "demo params")


def run_demo(*, lang: str | None = None, output: str | None = None, quiet: bool = False, **options: Any) -> RunResult:
    """Seed the simulated Organization, assess it as it was a month ago (assessments only), apply the month's
    changes, and run the real batch compared with the earlier run. ``options`` go to
    :func:`awsbp.batch.runner.run` (executor, scheduler)."""
    params = demo_params()
    if not quiet:
        print("awsbp: starting the simulated account (moto server on 127.0.0.1) …", file=sys.stderr)
    # moto prints notes about APIs it lacks on stdout; stdout is for the index path alone
    with DemoServer() as server, contextlib.redirect_stdout(io.StringIO()):
        ids = seed(server.endpoint)
        rewind(server.endpoint, ids)  # a month ago: assessed first (no reports), for the comparison
        with simulated_environment(server.endpoint):
            earlier = run(params, lang=lang, output=output, quiet=True, render=False)
        forward(server.endpoint, ids)
        if not quiet:
            print(f"awsbp: a month later (compared with {earlier.run_dir.name}) …", file=sys.stderr)
        with simulated_environment(server.endpoint):
            return run(params, lang=lang, output=output, quiet=quiet, compare_with=earlier.run_dir, **options)


def only_intended_failures(result: RunResult) -> set[str]:
    """The failed accounts when every one of them is the demo's intended unreachable member, else empty."""
    failed = {a.name for a in result.accounts if a.status == "failed"}
    return failed if failed and failed <= set(UNREACHABLE) else set()
