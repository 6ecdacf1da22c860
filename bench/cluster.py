"""A Dask cluster started as separate processes, as a user would on other machines: ``dask scheduler`` and
``dask worker tcp://… --nthreads 1``, each with a **clean environment** (PATH, HOME, PYTHONPATH only: no AWS
variable, no profile), on 127.0.0.1 at free ports.

    with SeparateCluster(workers=2, home=tmp) as cluster:
        run(params, executor="dask", scheduler=cluster.address, …)
        cluster.pids()          # the scheduler's and the workers' process ids (for memory sampling)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environment(home: Path) -> dict[str, str]:
    """PATH, HOME and PYTHONPATH only; PYTHONPATH puts this checkout's awsbp (and bench) first."""
    import awsbp

    here = [str(Path(awsbp.__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1])]
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p not in here]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join(here + inherited),
    }


def _dask() -> list[str]:
    beside = Path(sys.executable).parent / "dask"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "dask"]


class SeparateCluster:
    """A scheduler and ``workers`` single-threaded workers, each its own process; ``address`` once started."""

    def __init__(self, workers: int = 2, *, home: Path, timeout: float = 180):
        self.workers = workers
        self.home = Path(home)
        self.timeout = timeout
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> SeparateCluster:
        self.home.mkdir(parents=True, exist_ok=True)
        env = clean_environment(self.home)
        port = self.address.rsplit(":", 1)[1]
        log = (self.home / "cluster.log").open("ab")
        common: dict[str, Any] = {"env": env, "cwd": self.home, "stdout": log, "stderr": subprocess.STDOUT}
        scheduler = [*_dask(), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]
        self._processes.append(subprocess.Popen(scheduler, **common))
        worker = [*_dask(), "worker", self.address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
        for _ in range(self.workers):
            self._processes.append(subprocess.Popen(worker, **common))
        try:
            self.wait()
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> None:
        """Until the scheduler answers and sees every worker (the scheduler tells; nothing is polled blindly)."""
        from distributed import Client

        with Client(self.address, timeout=f"{self.timeout}s") as client:
            client.wait_for_workers(self.workers, timeout=self.timeout)

    def pids(self) -> list[int]:
        return [p.pid for p in self._processes if p.poll() is None]

    def log(self) -> str:
        path = self.home / "cluster.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        # workers first, then the scheduler, one at a time: a worker told to stop while another is closing waits
        # for its nanny's 8 s kill timeout instead of ~0.4 s
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._processes.clear()

    def __enter__(self) -> SeparateCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
