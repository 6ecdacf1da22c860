import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import os
import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real moto server on 127.0.0.1 (HTTP), shared by the session's tests; reset before each use."""
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch, tmp_path):
    """The default credential chain and every boto3 client pointed at a freshly reset moto server."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).read()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return moto_endpoint


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory):
    """awsbp from a wheel built from this tree, in a fresh venv (see tests/installed.py)."""
    from installed import install_wheel

    return install_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory, request):
    """``demo_runs(lang) -> (index, account folder of acme-management)``: the demo, run once per language and
    session, shared by every test that reads it (their modules are in the ``demo`` xdist group, so one worker
    runs them all). English runs in this process; Japanese from the wheel installed in a fresh venv, outside the
    source tree — the path of a user's non-editable install."""
    import contextlib
    import io
    import json
    import subprocess

    from awsbp.cli import main

    runs: dict[str, tuple] = {}

    def get(lang: str):
        if lang in runs:
            return runs[lang]
        out = tmp_path_factory.mktemp(f"demo-{lang}")
        if lang == "en":
            log = io.StringIO()
            with contextlib.redirect_stderr(log):
                code = main(["demo", "--output", str(out), "--lang", "en"])  # not quiet: progress and messages
            stderr = log.getvalue()
        else:
            wheel = request.getfixturevalue("installed_wheel")
            done = subprocess.run(
                [str(wheel.bin / "awsbp"), "demo", "--output", str(out), "--lang", lang],
                capture_output=True,
                text=True,
                cwd=out,
                env=wheel.env,
            )
            code, stderr = done.returncode, done.stderr
            assert done.stdout.strip().endswith("index.html"), done.stdout  # stdout: the index path alone
        assert code == 0, stderr  # the unreachable member is the demo's intended partial failure
        _earlier, index = sorted(out.glob("demo/*/index.html"))  # a month ago (assessments only), then now
        (index.parent / "stderr.log").write_text(stderr, encoding="utf-8")  # scanned by the no-leak test
        run = json.loads((index.parent / "run.json").read_text(encoding="utf-8"))
        ids = {a["name"]: a["account_id"] for a in run["accounts"]}
        runs[lang] = (index, index.parent / ids["acme-management"])
        return runs[lang]

    return get
