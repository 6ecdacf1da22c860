import pytest

from followup.world import assess_client


@pytest.fixture(scope="session")
def client_root(tmp_path_factory):
    """A project-like folder holding ``reports/acme/<month-ago>`` and ``reports/acme/<now>`` (no notebooks)."""
    root = tmp_path_factory.mktemp("project")
    assess_client(root)
    return root


@pytest.fixture(scope="session")
def run_dir(client_root):
    """The newer run of the client (compared with the month-ago one)."""
    from awsbp.report.followup.run import runs_under

    return runs_under(client_root / "reports" / "acme")[-1]


@pytest.fixture(scope="session")
def run(run_dir):
    from awsbp.report.followup import open_run

    return open_run(run_dir)
