"""PDF copies of a run's reports, printed by a headless Chromium (A4, the report's own print stylesheet: margins,
running header with client and account, page numbers, page breaks before each practice).

    awsbp pdf reports/acme/<run-id>   # -> index.pdf, report.pdf, <account>/10_vpc.pdf, 20_iam.pdf, 30_devtools.pdf

Chromium is found on the PATH (``chromium``, ``chromium-browser``, ``google-chrome``) or named by
``AWSBP_CHROMIUM``. It prints the local HTML files offline: nothing is fetched from the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from awsbp.domains import DOMAINS
from awsbp.errors import AwsbpError
from awsbp.runfiles import DOCUMENT_FILE, INDEX_FILE

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT = 300  # seconds for one page; it only guards against a hung browser on a busy machine
CHROMIUM_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-pdf-header-footer",  # the report's stylesheet prints its own header and page numbers
)


def find_chromium() -> str:
    """The Chromium to print with; a one-line error saying how to get one."""
    named = os.environ.get("AWSBP_CHROMIUM")
    if named:
        if shutil.which(named) or Path(named).is_file():
            return named
        raise AwsbpError(f"AWSBP_CHROMIUM={named!r} is not an executable; point it at a Chromium or Chrome binary")
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise AwsbpError(
        "printing to PDF needs Chromium: install it (Debian: apt-get install chromium fonts-noto-cjk, or `make "
        "browser`) or set AWSBP_CHROMIUM to a Chrome binary"
    )


def html_to_pdf(html: Path, pdf: Path, chromium: str | None = None) -> Path:
    """Print one local HTML file to ``pdf``; :class:`AwsbpError` with one line when Chromium fails."""
    browser = chromium or find_chromium()
    flags = [*CHROMIUM_FLAGS]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    with tempfile.TemporaryDirectory(prefix="awsbp-pdf-") as profile:
        target = pdf.with_name(f".{pdf.name}.tmp")
        done = subprocess.run(
            [browser, *flags, f"--user-data-dir={profile}", f"--print-to-pdf={target}", html.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=PRINT_TIMEOUT,
        )
        if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            target.unlink(missing_ok=True)
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise AwsbpError(f"{html}: Chromium could not print it ({last})")
        target.chmod(0o600)
        target.replace(pdf)
    return pdf


def write_pdfs(run_dir: str | Path) -> list[Path]:
    """Every report of a run (its index, the client document and each account's domain reports) printed beside its
    HTML."""
    run_dir = Path(run_dir)
    pages = [
        run_dir / INDEX_FILE,
        run_dir / DOCUMENT_FILE,
        *(p for d in DOMAINS for p in sorted(run_dir.glob(f"*/{d.notebook}.html"))),
    ]
    pages = [p for p in pages if p.is_file()]
    if not pages:
        raise AwsbpError(f"{run_dir}: no reports to print (expected index.html and <account>/*.html of a run)")
    chromium = find_chromium()
    with ThreadPoolExecutor(max_workers=max(1, min(len(pages), os.cpu_count() or 1))) as pool:  # one browser a core
        return list(pool.map(lambda page: html_to_pdf(page, page.with_suffix(".pdf"), chromium), pages))
