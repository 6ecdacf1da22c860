"""Clients for the simulated AWS: the only way awsbp's demo writes to AWS, and it cannot reach a real account.

Every write goes through :func:`demo_clients`: the endpoint must be on this machine (127.0.0.1, localhost,
::1), credentials are dummy keys, no profile or config file is read, and a last check before every HTTP request
refuses any other host.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from awsbp.aws import botocore_session

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEMO_CREDENTIAL = "testing"  # moto accepts any key; this one is not a secret
DEMO_REGION = "us-east-1"


def is_loopback(endpoint: str) -> bool:
    """``is_loopback('http://127.0.0.1:5000') -> True``; ``is_loopback('https://ec2.amazonaws.com') -> False``."""
    try:
        host = urlsplit(endpoint).hostname
    except ValueError:
        return False
    return host in LOOPBACK_HOSTS


def require_loopback(endpoint: str) -> None:
    """Raise ``ValueError`` naming ``endpoint`` unless its host is 127.0.0.1, localhost or ::1."""
    if not is_loopback(endpoint):
        raise ValueError(
            f"refusing endpoint {endpoint!r}: the demo only writes to a simulated account on this machine "
            f"(host must be one of {', '.join(sorted(LOOPBACK_HOSTS))})"
        )


def _refuse_non_loopback(request: Any, **_: Any) -> None:
    """``before-send`` handler: the last word before any byte leaves, whatever endpoint resolution did."""
    require_loopback(request.url)


def _session(key_id: str, secret: str, token: str | None = None) -> boto3.Session:
    """A boto3 session with these keys that reads no profile or config file and refuses non-loopback hosts."""
    core = botocore_session()
    # Ignore AWS_PROFILE (even one naming a missing profile) and the user's config and credentials files.
    # Overrides in the config store win over everything; Session.set_config_variable(name, None) would not
    # (a None instance variable falls through to the environment).
    config_store = core.get_component("config_store")
    config_store.set_config_variable("profile", None)
    config_store.set_config_variable("config_file", os.devnull)
    config_store.set_config_variable("credentials_file", os.devnull)
    core.register("before-send", _refuse_non_loopback, unique_id="awsbp-demo-loopback-only")
    return boto3.Session(
        botocore_session=core,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=DEMO_REGION,
    )


class Clients:
    """boto3 clients that can only reach a simulated account at ``endpoint``. Create with :func:`demo_clients`.

    ``clients("ec2", "ap-northeast-1")`` returns one cached client per service and region. With ``role_arn``,
    the clients act in that role's account with credentials from the simulated STS (how a member account of
    the demo Organization is reached: ``…:role/OrganizationAccountAccessRole``).
    """

    def __init__(self, endpoint: str, role_arn: str | None = None):
        require_loopback(endpoint)
        self.endpoint = endpoint
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=60,  # loopback: generous, it only guards against a hung server on a busy machine
            read_timeout=600,
            s3={"addressing_style": "path"},  # bucket names stay in the path, never in the host name
        )
        self.session = _session(DEMO_CREDENTIAL, DEMO_CREDENTIAL)
        if role_arn:
            sts = self.session.client("sts", endpoint_url=endpoint, config=self._config)
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="awsbp-demo-seed")["Credentials"]
            self.session = _session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str = DEMO_REGION) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint, config=self._config
                )
            return self._clients[key]

    def control(self, path: str, payload: Any) -> Any:
        """POST ``payload`` as JSON to a control endpoint of the simulated AWS (``/moto-api/awsbp/…``, see
        :mod:`awsbp.demo.simulated_iam`) and return its JSON answer; never through a proxy. ``RuntimeError`` with
        the server's reason when it refuses."""
        if not path.startswith("/moto-api/"):
            raise ValueError(f"not a control endpoint of the simulated AWS: {path!r}")
        require_loopback(self.endpoint + path)
        request = urllib.request.Request(
            self.endpoint + path,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self._config.read_timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"{path}: HTTP {err.code}: {err.read().decode('utf-8', 'replace')}") from None


def demo_clients(endpoint: str, role_arn: str | None = None) -> Clients:
    """Clients for the simulated account (or the account of ``role_arn``, assumed through the simulated STS);
    ``ValueError`` naming ``endpoint`` unless its host is loopback."""
    return Clients(endpoint, role_arn)
