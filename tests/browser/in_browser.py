"""Driving JupyterLab in headless Chromium for the browser tests: a JupyterLab server on a copy
of notebooks/ (nothing is written into the textbook), running a notebook's cells, finding a
control's explorer, waiting until the page shows a change, screenshots and paint times. The
fixtures that start the server and the browser are in conftest.py."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# User settings for the test's JupyterLab: no news or update pop-up over the page, no autosave
# into the copied notebook, the notebook's own kernel started without asking, and every cell
# attached to the page (no virtual scrolling).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "autoStartDefaultKernel": True},
}
# Upper bounds in seconds, reached only when something hangs: every wait ends as soon as the page
# shows what it waits for. They are generous because a busy machine can be many times slower
# (the training chapter runs in about 20 s on an idle one).
SERVER_START_TIMEOUT = 180
PAGE_TIMEOUT = 120  # a notebook opening, its kernel starting, its outputs clearing, a control appearing
RUN_ALL_TIMEOUT = 600  # every cell of a notebook running
UPDATE_TIMEOUT = 60  # a control's picture and text following a change



# ---------------------------------------------------------------------------------------------
# JupyterLab server and browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def jupyterlab_server(root: Path) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 serving a copy of notebooks/ made in the empty folder
    `root`; its base URL. Stopped (with its kernels) by process id at the end."""
    # kernel-ipc-*: sockets a kernel on the IPC transport leaves beside a notebook; they cannot be copied.
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "kernel-ipc-*"))
    settings = root / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    # The reader's own Jupyter and IPython configuration, kernels and settings stay out of it.
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "IPYTHONDIR": str(root / "ipython"),
    }
    port = _free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={root / 'notebooks'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = root / "jupyterlab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=root / "notebooks", env=env, stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(f"{url}/api/status"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernels down; anything left in its process group
    (which this test created) is killed."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# Driving JupyterLab


def run_notebook(page, lab_url: str, name: str):
    """Open `name` alone in a fresh workspace, wait for its kernel, clear the saved outputs and
    run all cells; returns the notebook's panel once every cell has run. Fails with the
    notebook's error output if a cell raised."""
    page.goto(f"{lab_url}/lab/workspaces/{Path(name).stem}/tree/{name}?reset")
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.first.wait_for(state="visible", timeout=PAGE_TIMEOUT * 1000)
    assert panel.count() == 1, f"expected {name} alone on the page, found {panel.count()} notebooks"
    _wait_kernel_settled(page, panel, PAGE_TIMEOUT)
    outputs = panel.locator(".jp-OutputArea-output")
    prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt")
    _menu_command(page, "Edit", "editmenu:clear-all")
    _wait_until(lambda: outputs.count() == 0 and all(text.strip() == "[ ]:" for text in prompts.all_inner_texts()),
                PAGE_TIMEOUT, "the saved outputs to be cleared")
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    for _attempt in range(3):
        _menu_command(page, "Run", "runmenu:run-all")
        _wait_until(lambda: _kernel_status(panel) == "busy" or "[ ]:" not in _prompt_texts(prompts), PAGE_TIMEOUT,
                    "the cells to start running")
        while _kernel_status(panel) != "idle" or "[*]:" in _prompt_texts(prompts):
            if _cell_errors(panel) or time.monotonic() > deadline:
                _fail_run(page, panel, name, f"kernel {_kernel_status(panel)!r}, prompts {_prompt_texts(prompts)}")
            time.sleep(0.5)
        if _cell_errors(panel):
            _fail_run(page, panel, name, "a cell raised")
        if "[ ]:" not in _prompt_texts(prompts):
            return panel
        # Idle, no error, yet cells never ran: JupyterLab dropped its queue (it does so when the
        # kernel restarts or reconnects under it). Run all again.
        print(f"{name}: run-all left cells unrun ({_prompt_texts(prompts)}); running all again", file=sys.stderr)
        _wait_kernel_settled(page, panel, PAGE_TIMEOUT)
    _fail_run(page, panel, name, f"cells left unrun: prompts {_prompt_texts(prompts)}")


def _prompt_texts(prompts) -> list[str]:
    return [text.strip() for text in prompts.all_inner_texts()]


def _kernel_status(panel) -> str:
    return panel.locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status") or ""


def _wait_kernel_settled(page, panel, timeout: float) -> None:
    """Wait until the notebook's kernel has been idle for two seconds in a row, accepting the
    preferred kernel if JupyterLab asks which one to start."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
        if dialog.count():
            dialog.locator("button.jp-mod-accept").click()
        if _kernel_status(panel) != "idle":
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= 2:
            return
        time.sleep(0.25)
    pytest.fail(f"the kernel did not settle in {timeout} s (status {_kernel_status(panel)!r})")


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.25)


def _menu_command(page, menu: str, command: str) -> None:
    """Click `menu` in the menu bar, then its item for `command` (retried: a click that lands
    while JupyterLab is still settling can leave the menu closed)."""
    item = page.locator(f"li.lm-Menu-item[data-command='{command}']")
    for _ in range(3):
        page.locator(".lm-MenuBar-item", has_text=menu).first.click()
        try:
            item.wait_for(state="visible", timeout=5_000)
        except playwright_sync.TimeoutError:
            page.keyboard.press("Escape")
            continue
        item.click()
        return
    pytest.fail(f"menu {menu!r} did not offer {command!r}")


def _cell_errors(panel) -> list[str]:
    """The error tracebacks shown in the notebook."""
    return panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").filter(
        has_text="Traceback").all_inner_texts()


def _fail_run(page, panel, name: str, state: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{Path(name).stem}_failed_page.png"
    page.screenshot(path=str(shot))
    pytest.fail(f"{name} did not run to the end in JupyterLab ({state}; screenshot {shot}):\n"
                + "\n".join(_cell_errors(panel))[-3000:])


def find_explorer(panel, *, title: str | None = None, controls: tuple[str, ...] = ()):
    """The live control in `panel`: the widget box that holds a picture, a printed text and
    every one of `controls` (CSS selectors), optionally with `title` in it."""
    selector = ".jp-OutputArea-output .widget-vbox:has(> .widget-image):has(.widget-html pre)"
    for control in controls:
        selector += f":has({control})"
    box = panel.locator(selector, has_text=title) if title else panel.locator(selector)
    try:
        box.first.wait_for(state="visible", timeout=PAGE_TIMEOUT * 1000)
    except playwright_sync.TimeoutError:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        panel.page.screenshot(path=str(ARTIFACTS / "explorer_not_found_page.png"))
        widgets = panel.locator(".jp-OutputArea-output .widget-vbox").count()
        pytest.fail(f"no explorer matching {selector!r} ({widgets} widget boxes in the notebook)")
    assert box.count() == 1, f"expected one explorer matching {selector!r}, found {box.count()}"
    box.scroll_into_view_if_needed()
    return box


def snapshot(box) -> tuple[str, str]:
    """(sha256 of the PNG bytes the explorer's image shows, the explorer's printed text)."""
    data_url = box.locator(".widget-image").first.evaluate(
        """async (img) => {
            const blob = await (await fetch(img.src)).blob();
            return await new Promise((resolve) => {
                const reader = new FileReader();
                reader.onload = () => resolve(reader.result);
                reader.readAsDataURL(blob);
            });
        }"""
    )
    png = base64.b64decode(data_url.split(",", 1)[1])
    assert png.startswith(b"\x89PNG"), "the explorer's image is not a PNG"
    text = box.locator(".widget-html pre").last.inner_text()
    return hashlib.sha256(png).hexdigest(), text


def wait_for_state(box, before: tuple[str, str], shows: str, what: str) -> tuple[str, str]:
    """Poll until the explorer's printed text contains `shows` (the new setting) and both its
    picture and its text differ from `before`; returns that state. The kernel replaces the
    picture before the text, so once the text states the new setting, the picture is that
    setting's too."""
    deadline = time.monotonic() + UPDATE_TIMEOUT
    while True:
        state = snapshot(box)
        if shows in state[1] and state[0] != before[0] and state[1] != before[1]:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{UPDATE_TIMEOUT} s after {what}: the text states {shows!r}: {shows in state[1]}, "
                        f"image changed: {state[0] != before[0]}, text changed: {state[1] != before[1]}"
                        f"\nbefore:\n{before[1]}\nnow:\n{state[1]}")
        time.sleep(0.1)


