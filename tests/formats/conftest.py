import pytest

from formats import harness
from formats.worlds import collected


@pytest.fixture(scope="session")
def shop_findings():
    """Every check over the shop account, collected from answers in AWS's formats (cached per process)."""
    return harness.findings_of(collected("shop").snapshot())


@pytest.fixture
def shop():
    """A fresh copy of the shop account's snapshot (tests may change it)."""
    return collected("shop").snapshot()
