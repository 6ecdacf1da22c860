"""once_per_client: one computation per client, shared results and errors, no waiting across clients."""

from __future__ import annotations

import threading

import pytest
from awsbp.collect.base import once_per_client


class Client:
    """Stands for a boto3 client: any object with a __dict__."""


def test_computes_once_per_client_and_shares_the_error():
    calls = []

    def compute(client):
        calls.append(client)
        raise ValueError("denied")

    client = Client()
    for _ in range(2):
        with pytest.raises(ValueError, match="denied"):
            once_per_client(client, "x", compute)
    assert calls == [client]
    assert once_per_client(Client(), "y", lambda c: [1]) == [1]


def test_clients_of_other_regions_do_not_wait_for_each_other():
    first_started, second_done = threading.Event(), threading.Event()

    def slow(client):  # holds its client's lock until the other client's computation is over (or 2 s)
        first_started.set()
        return second_done.wait(2)

    first = Client()
    worker = threading.Thread(target=lambda: once_per_client(first, "instances", slow))
    worker.start()
    assert first_started.wait(5)
    assert once_per_client(Client(), "instances", lambda c: "fast") == "fast"
    second_done.set()
    worker.join(5)
    assert once_per_client(first, "instances", slow) is True, "the second client waited for the first one's lock"


def test_a_client_keeps_a_connection_for_each_collection_thread():
    """Fewer pooled connections than threads sharing a client: urllib3 drops the extra ones with a console warning
    ("Connection pool is full") and opens new ones."""
    from awsbp import collect
    from awsbp.aws import botocore_config

    assert botocore_config().max_pool_connections >= collect.MAX_THREADS