def step_slider(box, handle, before: tuple[str, str], shows: list[str], what: str) -> tuple[str, str]:
    """Move a slider one step to the right per entry of `shows` (its handle focused, the right
    arrow key pressed once), each time waiting until the text states that entry; returns the
    state after the last step."""
    state = before
    for number, setting in enumerate(shows, start=1):
        handle.press("ArrowRight")
        state = wait_for_state(box, state, setting, f"{what} (step {number} of {len(shows)})")
    return state


def screenshot(box, name: str) -> None:
    """Save a picture of the explorer once its image is decoded and painted."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    box.locator(".widget-image").first.evaluate(
        """async (img) => {
            await img.decode();
            for (let frame = 0; frame < 2; frame++) await new Promise((done) => requestAnimationFrame(done));
        }"""
    )
    box.screenshot(path=str(ARTIFACTS / name))


def time_paints(box) -> None:
    """From now on, time each answer of the explorer in the page: from the first input event on
    its controls (key, pointer, change) to the new image decoded and painted (two animation
    frames after the image's source changed). `painted_ms` reads the times."""
    box.evaluate(
        """(box) => {
            const img = box.querySelector('.widget-image');
            const record = {start: null, painted: []};
            box.__paintTimes = record;
            const begin = () => { if (record.start === null) record.start = performance.now(); };
            for (const kind of ['keydown', 'pointerdown', 'input', 'change']) box.addEventListener(kind, begin, true);
            new MutationObserver(async () => {
                if (record.start === null) return;
                const start = record.start;
                record.start = null;
                await img.decode();
                for (let frame = 0; frame < 2; frame++) await new Promise((done) => requestAnimationFrame(done));
                record.painted.push(performance.now() - start);
            }).observe(img, {attributes: true, attributeFilter: ['src']});
        }"""
    )


def painted_ms(box) -> list[float]:
    """The times `time_paints` recorded so far, in ms, one per new image."""
    return box.evaluate("(box) => box.__paintTimes.painted.slice()")


PAINT_REPORTS: list[str] = []  # one line per explorer timed, printed at the end of the run (conftest)


def report_paints(box, name: str) -> None:
    """Record (for the run's summary) and print the explorer's times from an input event to the
    new image painted, with the load."""
    times = painted_ms(box)
    line = (f"{name}: input event -> new image painted, ms: {', '.join(f'{t:.0f}' for t in times)} "
            f"(median {sorted(times)[len(times) // 2]:.0f}; load average {os.getloadavg()[0]:.1f})")
    PAINT_REPORTS.append(line)
    print("\n" + line)
