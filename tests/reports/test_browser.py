"""The demo's reports in a real headless Chromium: no console errors, nothing fetched from the network,
tables and charts visible, and a screenshot of each page kept as a test artifact."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browsers import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-ja")]  # with the tests of the Japanese demo run
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
MAX_REPORT_BYTES = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def demo(demo_runs):
    index, _ = demo_runs("ja")
    return index.parent


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: `make browser` did not install chromium")
        pytest.skip("chromium is not installed here (`make browser` installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    # a script that ran would show up as a dialog (alert) or a console error; both are recorded before loading
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, remote


@pytest.mark.parametrize("report", ["index", "10_vpc", "20_iam", "30_devtools"])
def test_report_opens_offline_without_errors(demo, browser, report):
    path = demo / f"{report}.html" if report == "index" else next(demo.glob(f"*/{report}.html"))
    assert path.stat().st_size < MAX_REPORT_BYTES
    page, errors, remote = open_page(browser, path)
    assert errors == [] and remote == []
    tables = page.locator("table")
    assert tables.count() > 0 and tables.first.is_visible()
    if report != "index":
        assert page.locator("table.awsbp").count() >= 3
        bars = page.evaluate(
            "Array.from(document.querySelectorAll('figure.chart rect')).map(r => r.getBoundingClientRect().width)"
        )
        assert bars and all(w > 0 for w in bars)  # the charts draw: every segment has a width on the page
        assert "<script>alert" not in page.content()
    else:
        links = page.locator("a[href$='.html']")
        assert links.count() >= 3
        for i in range(links.count()):
            target = (path.parent / links.nth(i).get_attribute("href")).resolve()
            assert target.is_file(), target
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{report}.png"), full_page=False)
    page.close()


@pytest.mark.parametrize("notebook", ["10_vpc", "20_iam", "30_devtools"])
def test_hostile_account_data_renders_as_text_in_the_browser(browser, tmp_path, notebook):
    from factory import HOSTILE, account_folder, hostile_world, snapshot

    from awsbp.report.assets import NOTEBOOKS_DIR
    from awsbp.report.execute import execute_and_convert

    account = account_folder(tmp_path / "account", snapshot(hostile_world()), "ja")
    result = execute_and_convert(
        NOTEBOOKS_DIR / f"{notebook}.ipynb", account, {"account": ".", "lang": "ja"}, cwd=account
    )
    assert result.ok, result.error
    page, errors, remote = open_page(browser, result.html)
    page.wait_for_timeout(300)
    assert errors == [] and remote == []
    assert page.locator("img[src='x']").count() == 0  # the injected tag is text, not an element
    assert HOSTILE[:60] in page.text_content("body")  # shown literally (folded rows included), Japanese and all
    page.close()


def test_reports_print_to_a4_pdf_with_header_page_numbers_and_text(demo, tmp_path):
    """`awsbp pdf`: every report of the run printed by Chromium; A4 pages, the confidential header and page
    numbers on every page, the first page carries the cover's facts (no near-blank first page), Japanese text."""
    from awsbp.cli import main
    from pypdf import PdfReader

    copy = tmp_path / "run"
    shutil.copytree(demo, copy)
    accounts = sorted(p.parent for p in copy.glob("*/10_vpc.html"))
    for other in accounts[1:]:  # one account's reports are printed as every account's are: the others cost time only
        shutil.rmtree(other)
    assert main(["pdf", str(copy)]) == 0
    pdfs = sorted(copy.rglob("*.pdf"))
    names = {p.name for p in pdfs}
    assert {"index.pdf", "report.pdf", "10_vpc.pdf", "20_iam.pdf", "30_devtools.pdf"} <= names
    for path in pdfs:
        reader = PdfReader(path)
        total = len(reader.pages)
        assert all(
            abs(float(p.mediabox.width) - 595) < 3 and abs(float(p.mediabox.height) - 842) < 3 for p in reader.pages
        )
        # the first, a middle and the last page (reading the text of all ~250 pages is most of this test's time):
        # the running header, "n / total" in the footer, and a first page that is not blank
        for n in sorted({0, total // 2, total - 1}):
            text = reader.pages[n].extract_text()
            assert "社外秘" in text and f"{n + 1} / {total}" in text, (path, n)
            assert n or len(text) > 150, (path, text)
    vpc = PdfReader(next(p for p in pdfs if p.name == "10_vpc.pdf"))
    body = "".join(page.extract_text() for page in vpc.pages[:4])  # the contents, the intro and BP-VPC-01/02
    assert "BP-VPC-02" in body and "なぜ重要か" in body.replace(" ", "")
    document = PdfReader(copy / "report.pdf")
    assert len(document.pages) > 20
