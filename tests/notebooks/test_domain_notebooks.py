"""The domain notebooks executed by papermill on a small snapshot, in both languages, with hostile data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from awsbp.report.execute import execute_and_convert
from factory import account_folder, hostile_world, snapshot

pytestmark = pytest.mark.slow
NOTEBOOKS = Path(__file__).parents[2] / "notebooks"  # links to the package's notebooks
NOTEBOOK = NOTEBOOKS / "10_vpc.ipynb"


@pytest.fixture(scope="module")
def hostile_account(tmp_path_factory):
    """An account folder assessed in English; the Japanese reports reword it (lang parameter)."""
    return account_folder(tmp_path_factory.mktemp("account"), snapshot(hostile_world()), "en")


@pytest.mark.parametrize(("notebook", "checks"), [("10_vpc", 8), ("20_iam", 11), ("30_devtools", 7)])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_notebook_renders_every_check_and_escapes_account_data(hostile_account, tmp_path, lang, notebook, checks):
    result = execute_and_convert(
        NOTEBOOKS / f"{notebook}.ipynb", tmp_path, {"account": str(hostile_account), "lang": lang}
    )
    assert result.ok, result.error
    html = result.html.read_text(encoding="utf-8")
    domain = {"10_vpc": "VPC", "20_iam": "IAM", "30_devtools": "DEV"}[notebook]
    for n in range(1, checks + 1):
        assert f'id="BP-{domain}-{n:02d}"' in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror" in html
    assert "open_workbook" not in html  # code is hidden
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert re.search(r"[\u3040-\u30ff]", html) if lang == "ja" else "Why it matters" in html


def test_notebook_failure_is_reported_not_raised(tmp_path):
    result = execute_and_convert(NOTEBOOK, tmp_path, {"account": str(tmp_path / "missing")})
    assert not result.ok and "AssessmentError" in result.error and "looked from" in result.error
    assert (tmp_path / "10_vpc.ipynb").is_file()
