"""The Dask executor refuses what it cannot use in one clear line (its findings on clusters: test_dask_cluster)."""

from __future__ import annotations

import socket

import pytest
from awsbp.batch.executors import open_executor
from awsbp.errors import ParamsError


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
