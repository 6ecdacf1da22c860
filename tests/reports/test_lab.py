"""The follow-up cookbook in a real JupyterLab, driven from headless Chromium: opened from a scratch copy made by
`awsbp explore`, every cell run, no error output, tables in the report's style. Skipped when chromium, JupyterLab
or Playwright is missing."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from browsers import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
START_TIMEOUT, RUN_TIMEOUT = 180, 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab as `awsbp lab` starts it, on a project folder with a client's run and its scratch notebook."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed here (`make browser` installs Debian's chromium)")
    pytest.importorskip("jupyterlab")
    pytest.importorskip("playwright.sync_api")
    from awsbp.report.followup.lab import KERNEL_NAME, kernel_display_name, lab_command
    from awsbp.report.followup.scratch import explore
    from followup.world import assess_client
    from ipykernel.kernelspec import install

    root = tmp_path_factory.mktemp("lab-project")
    notebook, _ = explore(assess_client(root))
    home = tmp_path_factory.mktemp("lab-home")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    tracker = settings / "tracker.jupyterlab-settings"
    tracker.write_text(json.dumps({"windowingMode": "none"}))  # every cell in the DOM, for the prompts below
    port, token = free_port(), secrets.token_hex(16)
    command = [
        *lab_command(root, notebook, port=port, open_browser=False, token=token),
        "--ServerApp.ip=127.0.0.1",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.news_url=",
    ]
    # the kernel as `awsbp lab` registers it (ensure_kernel), here in a private folder found first
    install(kernel_name=KERNEL_NAME, display_name=kernel_display_name(), prefix=str(home / "prefix"))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PATH": str(home / "prefix" / "share" / "jupyter"),
    }
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                get_json(f"{base}/api/status?token={token}")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield {"base": base, "token": token, "path": notebook.relative_to(root).as_posix(), "log": home / "lab.log"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def wait_for_kernel(page, base: str, token: str, path: str, log: Path) -> None:
    """Until the notebook's kernel is connected to the page and idle (the server's view). Waits with the page's
    clock, not time.sleep: the route handler below answers the page's requests only while Playwright runs."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        sessions = [s for s in get_json(f"{base}/api/sessions?token={token}") if s["path"] == path]
        kernel = sessions[0]["kernel"] if sessions else {}
        if kernel.get("execution_state") == "idle" and kernel.get("connections", 0) >= 1:
            return
        page.wait_for_timeout(500)
    pytest.fail(f"the kernel of {path} never became ready: {log.read_text()[-3000:]}")


def test_the_cookbook_runs_in_jupyterlab_without_errors(lab):
    from playwright.sync_api import sync_playwright

    base, token, path = lab["base"], lab["token"], lab["path"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        page.goto(f"{base}/lab/tree/{path}?token={token}", wait_until="domcontentloaded")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=START_TIMEOUT * 1000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=START_TIMEOUT * 1000)
        wait_for_kernel(page, base, token, path, lab["log"])
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
        code_cells = prompts.count()
        for _ in range(3):  # Lab may still be wiring the kernel to the page: run again until a cell starts
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            started = time.monotonic()
            while time.monotonic() - started < 30 and all(t.strip() == "[ ]:" for t in prompts.all_inner_texts()):
                page.wait_for_timeout(500)
            if not all(t.strip() == "[ ]:" for t in prompts.all_inner_texts()):
                break
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:  # every prompt numbered ([n]), none running ([*]) or waiting ([ ])
            shown = prompts.all_inner_texts()
            if len(shown) == code_cells and all(t.strip()[1:-2].isdigit() for t in shown):
                break
            assert time.monotonic() < deadline, f"cells not done: {shown}"
            page.wait_for_timeout(500)
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lab_cookbook.png"), full_page=False)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, errors.all_inner_texts()[:3]
        assert page.locator(".jp-OutputArea-output table.awsbp").count() >= 10  # frames in the report's style
        browser.close()

    saved = get_json(f"{base}/api/contents/{path}?content=1&token={token}")["content"]
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert len(code) == code_cells and all(c["execution_count"] for c in code)
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error" or o.get("name") == "stderr"]
    from awsbp.report.followup.lab import kernel_display_name

    spec = saved["metadata"]["kernelspec"]  # Lab saved it with the kernel it ran: the notebooks' own, not rewritten
    assert (spec["name"], spec["display_name"]) == ("python3", kernel_display_name())
